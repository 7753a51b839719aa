/**
 * RFC 4180 CSV: CRLF line ends, fields quoted when they hold a comma, quote or line break,
 * quotes doubled. Text cells that a spreadsheet would read as a formula (= + - @, or a leading tab
 * or carriage return) get a leading apostrophe, because lead fields are typed by strangers and the
 * file is opened in Excel by sales (CSV injection, OWASP).
 */

export type CsvCell = string | number | null | undefined;

const FORMULA_TRIGGER = /^[=+\-@\t\r]/;

export function toCsv(rows: ReadonlyArray<ReadonlyArray<CsvCell>>): string {
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function csvField(cell: CsvCell): string {
  if (cell === null || cell === undefined) return '';
  // Numbers we produce ourselves are data, so a negative number stays a number.
  const text = typeof cell === 'number' ? String(cell) : FORMULA_TRIGGER.test(cell) ? `'${cell}` : cell;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
