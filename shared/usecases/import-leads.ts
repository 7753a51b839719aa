import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { HttpError, StorageUnavailableError } from '../errors.ts';
import { type Lead, personKeyOf } from '../domain/lead.ts';
import { type RequiredContact, requiredContactOf } from '../config/schema.ts';
import { IMPORT_PART_SIZE, type ImportPart, type LeadStore } from '../adapters/lead-store/store.ts';
import { fieldHolding, fieldRoleOf, normaliseFieldName, SET_ASIDE_SUFFIXES, setAsideRefusedContactFields } from '../domain/submission.ts';
import { isolatedIfRightToLeft, withoutTerminalControls } from '../domain/terminal-text.ts';
import { formatLocal, localDate, zonedTimeToUtc } from '../domain/business-hours.ts';
import { captureImportedLead, findForm, type ImportCaptureDependencies, type ImportedCaptureOutcome } from './capture-lead.ts';
import { decodeWindows1252 } from '../domain/windows-1252.ts';
import { forEachBounded } from './bounded.ts';

export interface ImportOptions {
  formId: string;
  /** The field separator; when absent it is read off the header line (`,` `;` tab or `|`). */
  delimiter?: string;
  /** Validate and count against the table without writing anything. */
  dryRun?: boolean;
  /** Rows being written at once: enough to keep DynamoDB busy, few enough not to be throttled. */
  concurrency?: number;
  /** The file's name as the owners' emails name it (no directory); defaults to "the imported file". */
  fileName?: string;
  /**
   * Stops the import (an operator's Ctrl-C): no further row is read, the rows in flight finish, and the owners of
   * what was stored are told as usual. The summary says where it stopped.
   */
  signal?: AbortSignal;
}

/** What is wrong with one cell of one row: why the row was left out, or what was done with a value it could not use. */
export interface RowProblem {
  /** As a spreadsheet numbers rows: the header is row 1 (a `sep=` line above it is not counted: Excel hides it). */
  row: number;
  /** The column as the header names it, or the capture field when no column holds it; shortened and safe to print. */
  field: string;
  /** The cell's value, shortened and safe to print; absent when the cell is empty. */
  value?: string;
  message: string;
}

/** How the file's bytes were read; see `decodeCsv`. */
export type CsvEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export interface ImportSummary {
  formId: string;
  delimiter: string;
  /** The separator named by the file's first line `sep=X` (Excel's way to say it), when it has one: that line is not a row. */
  declaredDelimiter?: string;
  /** Text handed over as a string needs no decoding and counts as `utf-8`. */
  encoding: CsvEncoding;
  dryRun: boolean;
  /** Data rows in the file, blank rows not counted. */
  rows: number;
  /** Set when the import was stopped: how many of the rows, the first ones, were handled (the counts are theirs). */
  stoppedAfter?: number;
  /** Submissions stored: the stream processor makes each a new lead, or joins it to the person's open lead. */
  imported: number;
  duplicates: number;
  /** Of the duplicates, rows with the same values as another row of this file (the rest were stored before). */
  repeatedInFile: number;
  spam: number;
  invalid: number;
  /** The column each row's scan time is read from (see `SCAN_TIME_COLUMNS`), when the header has one. */
  scanTimeColumn?: string;
  /** The timezone a scan time without a zone is read in: the event's, else the organisation's. */
  scanTimezone?: string;
  /** Rows in Handoff that count as received at their scan time rather than at the import. */
  scanTimed: number;
  /** Why the invalid rows were left out: every problem, in row order (a row can have several). */
  problems: RowProblem[];
  /** Rows that are in all the same, with a value that could not be used as the file gives it: every warning, in row order. */
  warnings: RowProblem[];
  /**
   * How the owners are told: one email each per part of up to `IMPORT_PART_SIZE` leads, listing their leads, sent
   * by the stream processor once the part is stored. `leads` counts the new leads of this run, and the leads an
   * earlier run of the same file stored but never told (it stopped before its parts were stored). Absent on a dry
   * run and when no lead is waiting to be told.
   */
  alerts?: { importId: string; parts: number; leads: number };
}

export type ImportDependencies = Omit<ImportCaptureDependencies, 'store'> & { store: Pick<LeadStore, 'putNewLead' | 'getLead' | 'putImportPart'> };

const DELIMITER_CANDIDATES = [',', ';', '\t', '|'] as const;
const DEFAULT_CONCURRENCY = 24;
const COLUMNS_QUOTED = 6;

