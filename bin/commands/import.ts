import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { loadConfig } from '../../shared/config/load.ts';
import { leadStoreFromEnv } from '../../shared/adapters/lead-store/from-env.ts';
import { IMPORT_PART_SIZE } from '../../shared/adapters/lead-store/store.ts';
import { MissingContactColumnError, delimiterLabel, importLeads, type ImportSummary, type RowProblem } from '../../shared/usecases/import-leads.ts';
import { UsageError } from '../usage-error.ts';

type OptionValue = string | boolean | Array<string | boolean> | undefined;

const DELIMITER_NAMES: Record<string, string> = { ',': ',', comma: ',', ';': ';', semicolon: ';', tab: '\t', '\\t': '\t', '|': '|', pipe: '|' };

/** Quoted for the shell, where a bare ; or | would end the command. */
const FLAG_SPELLING: Record<string, string> = { ',': "','", ';': "';'", '\t': 'tab', '|': "'|'" };

/** Problems, and warnings, the summary lists of each; longer lists go whole to a file the summary names. */
const LISTED_IN_SUMMARY = 20;

/**
 * `handoff import <file.csv> --form <formId> [--delimiter ;] [--dry-run]`: loads event leads through the same
 * capture rules as the HTTP API. Exits 0 only when every row of the file is in Handoff (new, duplicate or spam,
 * with or without a warning), so a script can trust a 0: any invalid row, a header without an email column, a
 * usage error or an unreachable table exits 1. Re-running after a fix is safe, because rows already stored count
 * as duplicates.
 */
export async function importCsv(options: { form?: OptionValue; delimiter?: OptionValue; 'dry-run'?: OptionValue }, positionals: string[]): Promise<void> {
  const config = loadConfig();
  const formIds = config.forms.map((form) => form.id);
  if (positionals.length !== 1) throw new UsageError(`name exactly one CSV file (got ${positionals.length}): handoff import <file.csv> --form <formId>`);
  const file = positionals[0]!;
  const formId = typeof options.form === 'string' ? options.form.trim() : '';
  if (!formId) throw new UsageError(`--form <formId> is required: one of ${formIds.join(', ')}`);
  if (!formIds.includes(formId)) throw new UsageError(`--form "${formId}" is not a configured form: use one of ${formIds.join(', ')}`);
  const delimiter = options.delimiter === undefined ? undefined : DELIMITER_NAMES[String(options.delimiter)];
  if (options.delimiter !== undefined && !delimiter) throw new UsageError('--delimiter must be one of , ; tab |');

  let csv: Buffer;
  try {
    csv = await readFile(file);
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  const stop = stopOnInterrupt();
  const summary = await importLeads(csv, { formId, fileName: basename(file), ...(delimiter ? { delimiter } : {}), dryRun: options['dry-run'] === true, signal: stop.signal }, { config, store: leadStoreFromEnv(config), now: () => new Date() })
    .catch((error: unknown) => {
      if (error instanceof MissingContactColumnError && error.likelyDelimiter) throw new UsageError(`${error.message}: try --delimiter ${FLAG_SPELLING[error.likelyDelimiter]}`);
      throw error;
    })
    .finally(stop.dispose);
  const listFile = summary.problems.length > LISTED_IN_SUMMARY || summary.warnings.length > LISTED_IN_SUMMARY ? await writeFullList(file, summary) : undefined;
  process.stdout.write(describeImport(file, summary, config.organisation.timezone, listFile));
  const refusal = stoppedRefusal(summary) ?? invalidRowsRefusal(summary);
  if (refusal) throw new UsageError(refusal);
}

/**
 * Ctrl-C stops the import cleanly: no further row is read, the rows in flight finish, the owners of what is stored
 * are told, and the summary says where it stopped. A second Ctrl-C quits at once, as a terminal user expects.
 */
function stopOnInterrupt(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onInterrupt = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
    process.stderr.write('handoff: stopping after the rows being written (Ctrl-C again to quit at once)\n');
  };
  process.on('SIGINT', onInterrupt);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onInterrupt) };
}

/** A stopped import has rows it never read: not every row is in, so it exits 1, saying how to finish. */
function stoppedRefusal(summary: ImportSummary): string | undefined {
  if (summary.stoppedAfter === undefined) return undefined;
  return `stopped as asked after ${summary.stoppedAfter} of ${summary.rows} row(s); the rest were not read: import the same file again to add them (rows already stored count as duplicates)`;
}

/** What a script learns from the exit status: a row left out of Handoff is a failure, even when the others went in. */
function invalidRowsRefusal(summary: ImportSummary): string | undefined {
  if (summary.invalid === 0) return undefined;
  const notImported = summary.dryRun ? 'would not be imported' : 'were not imported';
  if (summary.invalid === summary.rows) return `no row ${summary.dryRun ? 'would be' : 'was'} imported: all ${summary.rows} row(s) are invalid (see the problems above); fix them and import the file again`;
  const rest = summary.dryRun ? 'the other rows would be stored' : 'the other rows are stored, and count as duplicates when you import the fixed file again';
  return `${summary.invalid} of ${summary.rows} row(s) ${notImported} (see the problems above); ${rest}`;
}

