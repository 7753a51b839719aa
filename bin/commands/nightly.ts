import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';
import { leadStoreFromEnv } from '../../shared/adapters/lead-store/from-env.ts';
import { emailHealthStoreFromEnv } from '../../shared/adapters/lead-store/email-health.ts';
import { zonedTimeToUtc } from '../../shared/domain/business-hours.ts';
import { lastFireTime } from '../../infra/local/scheduler.ts';
import { UsageError } from '../usage-error.ts';

type OptionValue = string | boolean | Array<string | boolean> | undefined;

const ORG_LOCAL_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})$/;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * `handoff nightly [--at <time>]`: runs the nightly-report handler once, as if the schedule had fired at
 * `--at`, against the stack the environment points at. The same date twice sends nothing new.
 *
 * Without `--at` it catches up on the schedule's last firing (today's at `reports.nightlyAt`, or yesterday's
 * before then). "Now" would claim today's reports at, say, 03:00, and the 07:00 run would then send nothing.
 */
export async function runNightly(options: { at?: OptionValue; preview?: OptionValue }): Promise<void> {
  const config = loadConfig();
  const scheduledTime = options.at === undefined
    ? lastFireTime(new Date(), config.reports.nightlyAt, config.organisation.timezone)
    : parseAt(options.at, config.organisation.timezone, new Date());
  if (options.preview !== undefined) return previewNightly(scheduledTime, options.preview, config);
  requireActionSecret();
  // Imported only now: the handler reads its environment at module load, after the stack's env is in place.
  const { handler } = await import('../../functions/nightly-report.ts');
  const summary = await handler({ scheduledTime: scheduledTime.toISOString() });

  const lines = [
    `Nightly report for ${summary.reportDate} (as of ${scheduledTime.toISOString()}): ${summary.overdue} overdue lead(s).`,
    `Sent ${summary.sent.length}${summary.sent.length ? `: ${summary.sent.join(', ')}` : ''}.`,
  ];
  if (summary.skipped.length) lines.push(`Already sent for ${summary.reportDate}, skipped ${summary.skipped.length}: ${summary.skipped.join(', ')}.`);
  if (summary.skipped.length && !summary.sent.length) lines.push(`Each report goes out once per date; --at <YYYY-MM-DD>T${config.reports.nightlyAt} runs the job as of another date, and --preview <dir> writes this date's reports as they would read now, sending nothing.`);
  if (process.env.AWS_ENDPOINT_URL_SES) lines.push(`Mailbox: ${process.env.AWS_ENDPOINT_URL_SES}/`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * `handoff nightly --at <time> --preview <dir>`: writes every email the run would send into `dir` (one .html and one
 * .txt each, the sales CSV beside them), claiming and sending nothing. A date's reports go out once; this is how
 * one sees them again after a late import.
 */
async function previewNightly(scheduledTime: Date, directory: OptionValue, config: Config): Promise<void> {
  if (typeof directory !== 'string' || directory.trim() === '') throw new UsageError('--preview <dir> names the directory to write the emails into');
  const { previewNightlyReport } = await import('../../shared/usecases/nightly-report.ts');
  const { reportDate, emails } = await previewNightlyReport({ scheduledTime }, { config, store: leadStoreFromEnv(config), emailHealth: emailHealthStoreFromEnv() });
  mkdirSync(directory, { recursive: true });
  const written: string[] = [];
  let escalations = 0;
  for (const { kind, email } of emails) {
    // Escalations are keyed by the manager's address, which a file name need not carry: they are numbered instead.
    const name = `${reportDate}-${kind.startsWith('escalation#') ? `escalation-${++escalations}` : kind.replace('#', '-')}`;
    writeFileSync(join(directory, `${name}.html`), email.html);
    writeFileSync(join(directory, `${name}.txt`), `To: ${email.to.join(', ')}\nSubject: ${email.subject}\n\n${email.text}\n`);
    written.push(`${name}.html`, `${name}.txt`);
    for (const attachment of email.attachments ?? []) {
      writeFileSync(join(directory, attachment.filename), attachment.content);
      written.push(attachment.filename);
    }
  }
  process.stdout.write(`Preview of the nightly report for ${reportDate} (as of ${scheduledTime.toISOString()}), nothing sent or claimed: ${emails.length} email(s) in ${directory}\n${written.map((file) => `  ${file}`).join('\n')}\nIts Mark contacted links are placeholders.\n`);
}

/**
 * An ISO time with Z or an offset, or `YYYY-MM-DDTHH:MM` read in the organisation's timezone. Dates that do not
 * exist (2026-02-30, 25:00) are refused rather than rolled over, and so is the future: each report goes out once
 * per date, so a run ahead of time would take that date's reports from the schedule.
 */
function parseAt(value: OptionValue, timezone: string, now: Date): Date {
  const text = typeof value === 'string' ? value.trim() : '';
  const local = ORG_LOCAL_TIME.exec(text);
  const instant = !isRealDateTime(text) ? undefined
    : local ? zonedTimeToUtc(local[1]!, local[2]!, timezone)
    : ISO_WITH_ZONE.test(text) ? new Date(text) : undefined;
  if (!instant || Number.isNaN(instant.getTime())) {
    throw new UsageError(`--at must be a time like 2026-11-26T07:00 (in ${timezone}) or 2026-11-26T06:00:00Z, got "${text}"`);
  }
  if (instant > now) throw new UsageError(`--at ${text} is in the future: the schedule sends that date's reports itself, and each goes out once`);
  return instant;
}

/** The calendar date and clock time as written exist: no month 13, no 30 February, no 25:00. */
function isRealDateTime(text: string): boolean {
  const parts = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(text);
  if (!parts) return false;
  const [year, month, day, hour, minute] = parts.slice(1).map(Number) as [number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day && hour <= 23 && minute <= 59;
}

/** The CLI signs links with the local stack's secret file; without it, say so in one line instead of a stack trace. */
export function requireActionSecret(env: NodeJS.ProcessEnv = process.env): void {
  if (env.ACTION_SECRET_ARN) return;
  const file = env.ACTION_SECRET_FILE;
  if (!file) throw new UsageError('no action-link secret: set ACTION_SECRET_FILE (the local stack writes one under its data dir; is `npm start` running?)');
  if (!existsSync(file)) throw new UsageError(`no action-link secret: ACTION_SECRET_FILE names ${file}, which does not exist (start the local stack with \`npm start\`)`);
}
