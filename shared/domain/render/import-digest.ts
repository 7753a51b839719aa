/**
 * The one email an owner gets for their leads from an operator import (badge scans, an attendee list), instead of
 * an email per row: every lead with how to reach them, what they said, when first contact is due, and the same
 * one-click follow-up links an alert has. A CSV of the same leads is attached for a dialer or a CRM import.
 * Every submitted value goes through the `html` tag (escaped), and anything bound for a header through `headerSafe`.
 */
import type { Config, FormConfig, Salesperson } from '../../config/schema.ts';
import { calendarOfRep, formatLocal } from '../business-hours.ts';
import { phoneForRep } from '../phone.ts';
import { contactLine, metBeforeImport, type FollowUpAction, type Lead } from '../lead.ts';
import { toCsv } from './csv.ts';
import { emailColours, emailSection, headerSafe, html, humaniseFieldName, mailtoHref, multilineHtml, renderEmailLayout, truncateText, type SafeHtml } from './html.ts';
import { followUpActionLabels, freshestContact, scoreColour } from './owner-alert.ts';

export interface ImportDigestEntry {
  /** The lead the owner follows up: for a person who already had an open lead, that lead. */
  lead: Lead;
  /** new: the import made the lead; returning: the person already had an open lead, and was scanned again. */
  kind: 'new' | 'returning';
  /** This import's rows about this person, as stored (a badge scanned twice is one entry with two rows). */
  rows: readonly Lead[];
  actionLinks: Record<FollowUpAction, string>;
}

export interface ImportDigestInput {
  owner: Salesperson;
  form: FormConfig;
  fileName: string;
  importedAt: string;
  /** The file's scan-time columns: a row counted as received at its scan shows that time, and not these answers again. */
  scanTimeColumns: readonly string[];
  /** Which part of the import this is, when it came in more than one (`IMPORT_PART_SIZE` leads each). */
  part: { number: number; of: number };
  entries: readonly ImportDigestEntry[];
  config: Config;
  now: Date;
  /** The owner is away: who else gets this email, and what its links record. */
  awayNotice?: string;
  /** Rendered for the away owner's manager: it speaks of the owner by name where the owner's email says "you". */
  forManager?: boolean;
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
/**
 * Leads shown in full, most urgent first; the next ones get a line each (contact links and "Contacted"), and all are
 * in the CSV. Gmail clips an email after about 100 KB of HTML: a full entry with its four signed links is ~2.5 KB, a
 * line ~0.8 KB, so 25 and 50 keep a big import's email about that size.
 */
const SHOWN_IN_FULL = 25;
const SHOWN_AS_LINES = 50;
/** Excel reads a CSV without a byte-order mark as the computer's legacy code page: "José" would become "JosÃ©". */
const UTF8_BOM = '\uFEFF';

export function renderImportDigest(input: ImportDigestInput): ImportDigest {
  const view = buildView(input);
  return { subject: view.subject, html: renderHtml(input, view), text: renderText(input, view), csv: renderCsv(input, view) };
}

/** What one of this import's rows said: when it was scanned, the message (as written), the answers. */
interface Visit {
  receivedAt: string;
  message?: string;
  answers: Array<[string, string]>;
}

interface Row {
  entry: ImportDigestEntry;
  name: string;
  jobTitle?: string;
  company?: string;
  /** Job title · company, as far as known. */
  headline: string;
  /** Absent for a phone-only lead. */
  email?: string;
  phone?: { readable: string; dialable?: string };
  country?: string;
  deadline: string;
  overdue: boolean;
  /** After first contact (a returning person someone already spoke to), who did it, instead of a deadline. */
  contacted?: string;
  /** For a returning person: since when the lead is theirs, and how it came. */
  since?: string;
  visits: Visit[];
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
    const visits = [...entry.rows].sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
    // What the booth learnt (a phone, a title) is the best way to reach them now, as in a returning alert.
    const contact = freshestContact([lead, ...visits.filter((visit) => visit.leadId !== lead.leadId)]);
    const jobTitle = contact.jobTitle?.trim() || undefined;
    const company = enrichment?.companyName ?? (contact.company?.trim() || undefined);
    const row: Row = {
      entry,
      name: enrichment?.displayName ?? contact.name ?? contactLine(contact),
      ...(jobTitle ? { jobTitle } : {}),
      ...(company ? { company } : {}),
      headline: [jobTitle, company].filter(Boolean).join(' · '),
      ...(contact.emailDisplay ? { email: contact.emailDisplay } : {}),
      deadline: lead.followUpDeadline,
      overdue: !lead.firstContactAt && Date.parse(lead.followUpDeadline) <= now.getTime(),
      visits: visits.map((visit) => ({
        receivedAt: visit.receivedAt,
        ...(visit.contact.message?.trim() ? { message: visit.contact.message.trim() } : {}),
        answers: Object.entries(visit.answers)
          .filter(([key, value]) => value.trim() && !(metBeforeImport(visit) && input.scanTimeColumns.includes(key)))
          .map(([key, value]) => [humaniseFieldName(key), value.replace(/\s+/g, ' ').trim()]),
      })),
    };
    if (contact.phone) row.phone = phoneForRep(contact.phone, contact.phone === lead.contact.phone ? enrichment?.phoneE164 : undefined);
    const country = enrichment?.country ?? contact.country;
    if (country) row.country = country;
    if (lead.firstContactAt) row.contacted = `Already contacted ${formatLocal(new Date(lead.firstContactAt), timezone)}`;
    if (entry.kind === 'returning') row.since = `Yours since ${formatLocal(new Date(lead.receivedAt), timezone)}${enrichment ? ` (${enrichment.source.label})` : ''}`;
    return row;
  });
  // Who to call first: what is overdue or due soonest, the better lead first among equals.
  rows.sort((a, b) => Number(Boolean(a.contacted)) - Number(Boolean(b.contacted)) || a.deadline.localeCompare(b.deadline) || (b.entry.lead.score ?? 0) - (a.entry.lead.score ?? 0));
  const waiting = rows.filter((row) => !row.contacted);
  const overdue = waiting.filter((row) => row.overdue).length;
  const firstDue = waiting[0]?.deadline;
  const count = `${rows.length} ${rows.length === 1 ? 'lead' : 'leads'}`;
  const urgency = overdue > 0 ? `${overdue} overdue` : firstDue ? `first due ${formatLocal(new Date(firstDue), timezone)}` : 'all contacted before';
  return {
    // A big import comes in parts, each its own email: the subject tells them apart in an inbox list.
    subject: headerSafe(`${count} from ${truncateText(source, 60)} ${forWhom(input)}${input.part.of > 1 ? ` (part ${input.part.number} of ${input.part.of})` : ''} · ${urgency}`, 160),
    source,
    timezone,
    rows,
    overdue,
    ...(firstDue ? { firstDue } : {}),
  };
}

