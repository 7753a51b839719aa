/** One row of the printed table: what was measured, against which floor, and whether it met its target. */
export interface BenchRow {
  benchmark: string;
  measure: string;
  value: string;
  floor: string;
  /** value ÷ floor, when the two are comparable. */
  ratio?: number;
  /** The target, in words ("p50 ≤ 1.5× floor"), with ✅/❌ when it applies. */
  target?: string;
  met?: boolean;
  note?: string;
}

export interface BenchResult {
  name: string;
  rows: BenchRow[];
  /** Raw numbers behind the rows, kept in bench/results.json. */
  details: Record<string, unknown>;
}

export function markdownTable(rows: readonly BenchRow[]): string {
  const escape = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const lines = [
    '| Benchmark | Measure | Value | Floor (same run) | Ratio | Target |',
    '|---|---|---:|---:|---:|---|',
    ...rows.map((row) => {
      const ratio = row.ratio === undefined ? '' : `${formatRatio(row.ratio)}×`;
      const target = row.target ? `${row.met === undefined ? '' : row.met ? '✅ ' : '❌ '}${row.target}` : '';
      return `| ${escape(row.benchmark)} | ${escape(row.measure)} | ${escape(row.value)} | ${escape(row.floor)} | ${ratio} | ${escape(target)} |`;
    }),
  ];
  return lines.join('\n');
}

export function notesList(rows: readonly BenchRow[]): string {
  const notes = rows.filter((row) => row.note).map((row) => `- **${row.benchmark} · ${row.measure}:** ${row.note}`);
  return notes.join('\n');
}

export function formatRatio(ratio: number): string {
  return ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(2);
}

export const ms = (value: number) => (value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(2)} ms`);
export const count = (value: number) => Math.round(value).toLocaleString('en-US');
export const units = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(2));
