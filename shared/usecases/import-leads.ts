import { isUtf8 } from 'node:buffer';
import { parse } from 'csv-parse/sync';
import { HttpError, StorageUnavailableError } from '../errors.ts';
import type { Lead } from '../domain/lead.ts';
import type { LeadStore } from '../adapters/lead-store/store.ts';
import { fieldRoleOf } from '../domain/submission.ts';
import { captureImportedLead, findForm, type ImportCaptureDependencies } from './capture-lead.ts';
import { decodeWindows1252 } from '../domain/windows-1252.ts';

export interface ImportOptions {
  formId: string;
  /** The field separator; when absent it is read off the header line (`,` `;` tab or `|`). */
  delimiter?: string;
  /** Validate and count against the table without writing anything. */
  dryRun?: boolean;
  /** Rows being written at once: enough to keep DynamoDB busy, few enough not to be throttled. */
  concurrency?: number;
  /** How many row problems the summary keeps (the count of invalid rows is always complete). */
  maxProblems?: number;
}

export interface RowProblem {
  /** As a spreadsheet numbers rows: the header is row 1. */
  row: number;
  field: string;
  message: string;
}

/** How the file's bytes were read; see `decodeCsv`. */
export type CsvEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export interface ImportSummary {
  formId: string;
  delimiter: string;
  /** Text handed over as a string needs no decoding and counts as `utf-8`. */
  encoding: CsvEncoding;
  dryRun: boolean;
  /** Data rows read, blank rows not counted. */
  rows: number;
  /** Submissions stored: the stream processor makes each a new lead, or joins it to the person's open lead. */
  imported: number;
  duplicates: number;
  /** Of the duplicates, rows with the same values as another row of this file (the rest were stored before). */
  repeatedInFile: number;
  spam: number;
  invalid: number;
  /** The first `maxProblems` problems, in row order. */
  problems: RowProblem[];
  /** All problems found; a row can have several. */
  problemCount: number;
}

export type ImportDependencies = Omit<ImportCaptureDependencies, 'store'> & { store: Pick<LeadStore, 'putNewLead' | 'getLead'> };

const DELIMITER_CANDIDATES = [',', ';', '\t', '|'] as const;
const DEFAULT_CONCURRENCY = 24;
const DEFAULT_MAX_PROBLEMS = 20;
const COLUMNS_QUOTED = 6;

/**
 * No column of the header maps to email, so not one row could be imported: usually the file was read with the
 * wrong separator. `likelyDelimiter` is a separator that does give an email column, when one does.
 */
export class MissingEmailColumnError extends HttpError {
  constructor(delimiter: string, columns: string[], readonly likelyDelimiter: string | undefined) {
    const quoted = columns.slice(0, COLUMNS_QUOTED).map((name) => JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name)).join(', ');
    const read = `read with ${delimiterLabel(delimiter)} as the separator: ${columns.length} column(s), ${quoted}${columns.length > COLUMNS_QUOTED ? ', …' : ''}`;
    super(422, likelyDelimiter
      ? `no email column in the header (${read}); the header looks ${delimiterLabel(likelyDelimiter)}-separated`
      : `no email column in the header (${read}); name the column that holds the addresses Email (or E-mail, Email Address, Work Email)`, { code: 'no_email_column' });
  }
}

/** How a separator is named in messages: a tab is invisible when quoted. */
export function delimiterLabel(delimiter: string): string {
  return delimiter === '\t' ? 'tab' : `"${delimiter}"`;
}

/**
 * Imports event leads (badge scans, attendee lists) from a CSV file through the same capture rules as the
 * HTTP API: header names map through the same aliases, unknown columns become answers, and each valid row is
 * one conditional write. A row's lead id comes from its content, so importing the same file again adds
 * nothing. A header without an email column, or with no rows under it, refuses the whole file before any row
 * is read. Stops at the first storage failure; what was written stays, and a re-run completes the rest.
 */