/**
 * No column of the header maps to email (or to phone, where the form takes phones), so not one row could be
 * imported: usually the file was read with the wrong separator. `likelyDelimiter` is a separator that does give
 * such a column, when one does.
 */
export class MissingContactColumnError extends HttpError {
  constructor(requiredContact: RequiredContact, delimiter: string, columns: string[], readonly likelyDelimiter: string | undefined) {
    const quoted = columns.slice(0, COLUMNS_QUOTED).map((name) => JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name)).join(', ');
    const read = `read with ${delimiterLabel(delimiter)} as the separator: ${columns.length} column(s), ${quoted}${columns.length > COLUMNS_QUOTED ? ', …' : ''}`;
    const [missing, naming] = requiredContact === 'email'
      ? ['no email column', 'name the column that holds the addresses Email (or E-mail, Email Address, Work Email)']
      : ['no email or phone column', 'name the column that holds the addresses Email (or E-mail, Email Address, Work Email), or the one with the numbers Phone (or Mobile)'];
    super(422, likelyDelimiter
      ? `${missing} in the header (${read}); the header looks ${delimiterLabel(likelyDelimiter)}-separated`
      : `${missing} in the header (${read}); ${naming}`, { code: 'no_email_column' });
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
 * nothing. A header without a column to reach people by (`hasContactColumn`), or with no rows under it, refuses the whole file before any row
 * is read. Stops at the first storage failure; what was written stays, and a re-run completes the rest.
 *
 * Unlike a person at a form, the operator cannot correct a row at its source, so only a row without a usable
 * email (or, where the form takes phones, a usable email or phone) is left out: a value capture refuses in another contact field is kept as an answer instead, and a row
 * with a scan time counts as received then. Both are listed as warnings.
 */
export async function importLeads(csv: string | Buffer, options: ImportOptions, deps: ImportDependencies): Promise<ImportSummary> {
  const form = findForm(deps.config, options.formId);
  const { text: decoded, encoding } = typeof csv === 'string' ? { text: csv, encoding: 'utf-8' as const } : decodeCsv(csv);
  const { declaredDelimiter, text } = withoutSeparatorLine(decoded);
  const headerLine = firstLineOf(text);
  const delimiter = options.delimiter ?? declaredDelimiter ?? detectDelimiter(headerLine);
  const [header, ...records] = parseCsv(text, delimiter);
  if (!header || header.every((name) => name.trim() === '')) throw new HttpError(400, 'the file has no header row', { code: 'malformed_csv' });
  const columns = header.map((name, index) => name.trim() || `column ${index + 1}`);
  const requiredContact = requiredContactOf(form);
  if (!hasContactColumn(columns, requiredContact)) {
    throw new MissingContactColumnError(requiredContact, delimiter, columns, DELIMITER_CANDIDATES.find((candidate) => candidate !== delimiter && hasContactColumn(columnsOf(headerLine, candidate), requiredContact)));
  }
  const filledRows = records
    .map((cells, index) => ({ row: index + 2, cells }))
    .filter(({ cells }) => cells.some((cell) => cell.trim() !== ''));
  if (filledRows.length === 0) throw new HttpError(422, 'the file has a header but no data rows: nothing to import', { code: 'no_rows' });
  const scanSource = scanTimeSourceOf(columns, filledRows.map(({ cells }) => cells));
  // A scanner at a London show writes London time.
  const scanTimezone = form.event?.timezone ?? deps.config.organisation.timezone;

  const summary: ImportSummary = {
    formId: form.id, delimiter, ...(declaredDelimiter ? { declaredDelimiter } : {}), encoding, dryRun: options.dryRun ?? false,
    rows: filledRows.length, imported: 0, duplicates: 0, repeatedInFile: 0, spam: 0, invalid: 0,
    ...(scanSource === undefined ? {} : { scanTimeColumn: shownSafely(scanSource.name), scanTimezone }), scanTimed: 0, problems: [], warnings: [],
  };
  const problems: RowProblem[] = [];
  const warnings: RowProblem[] = [];
  const scanTimes = scanSource === undefined ? [] : readScanTimes(filledRows.map(({ cells }) => scanSource.valueOf(cells)), { timezone: scanTimezone, now: deps.now() });
  const rows = filledRows.map((row, index) => ({ ...row, scanTime: scanTimes[index] }));
  const captureDeps = { ...deps, store: summary.dryRun ? previewStore(deps.store) : deps.store };
  const importId = newImportId(deps.now());
  const toTell = new Map<string, ImportedCaptureOutcome['person']>();

  let written = 0;
  // Rows are written concurrently, so a repeated row can finish before the one it repeats: count them per lead at the end.
  const rowsPerLead = new Map<string, number>();
  // One person's rows are written in file order, so the first row is the one stored and a repeat of it (an export that
  // changed the address's case) is the duplicate; other people's rows still go side by side.
  const columnsOfRole = (role: string) => columns.flatMap((name, index) => (fieldRoleOf(name) === role ? [index] : []));
  const [emailColumns, phoneColumns] = [columnsOfRole('email'), columnsOfRole('phone')];
  const firstFilled = (cells: string[], indexes: number[]) => indexes.map((index) => cells[index]?.trim() ?? '').find((cell) => cell !== '');
  const lastRowOf = new Map<string, Promise<void>>();
  async function importRow({ row, cells, scanTime }: (typeof rows)[number]): Promise<void> {
    const extra = cells.slice(columns.length).filter((cell) => cell.trim() !== '');
    if (extra.length > 0) {
      summary.invalid++;
      problems.push(cellProblem(row, `column ${columns.length + 1}`, extra[0]!, `has a value but no header (the header has ${columns.length} columns)`));
      return;
    }
    const fields = columns.map((name, index): [string, string] => [name, cells[index] ?? '']);
    const capturedAt = scanTime && 'at' in scanTime ? scanTime.at : undefined;
    const captured = await captureRow(row, { formId: form.id, fields, capturedAt, importId }, captureDeps);
    if ('problems' in captured) {
      summary.invalid++;
      problems.push(...captured.problems);
      return;
    }
    warnings.push(...captured.warnings);
    if (scanTime && 'problem' in scanTime) warnings.push(cellProblem(row, scanSource!.name, scanSource!.valueOf(cells), scanTime.problem));
    const { leadId, outcome, awaitsImportAlert, person, storedByThisImport } = captured.capture;
    if (awaitsImportAlert) toTell.set(leadId, person);
    // A lead's first row finding it stored by this very import: the SDK retried a write (after a timeout) that had
    // landed. The row was imported now, not by "an earlier import".
    const storedByRetry = outcome === 'duplicate' && storedByThisImport && !rowsPerLead.has(leadId);
    if (outcome === 'created' || storedByRetry) summary.imported++;
    else if (outcome === 'duplicate') summary.duplicates++;
    else summary.spam++;
    if (outcome !== 'duplicate' || storedByRetry) written++;
    if (capturedAt) summary.scanTimed++;
    rowsPerLead.set(leadId, (rowsPerLead.get(leadId) ?? 0) + 1);
  }

  const handled = await forEachBounded(rows, options.concurrency ?? DEFAULT_CONCURRENCY, async (item) => {
    const contact = { email: firstFilled(item.cells, emailColumns), phone: firstFilled(item.cells, phoneColumns) };
    const person = contact.email ?? contact.phone ? personKeyOf(contact) : undefined;
    const before = person === undefined ? undefined : lastRowOf.get(person);
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    if (person !== undefined) lastRowOf.set(person, mine);
    try {
      await before;
      await importRow(item);
    } finally {
      done();
    }
  }, options.signal).catch((error: unknown) => {
    if (!(error instanceof StorageUnavailableError)) throw error;
    throw new HttpError(503, `lead storage became unreachable after ${written} row(s) were stored; nothing stored is lost: run the same import again, rows already stored count as duplicates`, {
      code: 'storage_unavailable',
    });
  });

  if (handled < rows.length) summary.stoppedAfter = handled;
  // Of the rows that share a lead id, one was stored now or had been before; each of the others repeats it.
  for (const count of rowsPerLead.values()) summary.repeatedInFile += count - 1;
  if (!summary.dryRun && toTell.size > 0) summary.alerts = await storeImportParts({ importId, formId: form.id, fileName: options.fileName ?? 'the imported file', importedAt: deps.now().toISOString(), ...(scanSource ? { scanTimeColumns: scanSource.columns } : {}), leadIdsByPart: inTellingOrder(toTell) }, deps.store);
  // A stable sort: a row's own problems stay in the order they were found.
  summary.problems = problems.sort((a, b) => a.row - b.row);
  summary.warnings = warnings.sort((a, b) => a.row - b.row);
  return summary;
}

/**
 * Stores the leads to tell in parts; storing a part is what sends its digests. Written once every row is in, so a
 * digest lists a whole part. If the table goes away now, the rows are stored but untold: running the same import
 * again finds them (`awaitsImportAlert`) and tells them then.
 */
async function storeImportParts({ leadIdsByPart, ...batch }: Omit<ImportPart, 'part' | 'parts' | 'leadIds'> & { leadIdsByPart: string[][] }, store: Pick<LeadStore, 'putImportPart'>): Promise<ImportSummary['alerts']> {
  const parts = leadIdsByPart.length;
  try {
    for (const [index, leadIds] of leadIdsByPart.entries()) await store.putImportPart({ ...batch, part: index + 1, parts, leadIds });
  } catch (error) {
    if (!(error instanceof StorageUnavailableError)) throw error;
    throw new HttpError(503, 'every row is stored, but lead storage became unreachable before the owners could be told; run the same import again: it adds no rows and tells the owners', {
      code: 'storage_unavailable',
    });
  }
  return { importId: batch.importId, parts, leads: leadIdsByPart.flat().length };
}

/**
 * The leads to tell, a person's rows side by side and the people by their first scan: a part then never splits a
 * person (who would be "new" in one email and "returning" in the next), and the oldest scans, the most urgent, go
 * out first. Parts are cut at a person's boundary when one fits, so they can be a little under `IMPORT_PART_SIZE`.
 */
function inTellingOrder(toTell: ReadonlyMap<string, ImportedCaptureOutcome['person']>): string[][] {
  const people = new Map<string, Array<{ leadId: string; receivedAt: string }>>();
  for (const [leadId, { key, receivedAt }] of toTell) people.set(key, [...(people.get(key) ?? []), { leadId, receivedAt }]);
  const ordered = [...people.values()]
    .map((rows) => rows.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.leadId.localeCompare(b.leadId)))
    .sort((a, b) => a[0]!.receivedAt.localeCompare(b[0]!.receivedAt) || a[0]!.leadId.localeCompare(b[0]!.leadId));
  const parts: string[][] = [];
  for (const rows of ordered) {
    const last = parts.at(-1);
    if (last && last.length + rows.length <= IMPORT_PART_SIZE) last.push(...rows.map((row) => row.leadId));
    else parts.push(rows.map((row) => row.leadId));
  }
  return parts;
}