const kindLabel = (row: Row) => (row.entry.kind === 'returning' ? 'Returning' : 'New');
const scannedLabel = (row: Row) => (row.entry.rows.length > 1 ? `${row.entry.rows.length} rows in the file` : undefined);

function followUpLine(row: Row, timezone: string): string {
  if (row.contacted) return `${row.contacted}: follow up on this visit`;
  const due = formatLocal(new Date(row.deadline), timezone);
  return row.overdue ? `Overdue: first contact was due ${due}` : `First contact by ${due}`;
}

/** "for you", or in the away owner's manager's copy "for Maya Johnson". */
const forWhom = (input: ImportDigestInput) => (input.forManager ? `for ${input.owner.name}` : 'for you');

function sentBecause(input: ImportDigestInput): string {
  return input.forManager
    ? `Sent to you as ${input.owner.name}'s manager: Handoff assigned these imported leads to them while they are away.`
    : `Sent to ${input.owner.name} because Handoff assigned these imported leads to you: one email for each part of the import instead of one per lead.`;
}

function summaryLine(input: ImportDigestInput, view: DigestView): string {
  const imported = `From ${input.fileName}, imported ${formatLocal(new Date(input.importedAt), view.timezone)} into "${input.form.name}"`;
  // A large import reaches each owner in several emails; the parts go out in scan order, the oldest scans first.
  const part = input.part.of > 1 ? ` (the import's part ${input.part.number} of ${input.part.of}, in scan order)` : '';
  return `${imported}${part}. Most urgent first.`;
}