export async function importLeads(csv: string | Buffer, options: ImportOptions, deps: ImportDependencies): Promise<ImportSummary> {
  const form = findForm(deps.config, options.formId);
  const { text, encoding } = typeof csv === 'string' ? { text: csv, encoding: 'utf-8' as const } : decodeCsv(csv);
  const headerLine = firstLineOf(text);
  const delimiter = options.delimiter ?? detectDelimiter(headerLine);
  const [header, ...records] = parseCsv(text, delimiter);
  if (!header || header.every((name) => name.trim() === '')) throw new HttpError(400, 'the file has no header row', { code: 'malformed_csv' });
  const columns = header.map((name, index) => name.trim() || `column ${index + 1}`);
  if (!hasEmailColumn(columns)) {
    throw new MissingEmailColumnError(delimiter, columns, DELIMITER_CANDIDATES.find((candidate) => candidate !== delimiter && hasEmailColumn(columnsOf(headerLine, candidate))));
  }

  const summary: ImportSummary = {
    formId: form.id, delimiter, encoding, dryRun: options.dryRun ?? false, rows: 0, imported: 0, duplicates: 0, repeatedInFile: 0, spam: 0, invalid: 0, problems: [], problemCount: 0,
  };
  const problems: RowProblem[] = [];
  const rows = records
    .map((cells, index) => ({ row: index + 2, cells }))
    .filter(({ cells }) => cells.some((cell) => cell.trim() !== ''));
  if (rows.length === 0) throw new HttpError(422, 'the file has a header but no data rows: nothing to import', { code: 'no_rows' });
  summary.rows = rows.length;
  const captureDeps = { ...deps, store: summary.dryRun ? previewStore(deps.store) : deps.store };

  let written = 0;
  // Rows are written concurrently, so a repeated row can finish before the one it repeats: count them per lead at the end.
  const rowsPerLead = new Map<string, number>();
  await forEachBounded(rows, options.concurrency ?? DEFAULT_CONCURRENCY, async ({ row, cells }) => {
    const extra = cells.slice(columns.length).filter((cell) => cell.trim() !== '');
    if (extra.length > 0) {
      summary.invalid++;
      problems.push({ row, field: `column ${columns.length + 1}`, message: `has a value but no header (the header has ${columns.length} columns)` });
      return;
    }
    try {
      const fields = columns.map((name, index): [string, string] => [name, cells[index] ?? '']);
      const { leadId, outcome } = await captureImportedLead({ formId: form.id, fields, context: { query: {} } }, captureDeps);
      if (outcome === 'created') summary.imported++;
      else if (outcome === 'duplicate') summary.duplicates++;
      else summary.spam++;
      if (outcome !== 'duplicate') written++;
      rowsPerLead.set(leadId, (rowsPerLead.get(leadId) ?? 0) + 1);
    } catch (error) {
      if (!(error instanceof HttpError) || error.details.code !== 'invalid_fields') throw error;
      summary.invalid++;
      for (const [field, message] of Object.entries(error.details.fields ?? {})) problems.push({ row, field, message });
    }
  }).catch((error: unknown) => {
    if (!(error instanceof StorageUnavailableError)) throw error;
    throw new HttpError(503, `lead storage became unreachable after ${written} row(s) were stored; nothing stored is lost: run the same import again, rows already stored count as duplicates`, {
      code: 'storage_unavailable',
    });
  });

  // Of the rows that share a lead id, one was stored now or had been before; each of the others repeats it.
  for (const rows of rowsPerLead.values()) summary.repeatedInFile += rows - 1;
  summary.problemCount = problems.length;
  summary.problems = problems.sort((a, b) => a.row - b.row).slice(0, options.maxProblems ?? DEFAULT_MAX_PROBLEMS);
  return summary;
}

/**
 * Excel saves "CSV" in the Windows code page (1252 in western locales), "CSV UTF-8" with a byte-order mark and
 * "Unicode text" as UTF-16 with one. Bytes that are valid UTF-8 are almost never meant as anything else, so
 * Windows-1252 is only the reading of a file that is not valid UTF-8; the summary says so.
 */
function decodeCsv(bytes: Buffer): { text: string; encoding: CsvEncoding } {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(bytes), encoding: 'utf-16le' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(bytes), encoding: 'utf-16be' };
  if (isUtf8(bytes)) return { text: bytes.toString('utf8'), encoding: 'utf-8' };
  return { text: decodeWindows1252(bytes), encoding: 'windows-1252' };
}

function parseCsv(text: string, delimiter: string): string[][] {
  try {
    return parse(text, { bom: true, delimiter, relax_column_count: true, relax_quotes: true }) as string[][];
  } catch (error) {
    throw new HttpError(400, `the file is not readable as CSV: ${(error as Error).message}`, { code: 'malformed_csv' });
  }
}

/**
 * EU spreadsheet exports separate with `;` (the comma is their decimal mark): the header line says which. A
 * separator that yields an email column wins over one that merely occurs more often ("Name, first;Email").
 */
function detectDelimiter(headerLine: string): string {
  const outsideQuotes = headerLine.replace(/"[^"]*"/g, '');
  const present = DELIMITER_CANDIDATES
    .map((candidate) => ({ candidate, count: outsideQuotes.split(candidate).length - 1 }))
    .filter(({ count }) => count > 0)
    .sort((a, b) => b.count - a.count)
    .map(({ candidate }) => candidate);
  return present.find((candidate) => hasEmailColumn(columnsOf(headerLine, candidate))) ?? present[0] ?? ',';
}

/** Only the first line: csv-parse reads the whole input even when asked for one record, and files run to 10,000s of rows. */
function firstLineOf(text: string): string {
  return text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
}

/** The header line's column names as `delimiter` splits them; none when it is not readable that way. */
function columnsOf(headerLine: string, delimiter: string): string[] {
  try {
    const [columns = []] = parse(headerLine, { delimiter, relax_column_count: true, relax_quotes: true }) as string[][];
    return columns;
  } catch {
    return [];
  }
}

const hasEmailColumn = (columns: string[]) => columns.some((name) => fieldRoleOf(name) === 'email');

/** A dry run reads what is stored but writes nothing; rows repeated within the file still count as duplicates. */
function previewStore(store: Pick<LeadStore, 'getLead'>): Pick<LeadStore, 'putNewLead'> {
  const seen = new Map<string, Lead>();
  return {
    async putNewLead(lead) {
      const earlierRow = seen.get(lead.leadId);
      if (earlierRow) return { created: false, existing: earlierRow };
      seen.set(lead.leadId, lead);
      const existing = await store.getLead(lead.leadId);
      return existing ? { created: false, existing } : { created: true };
    },
  };
}

/** Runs `work` over `items` with at most `concurrency` in flight; the first failure stops new work and is rethrown once the rest settle. */
async function forEachBounded<Item>(items: Item[], concurrency: number, work: (item: Item) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failure) throw failure.error;
}