/** Sorts by time, so an operator listing the table's import parts sees them in order. */
function newImportId(now: Date): string {
  return `${now.toISOString().replace(/[-:]|\.\d+Z$/g, '')}-${randomBytes(5).toString('hex')}`;
}

type RowCapture = { capture: ImportedCaptureOutcome; warnings: RowProblem[] } | { problems: RowProblem[] };

/**
 * Captures one row. Capture names each field it refuses (`invalidFields`): a contact field by its canonical name,
 * an answer by its column. When every refused field is a contact field other than the email, the columns that
 * filled them are renamed (`Phone` → `Phone (as in the file)`), so their values are kept verbatim as answers,
 * and the row is captured again: a second column of the same kind (`Mobile` after `Phone`) may fill the field
 * now, and is judged in turn. Each round renames at least one column, so it ends. The renaming follows from the
 * row's content alone, so a re-import names the same lead. Anything else (the email, a NUL character) leaves the
 * row out, with every problem capture found in it.
 */
async function captureRow(row: number, request: { formId: string; fields: Array<[string, string]>; capturedAt: Date | undefined; importId: string }, deps: ImportCaptureDependencies): Promise<RowCapture> {
  const { formId, fields, capturedAt, importId } = request;
  let refused: Record<string, string>;
  try {
    return { capture: await captureImportedLead({ formId, fields, importId, context: { query: {} }, ...(capturedAt ? { capturedAt } : {}) }, deps), warnings: [] };
  } catch (error) {
    if (!(error instanceof HttpError) || error.details.code !== 'invalid_fields') throw error;
    refused = error.details.fields ?? {};
  }
  const setAside = setAsideRefusedContactFields(fields, refused, 'file');
  if (!setAside) {
    const refusals = Object.entries(refused)
      .map(([field, message]) => ({ field, message, index: fieldHolding(fields, field) }))
      .sort((a, b) => (a.index ?? fields.length) - (b.index ?? fields.length));
    return { problems: refusals.map(({ field, message, index }) => cellProblem(row, index === undefined ? field : fields[index]![0], index === undefined ? '' : fields[index]![1], message)) };
  }
  const renamed = setAside.fields;
  const warnings = setAside.setAside.map(({ field, message, index }) => {
    const [name, value] = fields[index]!;
    return cellProblem(row, name, value, `${whyRefused(field, value, message)}; kept as the answer "${shownSafely(name)}${SET_ASIDE_SUFFIXES.file}"`);
  });
  const retried = await captureRow(row, { formId, fields: renamed, capturedAt, importId }, deps);
  return 'problems' in retried ? retried : { capture: retried.capture, warnings: [...warnings, ...retried.warnings] };
}

