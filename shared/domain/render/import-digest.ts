/**
 * The one email an owner gets for their leads from an operator import (badge scans, an attendee list), instead of
 * an email per row: every lead with how to reach them, what they said, when first contact is due, and the same
 * one-click follow-up links an alert has. A CSV of the same leads is attached for a dialer or a CRM import.
 * Every submitted value goes through the `html` tag (escaped), and anything bound for a header through `headerSafe`.
 */
import type { Config, FormConfig, Salesperson } from '../../config/schema.ts';
import { calendarOfRep, formatLocal } from '../business-hours.ts';
import { phoneForRep } from '../phone.ts';
import type { FollowUpAction, Lead } from '../lead.ts';
import { toCsv } from './csv.ts';
import { emailColours, emailSection, headerSafe, html, humaniseFieldName, mailtoHref, renderEmailLayout, truncateText, type SafeHtml } from './html.ts';
import { followUpActionLabels, scoreColour } from './owner-alert.ts';

export interface ImportDigestEntry {
  /** The lead the owner follows up: for a person who already had an open lead, that lead. */
  lead: Lead;
  /** new: the import made the lead; returning: the person already had an open lead, and was scanned again. */
  kind: 'new' | 'returning';
  /** Rows of this import that are about this person (a badge scanned twice is one entry). */
  rows: number;
  actionLinks: Record<FollowUpAction, string>;
}

export interface ImportDigestInput {
  owner: Salesperson;
  form: FormConfig;
  fileName: string;
  importedAt: string;
  /** Which part of the import this is, when it came in more than one (`IMPORT_PART_SIZE` leads each). */
  part: { number: number; of: number };
  entries: readonly ImportDigestEntry[];
  config: Config;
  now: Date;
}

export interface ImportDigest {
  subject: string;
  html: string;
  text: string;
  csv: { filename: string; content: string };
}

const ACTION_ORDER: FollowUpAction[] = ['contacted', 'qualified', 'disqualified', 'reassign'];
const MESSAGE_CHARS = 300;
const ANSWERS_SHOWN = 4;
const ANSWER_CHARS = 80;

export function renderImportDigest(input: ImportDigestInput): ImportDigest {
  const view = buildView(input);
  return { subject: view.subject, html: renderHtml(input, view), text: renderText(input, view), csv: renderCsv(input, view) };
}

interface Row {
  entry: ImportDigestEntry;
  name: string;
  headline: string;
  email: string;
  phone?: { readable: string; dialable?: string };
  country?: string;
  receivedAt: string;
  deadline: string;
  overdue: boolean;
  /** After first contact (a returning person someone already spoke to), who did it, instead of a deadline. */
  contacted?: string;
  message?: string;
  answers: Array<[string, string]>;
}

interface DigestView {
  subject: string;
  source: string;
  timezone: string;
  rows: Row[];
  overdue: number;
  /** The earliest first-contact deadline among the leads still waiting for it. */
  firstDue?: string;
}

function buildView(input: ImportDigestInput): DigestView {
  const { config, owner, form, entries, now } = input;
  const timezone = calendarOfRep(config, owner.id).timezone;
  const source = form.event?.name ?? form.name;
  const rows = entries.map((entry): Row => {
    const { lead } = entry;
    const enrichment = lead.enrichment;
    const name = enrichment?.displayName ?? lead.contact.name ?? lead.contact.emailDisplay;
    const row: Row = {
      entry,
      name,
      headline: [lead.contact.jobTitle?.trim(), enrichment?.companyName ?? lead.contact.company].filter(Boolean).join(' · '),
      email: lead.contact.emailDisplay || lead.contact.email,
      receivedAt: lead.receivedAt,
      deadline: lead.followUpDeadline,
      overdue: !lead.firstContactAt && Date.parse(lead.followUpDeadline) <= now.getTime(),
      answers: Object.entries(lead.answers).filter(([, value]) => value.trim()).slice(0, ANSWERS_SHOWN).map(([key, value]) => [humaniseFieldName(key), truncateText(value.replace(/\s+/g, ' ').trim(), ANSWER_CHARS)]),
    };
    if (lead.contact.phone) row.phone = phoneForRep(lead.contact.phone, enrichment?.phoneE164);
    if (enrichment?.country) row.country = enrichment.country;
    if (lead.firstContactAt) row.contacted = `Already contacted ${formatLocal(new Date(lead.firstContactAt), timezone)}`;
    const message = lead.contact.message?.replace(/\s+/g, ' ').trim();
    if (message) row.message = truncateText(message, MESSAGE_CHARS);
    return row;
  });
  // Who to call first: what is overdue or due soonest, the better lead first among equals.
  rows.sort((a, b) => Number(Boolean(a.contacted)) - Number(Boolean(b.contacted)) || a.deadline.localeCompare(b.deadline) || (b.entry.lead.score ?? 0) - (a.entry.lead.score ?? 0));
  const waiting = rows.filter((row) => !row.contacted);
  const overdue = waiting.filter((row) => row.overdue).length;
  const firstDue = waiting[0]?.deadline;
  const count = `${rows.length} ${rows.length === 1 ? 'lead' : 'leads'}`;
  const urgency = overdue > 0 ? `${overdue} overdue` : firstDue ? `first due ${formatLocal(new Date(firstDue), timezone)}` : 'all contacted before';
  const part = input.part.of > 1 ? ` (part ${input.part.number} of ${input.part.of})` : '';
  return {
    subject: headerSafe(`${count} from ${truncateText(source, 60)} for you${part} · ${urgency}`, 160),
    source,
    timezone,
    rows,
    overdue,
    ...(firstDue ? { firstDue } : {}),
  };
}

