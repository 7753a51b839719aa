import { loadConfig } from '../../shared/config/load.ts';
import { leadStoreFromEnv } from '../../shared/adapters/lead-store/from-env.ts';
import { LEAD_STATUSES, type Lead } from '../../shared/domain/lead.ts';
import { addDays, localDate } from '../../shared/domain/business-hours.ts';
import stringWidth from 'string-width';
import { isolatedIfRightToLeft, withoutTerminalControls } from '../../shared/domain/terminal-text.ts';
import { UsageError } from '../usage-error.ts';

type OptionValue = string | boolean | Array<string | boolean> | undefined;

export async function listLeads(options: { days?: OptionValue; form?: OptionValue; status?: OptionValue; json?: OptionValue }) {
  const config = loadConfig();
  const store = leadStoreFromEnv(config);
  const days = options.days === undefined ? 7 : Number(options.days);
  if (!Number.isInteger(days) || days < 1 || days > 366) throw new UsageError('--days must be a whole number from 1 to 366');
  const formId = typeof options.form === 'string' ? options.form : undefined;
  const status = typeof options.status === 'string' ? options.status : undefined;
  // A misspelt filter would list nothing and look like an empty week.
  if (formId !== undefined && !config.forms.some((form) => form.id === formId)) {
    throw new UsageError(`--form must be one of ${config.forms.map((form) => form.id).join(', ')}; got "${formId}"`);
  }
  if (status !== undefined && !(LEAD_STATUSES as readonly string[]).includes(status)) {
    throw new UsageError(`--status must be one of ${LEAD_STATUSES.join(', ')}; got "${status}"`);
  }

  const today = localDate(new Date(), config.organisation.timezone);
  const capturedOn = Array.from({ length: days }, (_, back) => addDays(today, -back));
  const perDay = await Promise.all(capturedOn.map((day) => store.leadsCapturedOn(day, formId)));
  const leads = perDay.flat().filter((lead) => !status || lead.status === status).sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));

  if (options.json) {
    process.stdout.write(`${JSON.stringify(leads, null, 2)}\n`);
    return;
  }
  if (leads.length === 0) {
    process.stdout.write(`No leads in the last ${days} day(s).\n`);
    return;
  }
  process.stdout.write(`${formatTable(leads)}\n${leads.length} lead(s) in the last ${days} day(s).\n`);
}

export function formatTable(leads: Lead[]): string {
  const rows = leads.map((lead) => [
    lead.receivedAt.slice(0, 16).replace('T', ' '),
    lead.leadId,
    lead.status,
    lead.formId,
    displayName(lead),
    lead.contact.emailDisplay,
    lead.contact.company ?? lead.enrichment?.companyName ?? '',
    lead.ownerId ?? '',
  ].map(withoutTerminalControls));
  const header = ['received (UTC)', 'lead', 'status', 'form', 'name', 'email', 'company', 'owner'];
  const widths = header.map((title, column) => Math.min(40, Math.max(title.length, ...rows.map((row) => stringWidth(row[column]!)))));
  const line = (cells: string[]) => cells.map((cell, column) => fitToWidth(cell, widths[column]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function displayName(lead: Lead): string {
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
