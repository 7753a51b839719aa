import './cli-environment.ts';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { StorageUnavailableError } from '../shared/errors.ts';
import { loadStackEnvironment, noStackFoundMessage } from '../infra/local/stack-environment.ts';
import { listLeads } from './commands/leads.ts';
import { recordFollowUpFromCli, type CliFollowUp } from './commands/follow-up.ts';
import { runNightly } from './commands/nightly.ts';
import { importCsv } from './commands/import.ts';
import { erasePerson, exportPerson } from './commands/privacy.ts';
import { checkConfig } from './commands/check-config.ts';
import { UsageError } from './usage-error.ts';

interface Command {
  summary: string;
  usage: string;
  /**
   * What to tell the person when the table stops answering mid-command: whether anything may have changed, and
   * what to do. `mayHaveChanged` is false when no request could have reached the table (the connection was refused).
   */
  afterOutage: (mayHaveChanged: boolean) => string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** False for a command that reads only the config file, so it runs with no stack to talk to. */
  needsStack?: false;
  run: (values: Record<string, string | boolean | Array<string | boolean> | undefined>, positionals: string[]) => Promise<void>;
}

const NOTHING_CHANGED = 'nothing was changed; try again';
const verdictMayBeRecorded = 'the verdict may have been recorded before it stopped answering; check `handoff leads --status <status>` before you repeat it (a repeat adds a second activity, and the latest verdict counts)';

/** A follow-up a rep records on one lead: the same options, and the same answer when the table stopped answering. */
function followUpCommand(name: CliFollowUp, summary: string, noteUsage: string, mayHaveBeenRecorded: string): Command {
  return {
    summary,
    usage: `handoff ${name} <leadId> --by <repId> ${noteUsage}`,
    afterOutage: (mayHaveChanged) => (mayHaveChanged ? mayHaveBeenRecorded : 'nothing was recorded; try again'),
    options: { by: { type: 'string' }, note: { type: 'string' } },
    run: (values, positionals) => recordFollowUpFromCli(name, values, positionals),
  };
}

const commands: Record<string, Command> = {
  leads: {
    summary: 'list stored leads, newest first; --waiting: every lead still waiting for first contact, by deadline',
    usage: 'handoff leads [--days 7] [--form <formId>] [--status <status>] [--owner <repId>] [--waiting] [--json]',
    afterOutage: () => NOTHING_CHANGED,
    options: { days: { type: 'string' }, form: { type: 'string' }, status: { type: 'string' }, owner: { type: 'string' }, waiting: { type: 'boolean' }, json: { type: 'boolean' } },
    run: (values) => listLeads(values),
  },
  contacted: followUpCommand('contacted', 'record first contact with a lead (takes it out of the waiting set)', '[--note <text>]',
    'the contact may have been recorded before it stopped answering; check `handoff leads --status contacted` before you repeat it (a repeat adds a second activity, never a second first contact)'),
  qualified: followUpCommand('qualified', 'record a lead as qualified (a deal); without an earlier contact, it is the first contact too', '[--note <text>]', verdictMayBeRecorded),
  'not-a-fit': followUpCommand('not-a-fit', 'record a lead as not a fit (disqualified)', '[--note <text>]', verdictMayBeRecorded),
  note: followUpCommand('note', 'add a note to a lead, changing nothing else', '--note <text>',
    'the note may have been added before it stopped answering; check `handoff export --email <their address>` before you repeat it'),
  nightly: {
    summary: 'send the nightly reports once, as if the schedule fired at --at (default: its last firing)',
    usage: 'handoff nightly [--at 2026-11-26T07:00 | --at 2026-11-26T06:00:00Z] [--preview <dir>]',
    afterOutage: (mayHaveChanged) => (mayHaveChanged
      ? 'run it again with the same --at: a report already sent for that date is not sent twice'
      : 'nothing was sent; try again'),
    options: { at: { type: 'string' }, preview: { type: 'string' } },
    run: (values) => runNightly(values),
  },
  import: {
    summary: 'import event leads from a CSV file through the capture rules (re-import adds nothing)',
    usage: 'handoff import <file.csv> --form <formId> [--delimiter ;] [--dry-run]',
    afterOutage: (mayHaveChanged) => (mayHaveChanged
      ? 'some rows may be in; run it again: rows already stored are not stored twice'
      : 'nothing was imported; try again'),
    options: { form: { type: 'string' }, delimiter: { type: 'string' }, 'dry-run': { type: 'boolean' } },
    run: (values, positionals) => importCsv(values, positionals),
  },
  export: {
    summary: 'print, as JSON, everything Handoff holds on one person',
    usage: 'handoff export --email <address> | --phone <number>',
    afterOutage: () => NOTHING_CHANGED,
    options: { email: { type: 'string' }, phone: { type: 'string' } },
    run: (values) => exportPerson(values),
  },
  erase: {
    summary: 'remove one person everywhere Handoff stores them and report what went',
    usage: 'handoff erase --email <address> | --phone <number>',
    afterOutage: (mayHaveChanged) => (mayHaveChanged
      ? 'some of it may be gone already; run it again to remove the rest'
      : 'nothing was removed; try again'),
    options: { email: { type: 'string' }, phone: { type: 'string' } },
    run: (values) => erasePerson(values),
  },
  'check-config': {
    summary: 'validate the config file (HANDOFF_CONFIG, a running local stack\'s, else handoff.config.json here) and list every problem; needs no stack',
    usage: 'handoff check-config',
    afterOutage: () => NOTHING_CHANGED,
    options: {},
    needsStack: false,
    run: () => checkConfig(),
  },
};