const kindLabel = (row: Row) => (row.entry.kind === 'returning' ? 'Returning' : 'New');
const scannedLabel = (row: Row) => (row.entry.rows > 1 ? `${row.entry.rows} rows in the file` : undefined);

function followUpLine(row: Row, timezone: string): string {
  if (row.contacted) return `${row.contacted}: follow up on this visit`;
  const due = formatLocal(new Date(row.deadline), timezone);
  return row.overdue ? `Overdue: first contact was due ${due}` : `First contact by ${due}`;
}

function summaryLine(input: ImportDigestInput, view: DigestView): string {
  const imported = `From ${input.fileName}, imported ${formatLocal(new Date(input.importedAt), view.timezone)} into "${input.form.name}"`;
  const part = input.part.of > 1 ? `, part ${input.part.number} of ${input.part.of}` : '';
  return `${imported}${part}. Most urgent first.`;
}

function urgencyLine(view: DigestView): string | undefined {
  if (view.overdue > 0) return `${view.overdue} of these ${view.overdue === 1 ? 'is' : 'are'} already past the first-contact deadline, counted from when they were scanned.`;
  return view.firstDue ? `First contact is due from ${formatLocal(new Date(view.firstDue), view.timezone)}.` : undefined;
}

// ---------------------------------------------------------------- HTML