function describeImport(file: string, summary: ImportSummary, timezone: string, listFile: string | undefined): string {
  const verb = summary.dryRun ? 'would be ' : '';
  const lines = [`${summary.dryRun ? 'Dry run of' : 'Imported'} ${file} into form "${summary.formId}": ${summary.rows} row(s), separated by ${delimiterLabel(summary.delimiter)}.`];
  if (summary.stoppedAfter !== undefined) lines.push(`Stopped as asked after the first ${summary.stoppedAfter} row(s): the counts below are theirs.`);
  if (summary.encoding === 'windows-1252') lines.push('Read as Windows-1252 (what Excel on Windows saves as "CSV"), because the file is not valid UTF-8.');
  if (summary.encoding === 'utf-16le' || summary.encoding === 'utf-16be') lines.push(`Read as UTF-16 (${summary.encoding === 'utf-16le' ? 'little' : 'big'}-endian), as its byte-order mark says: what Excel saves as "Unicode text".`);
  if (summary.declaredDelimiter) {
    const overridden = summary.declaredDelimiter !== summary.delimiter ? ', overridden by --delimiter' : '';
    lines.push(`The first line names the separator, ${delimiterLabel(summary.declaredDelimiter)}${overridden} (Excel's "sep=" line): skipped, and not counted, so the header is row 1 as Excel shows the file.`);
  }
  lines.push(
    `  submissions ${summary.imported} ${verb}stored`,
    `  duplicates  ${summary.duplicates} ${verb}skipped${duplicatesReason(summary)}`,
    `  spam        ${summary.spam} ${verb}stored as spam`,
    `  invalid     ${summary.invalid} ${verb}skipped`,
  );
  if (summary.scanTimeColumn !== undefined) {
    lines.push(`${summary.scanTimed} row(s) ${summary.dryRun ? 'would count' : 'count'} as received at their time in column "${summary.scanTimeColumn}" (in ${summary.scanTimezone ?? timezone} unless it names a zone), not at the import.`);
  }
  lines.push(...rowNotes(summary, LISTED_IN_SUMMARY));
  if (listFile) lines.push(`Every problem and warning: ${listFile}`);
  if (summary.dryRun) lines.push('Nothing was stored.');
  else lines.push(...alertLines(summary));
  return `${lines.join('\n')}\n`;
}

/** The problems (rows left out) and warnings (rows in, a value not used as given), at most `limit` of each. */
function rowNotes(summary: ImportSummary, limit: number): string[] {
  const section = (title: string, rows: string, notes: RowProblem[]) => {
    if (notes.length === 0) return [];
    const cut = notes.length > limit ? `; first ${limit} of ${notes.length}` : '';
    return [
      `${title} (${rows}${cut}), by row as a spreadsheet numbers them (header = row 1):`,
      ...notes.slice(0, limit).map((note) => `  row ${note.row}: ${note.field}${note.value === undefined ? '' : ` ${JSON.stringify(note.value)}`} ${note.message}`),
    ];
  };
  return [
    ...section('Problems', summary.dryRun ? 'rows that would be left out' : 'rows left out', summary.problems),
    ...section('Warnings', summary.dryRun ? 'rows that would be imported all the same' : 'rows imported all the same', summary.warnings),
  ];
}

/**
 * More problems than a terminal can usefully show: all of them go to a file in a fresh private directory (the
 * lines hold people's addresses), never beside the CSV, where it could overwrite something or be shared with it.
 */
async function writeFullList(file: string, summary: ImportSummary): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'handoff-import-'));
  const listFile = join(directory, `${basename(file, extname(file))}.problems.txt`);
  const title = `${summary.dryRun ? 'Dry run of' : 'Import of'} ${file} into form "${summary.formId}" at ${new Date().toISOString()}: every problem and warning.`;
  await writeFile(listFile, `${[title, ...rowNotes(summary, Number.POSITIVE_INFINITY)].join('\n')}\n`, { mode: 0o600 });
  return listFile;
}

/**
 * Whether a submission starts a lead is the stream processor's call, made after the import: say both outcomes, and
 * that each owner gets one email for the import rather than one per row.
 */
function alertLines(summary: ImportSummary): string[] {
  if (!summary.alerts) return ['No submissions stored, so nobody is alerted.'];
  const { leads, parts } = summary.alerts;
  const earlier = leads - summary.imported;
  const lines = [
    'The stream processor makes each submission a new lead, or joins it to the person\'s open lead, and assigns it.',
    `Each owner then gets one email listing their leads from this import${parts > 1 ? ` (one per ${IMPORT_PART_SIZE} leads: ${parts} parts)` : ''}, or the usual alert when it is just one.`,
  ];
  if (earlier > 0) lines.push(`That includes ${earlier} lead(s) stored by an earlier import of this file whose owners have not been told yet.`);
  return lines;
}

/** A duplicate row is either in Handoff from an earlier import or repeats another row of this file. */
function duplicatesReason(summary: ImportSummary): string {
  const alreadyStored = summary.duplicates - summary.repeatedInFile;
  if (summary.repeatedInFile === 0) return alreadyStored > 0 ? ' (already stored)' : '';
  if (alreadyStored === 0) return ' (repeated in this file)';
  return ` (${alreadyStored} already stored, ${summary.repeatedInFile} repeated in this file)`;
}