function help(): string {
  const lines = Object.values(commands).map((command) => `  ${command.usage.padEnd(72)} ${command.summary}`);
  return `Handoff CLI: talks to the stack your environment points at (TABLE_NAME, AWS_ENDPOINT_URL_*, HANDOFF_CONFIG);\nwith none set, to the local stack that \`npm start\` runs.\n\nCommands:\n${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name ? 0 : 1;
  }
  // Own keys only: "toString" or "__proto__" are not commands.
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    process.stderr.write(`handoff: unknown command "${name}"\n\n${help()}`);
    return 1;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\nusage: ${command.usage}\n`);
    return 1;
  }
  if (parsed.values.help) {
    process.stdout.write(`usage: ${command.usage}\n${command.summary}\n`);
    return 0;
  }
  try {
    // A running local stack's config is the file to check too: it names its path.
    loadStackEnvironment();
    if (command.needsStack !== false && !process.env.TABLE_NAME) throw new UsageError(noStackFoundMessage());
    await command.run(parsed.values, parsed.positionals);
    return 0;
  } catch (error) {
    process.stderr.write(`handoff: ${failureMessage(error, command)}\n`);
    return 1;
  }
}

/** Failures are meant for people: the message, not a stack trace. */
function failureMessage(error: unknown, command: Command): string {
  // StorageUnavailableError is worded for the capture API's callers; a person at the CLI needs to know what their command did.
  if (error instanceof StorageUnavailableError) {
    const cause = error.cause instanceof Error ? error.cause : undefined;
    // Not an outage: nothing says which region the table is in, and retrying will not change that.
    if (cause?.message === 'Region is missing') {
      return `no AWS region is set, so the lead table "${process.env.TABLE_NAME}" cannot be found: set AWS_REGION (or use a profile that names one), or unset TABLE_NAME to use the local stack that npm start runs`;
    }
    // The SDK's own timeout message names its internals; the person only needs to know nothing answered.
    const why = !cause?.message ? '' : cause.name === 'TimeoutError' ? ' (it did not answer in time)' : ` (${cause.message})`;
    return `the lead table "${process.env.TABLE_NAME}" cannot be reached right now${why}: ${command.afterOutage(!neverConnected(cause))}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Errors that mean no request reached the table; anything else (a timeout, a dropped connection) may have landed. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const neverConnected = (cause: Error | undefined) => CONNECT_ERRORS.has((cause as NodeJS.ErrnoException | undefined)?.code ?? '');

/**
 * Exits once stdout and stderr have written everything. Output to a pipe is written asynchronously, so exiting at
 * once cuts `handoff leads --json | jq` off at the pipe's 64 KiB; waiting for the event loop to empty instead would
 * leave the exit to whatever a library keeps open. A reader that closed the pipe early (`| head`) fails the pending
 * writes, which calls back all the same.
 */
function exitOnceOutputIsWritten(code: number): void {
  let unwritten = 2;
  const written = () => {
    if (--unwritten === 0) process.exit(code);
  };
  process.stdout.write('', written);
  process.stderr.write('', written);
}

main(process.argv.slice(2)).then(exitOnceOutputIsWritten);