/** A spreadsheet shows a long number such as a phone number as 4.91701E+11 and saves it so: its last digits are gone. */
const SCIENTIFIC_NOTATION = /^\d+(?:[.,]\d+)?e\+?\d+$/i;

function whyRefused(field: string, value: string, message: string): string {
  if (field === 'phone' && SCIENTIFIC_NOTATION.test(value.trim())) {
    return 'is a number in the scientific notation a spreadsheet turns long numbers into, and has lost its last digits';
  }
  return message;
}

function cellProblem(row: number, column: string, value: string, message: string): RowProblem {
  return { row, field: shownSafely(column), ...(value.trim() === '' ? {} : { value: shownSafely(value) }), message };
}

const SHOWN_GRAPHEMES = 40;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * A cell as a summary line may quote it: at most 40 characters as a reader counts them (a cut never splits an
 * accent or an emoji), line breaks as ↵, controls as �, and right-to-left text isolated so that it cannot reorder
 * the line around it.
 */
function shownSafely(text: string): string {
  const kept: string[] = [];
  for (const { segment } of graphemes.segment(text.trim())) {
    if (kept.push(segment) > SHOWN_GRAPHEMES) break;
  }
  const shown = kept.length > SHOWN_GRAPHEMES ? `${kept.slice(0, SHOWN_GRAPHEMES - 1).join('')}…` : kept.join('');
  return isolatedIfRightToLeft(withoutTerminalControls(shown.replace(/\r\n|\r|\n/g, '↵')));
}

