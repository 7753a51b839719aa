import { loadConfig } from '../../shared/config/load.ts';
import { leadStoreFromEnv } from '../../shared/adapters/lead-store/from-env.ts';
import { contactLine, LEAD_STATUSES, type Lead } from '../../shared/domain/lead.ts';
import { addDays, localDate, localDateTime } from '../../shared/domain/business-hours.ts';
import stringWidth from 'string-width';
import { isolatedIfRightToLeft, withoutTerminalControls } from '../../shared/domain/terminal-text.ts';
import { UsageError } from '../usage-error.ts';

type OptionValue = string | boolean | Array<string | boolean> | undefined;

export async function listLeads(options: { days?: OptionValue; form?: OptionValue; status?: OptionValue; owner?: OptionValue; waiting?: OptionValue; json?: OptionValue }) {
  const config = loadConfig();
  const store = leadStoreFromEnv(config);
  const days = options.days === undefined ? 7 : Number(options.days);
  if (!Number.isInteger(days) || days < 1 || days > 366) throw new UsageError('--days must be a whole number from 1 to 366');
  const formId = typeof options.form === 'string' ? options.form : undefined;
  const status = typeof options.status === 'string' ? options.status : undefined;
  const ownerId = typeof options.owner === 'string' ? options.owner : undefined;
  // A misspelt filter would list nothing and look like an empty week.
  if (formId !== undefined && !config.forms.some((form) => form.id === formId)) {
    throw new UsageError(`--form must be one of ${config.forms.map((form) => form.id).join(', ')}; got "${formId}"`);
  }
  if (status !== undefined && !(LEAD_STATUSES as readonly string[]).includes(status)) {
    throw new UsageError(`--status must be one of ${LEAD_STATUSES.join(', ')}; got "${status}"`);
  }
  if (ownerId !== undefined && !config.salespeople.some((rep) => rep.id === ownerId)) {
    throw new UsageError(`--owner must be one of ${config.salespeople.map((rep) => rep.id).join(', ')}; got "${ownerId}"`);
  }
  if (options.waiting && (options.days !== undefined || status !== undefined)) {
    throw new UsageError('--waiting lists every lead still waiting for first contact, whenever it came in: leave out --days and --status');
  }
  const wanted = (lead: ListedLead) => (!formId || lead.formId === formId) && (!status || lead.status === status) && (!ownerId || lead.ownerId === ownerId);

  if (options.waiting) {
    // The deadline index holds exactly the leads waiting for first contact, from any day: an overdue lead from
    // last month is the one a rep most needs to see.
    const now = new Date();
    const waiting = (await store.waitingDueBy(FAR_FUTURE)).filter(wanted).sort((a, b) => a.followUpDeadline.localeCompare(b.followUpDeadline));
    if (options.json) return writeJson(waiting);
    if (waiting.length === 0) {
      process.stdout.write('No leads are waiting for first contact.\n');
      return;
    }
    const overdue = waiting.filter((lead) => Date.parse(lead.followUpDeadline) < now.getTime()).length;
    process.stdout.write(`${formatTable(waiting, { timezone: config.organisation.timezone, deadlines: now })}\n${waiting.length} lead(s) waiting for first contact, ${overdue} of them overdue.\n`);
    return;
  }

  const today = localDate(new Date(), config.organisation.timezone);
  const capturedOn = Array.from({ length: days }, (_, back) => addDays(today, -back));
  const perDay = await Promise.all(capturedOn.map((day) => store.leadsCapturedOn(day, formId)));
  const leads = perDay.flat().filter(wanted).sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));

  if (options.json) return writeJson(leads);
  if (leads.length === 0) {
    process.stdout.write(`No leads in the last ${days} day(s).\n`);
    return;
  }
  // A submission joined to a person's open lead is listed (as merged), but it is not another lead.
  const joined = leads.filter((lead) => lead.status === 'merged').length;
  const count = `${leads.length - joined} lead(s)${joined ? ` and ${joined} submission(s) joined to a lead` : ''}`;
  process.stdout.write(`${formatTable(leads, { timezone: config.organisation.timezone })}\n${count} in the last ${days} day(s).\n`);
}

const FAR_FUTURE = new Date('9999-12-31T00:00:00Z');

function writeJson(leads: readonly ListedLead[]): void {
  process.stdout.write(`${JSON.stringify(leads, null, 2)}\n`);
}

/** What the table shows of a lead; a waiting lead read from the deadline index has these fields too. */
type ListedLead = Pick<Lead, 'leadId' | 'receivedAt' | 'status' | 'formId' | 'contact' | 'ownerId' | 'followUpDeadline'> & Partial<Pick<Lead, 'enrichment'>>;

/**
 * The table in the organisation's timezone, the one `--days` and the reports count days in: in UTC, a lead from
 * 00:30 in Berlin would show under the day before.
 */
export function formatTable(leads: readonly ListedLead[], options: { timezone: string; deadlines?: Date }): string {
  const { deadlines, timezone } = options;
  const rows = leads.map((lead) => [
    localDateTime(new Date(lead.receivedAt), timezone),
    lead.leadId,
    lead.status,
    lead.formId,
    displayName(lead),
    contactLine(lead.contact),
    lead.contact.company ?? lead.enrichment?.companyName ?? '',
    lead.ownerId ?? '',
    ...(deadlines ? [`${localDateTime(new Date(lead.followUpDeadline), timezone)}${Date.parse(lead.followUpDeadline) < deadlines.getTime() ? ' overdue' : ''}`] : []),
  ].map(withoutTerminalControls));
  const header = [`received (${timezone})`, 'lead', 'status', 'form', 'name', 'email or phone', 'company', 'owner', ...(deadlines ? [`deadline (${timezone})`] : [])];
  const widths = header.map((title, column) => Math.min(40, Math.max(title.length, ...rows.map((row) => stringWidth(row[column]!)))));
  const line = (cells: string[]) => cells.map((cell, column) => fitToWidth(cell, widths[column]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function displayName(lead: ListedLead): string {
  return lead.enrichment?.displayName ?? ([lead.contact.firstName, lead.contact.lastName].filter(Boolean).join(' ') || lead.contact.name || '');
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/** Cut or padded to the column's width; right-to-left text sits in an isolate, so it cannot reorder the columns around it. */
function fitToWidth(text: string, width: number): string {
  let fitted = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const segmentWidth = stringWidth(segment);
    if (used + segmentWidth > width) break;
    fitted += segment;
    used += segmentWidth;
  }
  return isolatedIfRightToLeft(fitted) + ' '.repeat(width - used);
}