function renderHtml(input: ImportDigestInput, view: DigestView): string {
  const c = emailColours;
  const urgency = urgencyLine(view);
  const hero = html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td style="padding:24px 24px 16px 24px;">
<span style="display:inline-block;padding:2px 8px;border-radius:4px;background:${c.brandSoft};color:${c.brand};font-size:12px;font-weight:700;text-transform:uppercase;letter-spacing:0.04em;">Imported leads</span>
<div style="font-size:22px;font-weight:700;line-height:1.3;padding-top:8px;word-break:break-word;">${view.rows.length} ${view.rows.length === 1 ? 'lead' : 'leads'} from ${view.source} for you</div>
<div style="font-size:13px;color:${c.muted};padding-top:4px;word-break:break-word;">${summaryLine(input, view)}</div>
${urgency ? html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin-top:12px;"><tr><td style="background:${view.overdue ? c.dangerSoft : c.warningSoft};border-left:4px solid ${view.overdue ? c.danger : c.warning};padding:10px 12px;font-size:14px;"><strong>${urgency}</strong></td></tr></table>` : ''}
</td></tr></table>`;

  const leads = view.rows.map((row, index) => leadBlock(row, view.timezone, index === 0));
  const body = html`${hero}
${emailSection('Your leads', html`${leads}`)}
${emailSection('How to use this', html`<div style="font-size:14px;">Each link opens a confirmation page where you can add a note; nothing changes until you confirm. <strong>Not mine</strong> hands a lead to the next rep by the same rules. The attached CSV has the same leads for a dialer or a CRM import.</div>`)}`;
  const footer = html`Sent to ${input.owner.name} because Handoff assigned these imported leads to you: one email for the import instead of one per lead.<br>Import ${input.fileName} · ${input.form.id}`;
  return renderEmailLayout({
    title: view.subject,
    preheader: [urgency, summaryLine(input, view)].filter(Boolean).join(' '),
    organisation: input.config.organisation.name,
    body,
    footer,
  });
}

function leadBlock(row: Row, timezone: string, first: boolean): SafeHtml {
  const c = emailColours;
  const { lead, kind, actionLinks } = row.entry;
  const contactBits: SafeHtml[] = [html`<a href="${mailtoHref(lead.contact.email)}" style="color:${c.brand};text-decoration:none;">${row.email}</a>`];
  if (row.phone) contactBits.push(row.phone.dialable ? html`<a href="tel:${row.phone.dialable}" style="color:${c.brand};text-decoration:none;">${row.phone.readable}</a>` : html`${row.phone.readable}`);
  if (row.country) contactBits.push(html`${row.country}`);
  const links = ACTION_ORDER.map((action, index) => html`${index ? ' · ' : ''}<a href="${actionLinks[action]}" target="_blank" style="color:${action === 'contacted' ? c.brand : c.text};font-weight:${action === 'contacted' ? 700 : 400};">${shortActionLabel(action)}</a>`);
  const note = scannedLabel(row);
  return html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="${first ? '' : `border-top:1px solid ${c.border};`}"><tr>
<td valign="top" style="padding:12px 0;font-size:14px;word-break:break-word;">
<div><span style="font-size:16px;font-weight:700;">${row.name}</span> <span style="display:inline-block;padding:0 6px;border-radius:4px;background:${kind === 'new' ? c.brandSoft : c.warningSoft};color:${kind === 'new' ? c.brand : c.warning};font-size:11px;font-weight:700;text-transform:uppercase;">${kindLabel(row)}</span>${note ? html` <span style="font-size:12px;color:${c.muted};">${note}</span>` : ''}</div>
${row.headline ? html`<div style="color:${c.muted};">${row.headline}</div>` : ''}
<div>${contactBits.map((bit, index) => html`${index ? ' · ' : ''}${bit}`)}</div>
<div style="padding-top:4px;color:${row.overdue ? c.danger : c.text};font-weight:${row.overdue ? 700 : 400};">${followUpLine(row, timezone)}</div>
<div style="font-size:12px;color:${c.muted};">Received ${formatLocal(new Date(row.receivedAt), timezone)}</div>
${row.message ? html`<div style="background:${c.page};border-radius:6px;padding:8px 10px;margin-top:6px;">${row.message}</div>` : ''}
${row.answers.length ? html`<div style="font-size:13px;color:${c.muted};padding-top:4px;">${row.answers.map(([label, value], index) => html`${index ? ' · ' : ''}${label}: <span style="color:${c.text};">${value}</span>`)}</div>` : ''}
<div style="padding-top:6px;font-size:13px;">${links}</div>
</td>
<td width="56" valign="top" align="right" style="width:56px;padding:12px 0 12px 8px;"><div style="display:inline-block;min-width:36px;padding:6px 0;border-radius:18px;background:${scoreColour(lead.score ?? 0)};color:#ffffff;font-size:14px;font-weight:700;text-align:center;">${lead.score ?? 0}</div></td>
</tr></table>`;
}

const SHORT_ACTION_LABELS: Record<FollowUpAction, string> = { contacted: 'Contacted', qualified: 'Qualified', disqualified: 'Not a fit', reassign: 'Not mine' };
const shortActionLabel = (action: FollowUpAction) => SHORT_ACTION_LABELS[action];

// ---------------------------------------------------------------- plain text

function renderText(input: ImportDigestInput, view: DigestView): string {
  const urgency = urgencyLine(view);
  const lines = [
    `${view.rows.length} ${view.rows.length === 1 ? 'lead' : 'leads'} from ${view.source} for you`,
    summaryLine(input, view),
    ...(urgency ? [urgency] : []),
    '',
  ];
  view.rows.forEach((row, index) => {
    const { lead, actionLinks } = row.entry;
    lines.push(
      `${index + 1}. ${row.name}${row.headline ? ` (${row.headline})` : ''} · score ${lead.score ?? 0} · ${kindLabel(row)}${scannedLabel(row) ? ` · ${scannedLabel(row)}` : ''}`,
      `   ${[row.email, row.phone?.readable, row.country].filter(Boolean).join(' · ')}`,
      `   ${followUpLine(row, view.timezone)} · received ${formatLocal(new Date(row.receivedAt), view.timezone)}`,
      ...(row.message ? [`   "${row.message}"`] : []),
      ...(row.answers.length ? [`   ${row.answers.map(([label, value]) => `${label}: ${value}`).join(' · ')}`] : []),
      ...ACTION_ORDER.map((action) => `   ${followUpActionLabels[action]}: ${actionLinks[action]}`),
      '',
    );
  });
  lines.push(
    'Each link opens a confirmation page where you can add a note; nothing changes until you confirm. The attached CSV has the same leads.',
    `Sent to ${input.owner.name} because Handoff assigned these imported leads to you: one email for the import instead of one per lead.`,
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------- CSV

function renderCsv(input: ImportDigestInput, view: DigestView): ImportDigest['csv'] {
  const content = toCsv([
    ['Lead ID', 'Name', 'Job title', 'Company', 'Email', 'Phone', 'Country', 'Score', 'Kind', 'Received', 'First contact by', 'Message', 'Contacted link'],
    ...view.rows.map((row) => [
      row.entry.lead.leadId,
      row.name,
      row.entry.lead.contact.jobTitle,
      row.entry.lead.enrichment?.companyName ?? row.entry.lead.contact.company,
      row.email,
      row.phone?.readable,
      row.country,
      row.entry.lead.score ?? 0,
      kindLabel(row),
      formatLocal(new Date(row.receivedAt), view.timezone),
      row.contacted ?? formatLocal(new Date(row.deadline), view.timezone),
      row.message,
      row.entry.actionLinks.contacted,
    ]),
  ]);
  const stem = input.fileName.replace(/\.[^.]*$/, '').replace(/[^\w.-]+/g, '-').slice(0, 60) || 'import';
  return { filename: `${stem}-your-leads${input.part.of > 1 ? `-part-${input.part.number}` : ''}.csv`, content };
}