/**
 * Header names of a column that says when the person was met (scanned, registered, created), compared as capture
 * compares field names: lowercased, letters and digits only ("Scan-Zeit" is `scanzeit`). The most specific first:
 * a file with both `Registered` and `Scanned At` is timed by the scan.
 */
const SCAN_TIME_COLUMNS = [
  'scannedat', 'scantime', 'scandate', 'scannedon', 'scandatetime', 'scantimestamp', 'scanzeit', 'scandatum', 'gescanntam', 'erfasstam', 'capturedat',
  'timestamp', 'zeitstempel', 'datetime',
  'createdat', 'created', 'createdon', 'createddate', 'erstelltam',
  'registeredat', 'registered', 'registeredon', 'registrationdate', 'registrationtime', 'anmeldedatum', 'angemeldetam',
  'date', 'datum',
];

/** A date column and a time-of-day column that some lead-retrieval apps export side by side ("Scan Date", "Scan Time"). */
const DATE_ONLY_COLUMNS = ['scandate', 'scandatum', 'date', 'datum'];
const TIME_ONLY_COLUMNS = ['scantime', 'scanzeit', 'time', 'zeit', 'uhrzeit'];
const TIME_OF_DAY_ONLY = /^\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?$/i;

interface ScanTimeSource {
  /** As the summary and warnings name it: the column, or "Scan Date + Scan Time". */
  name: string;
  /** The columns it reads. */
  columns: string[];
  valueOf: (cells: readonly string[]) => string;
}

/**
 * Where each row's scan time is read: the first column of `SCAN_TIME_COLUMNS` the header has; or, when that is a
 * date or a time of day alone and the file has the other half (`Scan Date` 11/26/2026 beside `Scan Time` 10:32),
 * both, read together. A time-of-day column alone is no date, and a date alone would count from midnight.
 */