function urgencyLine(view: DigestView): string | undefined {
  // Imported leads' deadlines count from the import, so only a lead that was already yours (a returning person) or an
  // email sent late can be past one here.
  if (view.overdue > 0) return `${view.overdue} of these ${view.overdue === 1 ? 'is' : 'are'} already past the first-contact deadline.`;
  return view.firstDue ? `First contact is due from ${formatLocal(new Date(view.firstDue), view.timezone)}.` : undefined;
}

// "Received", not "Scanned": a row without a usable scan time counts from the import, which no badge was scanned at.
const visitLine = (visit: Visit, timezone: string) => `Received ${formatLocal(new Date(visit.receivedAt), timezone)}`;
const shownAnswers = (visit: Visit) => visit.answers.slice(0, ANSWERS_SHOWN).map(([label, value]): [string, string] => [label, truncateText(value, ANSWER_CHARS)]);

// ---------------------------------------------------------------- HTML

function renderHtml(input: ImportDigestInput, view: DigestView): string {
  const c = emailColours;
  const urgency = urgencyLine(view);
  const hero = html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td style="padding:24px 24px 16px 24px;">
<span style="display:inline-block;padding:2px 8px;border-radius:4px;background:${c.brandSoft};color:${c.brand};font-size:12px;font-weight:700;text-transform:uppercase;letter-spacing:0.04em;">Imported leads</span>
<div style="font-size:22px;font-weight:700;line-height:1.3;padding-top:8px;word-break:break-word;">${view.rows.length} ${view.rows.length === 1 ? 'lead' : 'leads'} from ${view.source} ${forWhom(input)}</div>
<div style="font-size:13px;color:${c.muted};padding-top:4px;word-break:break-word;">${summaryLine(input, view)}</div>
${urgency ? html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin-top:12px;"><tr><td style="background:${view.overdue ? c.dangerSoft : c.warningSoft};border-left:4px solid ${view.overdue ? c.danger : c.warning};padding:10px 12px;font-size:14px;"><strong>${urgency}</strong></td></tr></table>` : ''}
${input.awayNotice ? html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin-top:12px;"><tr><td style="background:${c.warningSoft};border-left:4px solid ${c.warning};padding:10px 12px;font-size:14px;">${input.awayNotice}</td></tr></table>` : ''}
</td></tr></table>`;

  const full = view.rows.slice(0, SHOWN_IN_FULL);
  const brief = view.rows.slice(SHOWN_IN_FULL, SHOWN_IN_FULL + SHOWN_AS_LINES);
  const onlyInCsv = view.rows.length - full.length - brief.length;
  const body = html`${hero}
${emailSection(brief.length ? `Your ${full.length} most urgent leads` : 'Your leads', html`${full.map((row, index) => leadBlock(row, view.timezone, index === 0))}`)}
${brief.length ? emailSection(`And ${brief.length + onlyInCsv} more`, html`<div style="font-size:13px;color:${c.muted};padding-bottom:6px;">One line each, in the same order; every detail is in the attached CSV.</div>${brief.map((row) => briefLine(row, view.timezone))}${onlyInCsv ? html`<div style="padding:8px 0;border-top:1px solid ${c.border};font-size:13px;"><strong>The other ${onlyInCsv}, the least urgent, are in the attached CSV</strong>, each with its Contacted link, so this email stays short enough for your mail app to show whole.</div>` : ''}`) : ''}
${emailSection('How to use this', html`<div style="font-size:14px;">Each link opens a confirmation page where you can add a note; nothing changes until you confirm. <strong>Not mine</strong> hands a lead to the next rep by the same rules. The attached CSV has the same leads for a dialer or a CRM import.</div>`)}`;
  const footer = html`${sentBecause(input)}<br>Import ${input.fileName} · ${input.form.name}`;
  return renderEmailLayout({
    title: view.subject,
    preheader: [urgency, summaryLine(input, view)].filter(Boolean).join(' '),
    organisation: input.config.organisation.name,
    body,
    footer,
  });
}

function contactLinks(row: Row): SafeHtml[] {
  const c = emailColours;
  const bits: SafeHtml[] = row.email ? [html`<a href="${mailtoHref(row.email)}" style="color:${c.brand};text-decoration:none;">${row.email}</a>`] : [];
  if (row.phone) bits.push(row.phone.dialable ? html`<a href="tel:${row.phone.dialable}" style="color:${c.brand};text-decoration:none;white-space:nowrap;">${row.phone.readable}</a>` : html`${row.phone.readable}`);
  return bits;
}

function leadBlock(row: Row, timezone: string, first: boolean): SafeHtml {
  const c = emailColours;
  const { lead, kind, actionLinks } = row.entry;
  const contactBits = [...contactLinks(row), ...(row.country ? [html`${row.country}`] : [])];
  // Boxes a thumb can hit (about 40 px tall), apart enough that "Qualified" is not "Not a fit" by a slip.
  const links = ACTION_ORDER.map((action) => html`<a href="${actionLinks[action]}" target="_blank" style="display:inline-block;padding:10px 12px;margin:0 6px 6px 0;border:1px solid ${action === 'contacted' ? c.brand : c.border};border-radius:6px;color:${action === 'contacted' ? c.brand : c.text};font-weight:${action === 'contacted' ? 700 : 400};text-decoration:none;white-space:nowrap;line-height:1.2;">${SHORT_ACTION_LABELS[action]}</a>`);
  const note = scannedLabel(row);
  const visits = row.visits.map((visit) => html`<div style="padding-top:6px;">
<div style="font-size:12px;color:${c.muted};">${visitLine(visit, timezone)}</div>
${visit.message ? html`<div style="background:${c.page};border-radius:6px;padding:8px 10px;margin-top:2px;">${multilineHtml(truncateText(visit.message, MESSAGE_CHARS))}</div>` : ''}
${visit.answers.length ? html`<div style="font-size:13px;color:${c.muted};padding-top:2px;">${shownAnswers(visit).map(([label, value], index) => html`${index ? ' · ' : ''}${label}: <span style="color:${c.text};">${value}</span>`)}</div>` : ''}
</div>`);
  return html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="${first ? '' : `border-top:1px solid ${c.border};`}"><tr>
<td valign="top" style="padding:12px 0;font-size:14px;word-break:break-word;">
<div><span style="font-size:16px;font-weight:700;">${row.name}</span> <span style="display:inline-block;padding:0 6px;border-radius:4px;background:${kind === 'new' ? c.brandSoft : c.warningSoft};color:${kind === 'new' ? c.brand : c.warning};font-size:11px;font-weight:700;text-transform:uppercase;">${kindLabel(row)}</span>${note ? html` <span style="font-size:12px;color:${c.muted};">${note}</span>` : ''}</div>
${row.headline ? html`<div style="color:${c.muted};">${row.headline}</div>` : ''}
<div>${contactBits.map((bit, index) => html`${index ? ' · ' : ''}${bit}`)}</div>
<div style="padding-top:4px;color:${row.overdue ? c.danger : c.text};font-weight:${row.overdue ? 700 : 400};">${followUpLine(row, timezone)}</div>
${row.since ? html`<div style="font-size:12px;color:${c.muted};">${row.since}</div>` : ''}
${visits}
<div style="padding-top:8px;font-size:14px;">${links}</div>
</td>
<td width="56" valign="top" align="right" style="width:56px;padding:12px 0 12px 8px;"><div style="display:inline-block;min-width:36px;padding:6px 0;border-radius:18px;background:${scoreColour(lead.score ?? 0)};color:#ffffff;font-size:14px;font-weight:700;text-align:center;">${lead.score ?? 0}</div></td>
</tr></table>`;
}

/** A lead past the first ones: who, how to reach them, when due, and the one link a rep uses most. */
function briefLine(row: Row, timezone: string): SafeHtml {
  const c = emailColours;
  const due = row.contacted ? 'contacted before' : `${row.overdue ? 'overdue since' : 'due'} ${formatLocal(new Date(row.deadline), timezone)}`;
  return html`<div style="padding:6px 0;border-top:1px solid ${c.border};font-size:13px;word-break:break-word;">
<strong>${row.name}</strong>${row.headline ? html` <span style="color:${c.muted};">${row.headline}</span>` : ''}${row.entry.kind === 'returning' ? html` <span style="color:${c.warning};font-weight:700;">· Returning</span>` : ''} · ${contactLinks(row).map((bit, index) => html`${index ? ' · ' : ''}${bit}`)}
<br><span style="color:${row.overdue ? c.danger : c.muted};">${due}</span> · score ${row.entry.lead.score ?? 0} · <a href="${row.entry.actionLinks.contacted}" target="_blank" style="color:${c.brand};font-weight:700;">Contacted</a>
</div>`;
}

const SHORT_ACTION_LABELS: Record<FollowUpAction, string> = { contacted: 'Contacted', qualified: 'Qualified', disqualified: 'Not a fit', reassign: 'Not mine' };

// ---------------------------------------------------------------- plain text

function renderText(input: ImportDigestInput, view: DigestView): string {
  const urgency = urgencyLine(view);
  const lines = [
    `${view.rows.length} ${view.rows.length === 1 ? 'lead' : 'leads'} from ${view.source} ${forWhom(input)}`,
    ...(input.awayNotice ? [input.awayNotice] : []),
    summaryLine(input, view),
    ...(urgency ? [urgency] : []),
    '',
  ];
  // As in the HTML: the most urgent in full, the next ones briefly, the rest only in the CSV (343 leads listed whole
  // made a 131 KB text part).
  const listed = view.rows.slice(0, SHOWN_IN_FULL + SHOWN_AS_LINES);
  const onlyInCsv = view.rows.length - listed.length;
  listed.forEach((row, index) => {
    const { lead, actionLinks } = row.entry;
    lines.push(
      `${index + 1}. ${row.name}${row.headline ? ` (${row.headline})` : ''} · score ${lead.score ?? 0} · ${kindLabel(row)}${scannedLabel(row) ? ` · ${scannedLabel(row)}` : ''}`,
      `   ${[row.email, row.phone?.readable, row.country].filter(Boolean).join(' · ')}`,
      `   ${followUpLine(row, view.timezone)}`,
      ...(row.since ? [`   ${row.since}`] : []),
    );
    if (index < SHOWN_IN_FULL) {
      for (const visit of row.visits) {
        lines.push(`   ${visitLine(visit, view.timezone)}`);
        if (visit.message) lines.push(`     "${truncateText(visit.message.replace(/\s+/g, ' '), MESSAGE_CHARS)}"`);
        if (visit.answers.length) lines.push(`     ${shownAnswers(visit).map(([label, value]) => `${label}: ${value}`).join(' · ')}`);
      }
      lines.push(...ACTION_ORDER.map((action) => `   ${followUpActionLabels[action]}: ${actionLinks[action]}`));
    } else {
      lines.push(`   ${followUpActionLabels.contacted}: ${actionLinks.contacted}`);
    }
    lines.push('');
  });
  if (onlyInCsv) lines.push(`The other ${onlyInCsv}, the least urgent, are in the attached CSV, each with its Contacted link.`, '');
  lines.push(
    'Each link opens a confirmation page where you can add a note; nothing changes until you confirm. The attached CSV has the same leads.',
    sentBecause(input),
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------- CSV

function renderCsv(input: ImportDigestInput, view: DigestView): ImportDigest['csv'] {
  const content = toCsv([
    ['Lead ID', 'Name', 'Job title', 'Company', 'Email', 'Phone', 'Country', 'Score', 'Kind', 'Rows in the file', 'First received', 'First contact by', 'First contact by (local)', 'Overdue', 'Already contacted', 'Message', 'Answers', 'Contacted link'],
    ...view.rows.map((row) => [
      row.entry.lead.leadId,
      row.name,
      row.jobTitle,
      row.company,
      row.email,
      row.phone?.readable,
      row.country,
      row.entry.lead.score ?? 0,
      kindLabel(row),
      row.visits.length,
      row.visits[0]?.receivedAt,
      row.deadline,
      formatLocal(new Date(row.deadline), view.timezone),
      row.overdue ? 'yes' : '',
      row.entry.lead.firstContactAt,
      row.visits.flatMap((visit) => (visit.message ? [visit.message] : [])).join('\n---\n'),
      row.visits.flatMap((visit) => visit.answers.map(([label, value]) => `${label}: ${value}`)).join(' / '),
      row.entry.actionLinks.contacted,
    ]),
  ]);
  const stem = input.fileName.replace(/\.[^.]*$/, '').replace(/[^\w.-]+/g, '-').slice(0, 60) || 'import';
  return { filename: `${stem}-your-leads${input.part.of > 1 ? `-part-${input.part.number}` : ''}.csv`, content: `${UTF8_BOM}${content}` };
}