function scanTimeSourceOf(columns: string[], rows: ReadonlyArray<readonly string[]>): ScanTimeSource | undefined {
  const keys = columns.map(normaliseFieldName);
  const firstOf = (aliases: readonly string[]) => aliases.map((alias) => keys.indexOf(alias)).find((index) => index >= 0);
  const chosen = firstOf(SCAN_TIME_COLUMNS);
  const date = firstOf(DATE_ONLY_COLUMNS);
  const time = firstOf(TIME_ONLY_COLUMNS);
  const halves = chosen !== undefined && (chosen === date || chosen === time) && date !== undefined && time !== undefined;
  const times = halves ? rows.map((cells) => cells[time]?.trim() ?? '').filter((value) => value !== '') : [];
  if (halves && times.length > 0 && times.every((value) => TIME_OF_DAY_ONLY.test(value))) {
    return { name: `${columns[date]} + ${columns[time]}`, columns: [columns[date]!, columns[time]!], valueOf: (cells) => [cells[date], cells[time]].map((cell) => cell?.trim() ?? '').filter(Boolean).join(' ') };
  }
  return chosen === undefined ? undefined : { name: columns[chosen]!, columns: [columns[chosen]!], valueOf: (cells) => cells[chosen] ?? '' };
}

/** When a row's person was met, or why its scan time cannot be used (the row then counts from the import); undefined for an empty cell. */
export type ScanTime = { at: Date } | { problem: string } | undefined;

const MAX_SCAN_AGE_DAYS = 90;
const FALLBACK = 'counted as received at the import instead';
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})/;
const DOTTED_DATE = /^(\d{1,2})\.(\d{1,2})\.(\d{4})/;
const SLASHED_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})/;
const TIME_OF_DAY = /^(?:T|,?\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?:\s*([ap])\.?m\.?)?(?:\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?))?$/i;

type SlashOrder = 'day-first' | 'month-first';

/**
 * Reads a scan-time column. Forms: ISO 8601 (`2026-11-24T10:00:00Z`, `2026-11-24 10:00`), `24.11.2026 10:00`
 * (day first, as every locale that writes dots does), and `24/11/2026` or `11/24/2026 10:00 AM`. A slashed date
 * is read day first or month first as its numbers require (24/11, 11/24); when both readings are possible
 * (05/11/2026), the other values of the column decide, since one export writes every date the same way, and
 * when none of them does either, the value is not used. Four-digit years only; a date alone counts from the
 * start of that day; a time without a zone is in `timezone`. A time in the future, or more than 90 days before
 * `now`, is not used either: it is almost certainly a scanner's wrong clock or a misread date.
 */
export function readScanTimes(values: string[], { timezone, now }: { timezone: string; now: Date }): ScanTime[] {
  const order = slashOrderOf(values);
  return values.map((value) => readScanTime(value.trim(), order, timezone, now));
}

/** The order every unambiguous slashed date of the column shows; undefined when they show none, or both. */
function slashOrderOf(values: string[]): SlashOrder | undefined {
  let dayFirst = false;
  let monthFirst = false;
  for (const value of values) {
    const parts = SLASHED_DATE.exec(value.trim());
    if (!parts) continue;
    const [first, second] = [Number(parts[1]), Number(parts[2])];
    if (first > 12 && second <= 12) dayFirst = true;
    if (second > 12 && first <= 12) monthFirst = true;
  }
  if (dayFirst === monthFirst) return undefined;
  return dayFirst ? 'day-first' : 'month-first';
}

function readScanTime(value: string, order: SlashOrder | undefined, timezone: string, now: Date): ScanTime {
  if (value === '') return undefined;
  const date = calendarDateOf(value, order);
  if (date === 'ambiguous') return { problem: `could be day/month or month/day, and no other date in the column tells which; ${FALLBACK}` };
  const time = date && (date.rest === '' ? { hour: 0, minute: 0, second: 0, offsetMinutes: undefined } : timeOfDayOf(date.rest));
  if (!date || !time || !isRealDate(date.year, date.month, date.day)) {
    return { problem: `is not a date and time the import reads (such as 2026-11-24 10:00, 24.11.2026 10:00 or 2026-11-24T10:00:00Z); ${FALLBACK}` };
  }
  const at = time.offsetMinutes === undefined
    ? new Date(zonedTimeToUtc(`${date.year}-${pad(date.month)}-${pad(date.day)}`, `${pad(time.hour)}:${pad(time.minute)}`, timezone).getTime() + time.second * 1000)
    : new Date(Date.UTC(date.year, date.month - 1, date.day, time.hour, time.minute, time.second) - time.offsetMinutes * 60_000);
  // "Fri 27 Nov 2026, 23:59 CET": the year belongs with the date, since a misread year is what this warns of.
  const readAs = `read as ${formatLocal(at, timezone).replace(', ', ` ${localDate(at, timezone).slice(0, 4)}, `)}`;
  if (at > now) return { problem: `is in the future (${readAs}); ${FALLBACK}` };
  if (now.getTime() - at.getTime() > MAX_SCAN_AGE_DAYS * 86_400_000) return { problem: `is more than ${MAX_SCAN_AGE_DAYS} days before the import (${readAs}); ${FALLBACK}` };
  return { at };
}

function calendarDateOf(value: string, order: SlashOrder | undefined): { year: number; month: number; day: number; rest: string } | 'ambiguous' | undefined {
  const iso = ISO_DATE.exec(value);
  if (iso) return { year: Number(iso[1]), month: Number(iso[2]), day: Number(iso[3]), rest: value.slice(iso[0].length) };
  const dotted = DOTTED_DATE.exec(value);
  if (dotted) return { year: Number(dotted[3]), month: Number(dotted[2]), day: Number(dotted[1]), rest: value.slice(dotted[0].length) };
  const slashed = SLASHED_DATE.exec(value);
  if (!slashed) return undefined;
  const [first, second, year] = [Number(slashed[1]), Number(slashed[2]), Number(slashed[3])];
  const readAs = first > 12 ? 'day-first' : second > 12 || first === second ? 'month-first' : order;
  if (!readAs) return 'ambiguous';
  const rest = value.slice(slashed[0].length);
  return readAs === 'day-first' ? { year, month: second, day: first, rest } : { year, month: first, day: second, rest };
}

function timeOfDayOf(text: string): { hour: number; minute: number; second: number; offsetMinutes: number | undefined } | undefined {
  const parts = TIME_OF_DAY.exec(text);
  if (!parts) return undefined;
  let hour = Number(parts[1]);
  const [minute, second] = [Number(parts[2]), Number(parts[3] ?? 0)];
  const meridiem = parts[4]?.toLowerCase();
  if (meridiem) {
    if (hour < 1 || hour > 12) return undefined;
    hour = (hour % 12) + (meridiem === 'p' ? 12 : 0);
  }
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const zone = parts[5]?.toUpperCase();
  if (zone === undefined) return { hour, minute, second, offsetMinutes: undefined };
  if (zone === 'Z' || zone === 'UTC' || zone === 'GMT') return { hour, minute, second, offsetMinutes: 0 };
  const [, sign, zoneHours, zoneMinutes = '0'] = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
  if (Number(zoneHours) > 14 || Number(zoneMinutes) > 59) return undefined;
  return { hour, minute, second, offsetMinutes: (sign === '-' ? -1 : 1) * (Number(zoneHours) * 60 + Number(zoneMinutes)) };
}

/** The date as written exists: no month 13, no 30 February. */
function isRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const pad = (value: number) => String(value).padStart(2, '0');

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
 * separator that yields an email or phone column wins over one that merely occurs more often ("Name, first;Email").
 */
function detectDelimiter(headerLine: string): string {
  const outsideQuotes = headerLine.replace(/"[^"]*"/g, '');
  const present = DELIMITER_CANDIDATES
    .map((candidate) => ({ candidate, count: outsideQuotes.split(candidate).length - 1 }))
    .filter(({ count }) => count > 0)
    .sort((a, b) => b.count - a.count)
    .map(({ candidate }) => candidate);
  return present.find((candidate) => hasContactColumn(columnsOf(headerLine, candidate), 'email-or-phone')) ?? present[0] ?? ',';
}

/**
 * Excel reads a first line `sep=;` as the file's separator and does not show it; some exports write one so that
 * Excel opens them right in every locale. It is not the header: it is taken off, and the rows keep the numbers
 * Excel shows them under (header = row 1). A line padded with more separators (`sep=;;;`) is the same line.
 */
function withoutSeparatorLine(text: string): { text: string; declaredDelimiter?: string } {
  const line = /^\uFEFF?sep=(\t|[^"\s])\1*[ \t]*(?:\r?\n|$)/i.exec(text);
  return line ? { text: text.slice(line[0].length), declaredDelimiter: line[1]! } : { text };
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

/** Whether a header has a column that can reach the person: an email column, or a phone column where the form takes phones. */
const hasContactColumn = (columns: string[], requiredContact: RequiredContact) =>
  columns.some((name) => fieldRoleOf(name) === 'email' || (requiredContact === 'email-or-phone' && fieldRoleOf(name) === 'phone'));

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
