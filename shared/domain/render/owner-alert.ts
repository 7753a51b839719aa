/**
 * The email a rep gets when a lead becomes theirs: who, what they asked, how to reach them,
 * where they came from, why they scored and were routed as they were, the deadline, and four
 * one-click follow-up links. Every submitted value goes through the `html` tag (escaped) and
 * anything bound for a header through `headerSafe`.
 */
import type { Config, Salesperson } from '../../config/schema.ts';
import { calendarOfRep, formatLocal } from '../business-hours.ts';
import { repName } from '../assign.ts';
import { campaignOf } from '../attribution.ts';
import { enrichSubmission } from '../enrich.ts';
import { parsePhone, phoneForRep } from '../phone.ts';
import { samePhoneLine } from '../phone-digits.ts';
import { setAsideContactField } from '../submission.ts';
import { contactLine, isSamePerson, metBeforeImport, type AlertState, type Contact, type Enrichment, type FollowUpAction, type Lead, type LeadStatus, type ScoreResult, type Submission } from '../lead.ts';
import {
  emailButtonCell,
  emailColours,
  emailDetails,
  emailSection,
  headerSafe,
  html,
  humaniseFieldName,
  mailtoHref,
  multilineHtml,
  renderEmailLayout,
  truncateText,
  type ButtonTone,
} from './html.ts';

export const followUpActionLabels: Record<FollowUpAction, string> = {
  contacted: 'Contacted',
  qualified: 'Qualified — make it a deal',
  disqualified: 'Not a fit',
  reassign: 'Not mine — reassign',
};

const ACTION_ORDER: FollowUpAction[] = ['contacted', 'qualified', 'disqualified', 'reassign'];
const ACTION_TONES: Record<FollowUpAction, ButtonTone> = { contacted: 'primary', qualified: 'success', disqualified: 'neutral', reassign: 'outline' };
const MAX_MESSAGE_CHARS = 5000;
const MAX_EARLIER_SHOWN = 5;

export interface OwnerAlertInput {
  lead: Lead;
  enrichment: Enrichment;
  score: ScoreResult;
  owner: Salesperson;
  ownerReason: string;
  kind: AlertState['kind'];
  /** Earlier leads from the same person or company, as the store returned them. */
  history: readonly Lead[];
  /**
   * The stored rows of the submissions joined to this lead (their `mergedInto` is its id). The lead's own
   * `submissions` entries keep only form, time, message and answers; these rows still hold the contact details
   * and tracking each visit came with.
   */
  joinedSubmissions: readonly Lead[];
  actionLinks: Record<FollowUpAction, string>;
  config: Config;
  /** The first-contact deadline, ISO. */
  deadline: string;
  /** When the alert goes out: a deadline already behind it (an alert that could not be sent for days) reads as overdue. */
  now?: Date;
  /** The owner is away: who else gets this alert, and what its buttons record. */
  awayNotice?: string;
  /** Rendered for the away owner's manager: it speaks of the owner by name where the owner's alert says "you". */
  forManager?: boolean;
  /** The import's scan-time columns: a row received at its scan does not repeat them among its answers. */
  scanTimeColumns?: readonly string[];
}

export interface OwnerAlert {
  subject: string;
  html: string;
  text: string;
  /** The lead's address, header-safe, for Reply-To: answering the alert answers the lead. Absent for a phone-only lead. */
  replyTo?: string;
}

/** One thing the person sent: the lead's own submission or a later one joined to it. */
interface Request {
  formId: string;
  receivedAt: string;
  message?: string;
  answers: Record<string, string>;
}

interface EarlierEntry {
  receivedAt: string;
  formName: string;
  who?: string;
  message?: string;
  status?: string;
  ownerName?: string;
}

export function renderOwnerAlert(input: OwnerAlertInput): OwnerAlert {
  const view = buildView(input);
  return {
    subject: subjectOf(input, view),
    html: renderHtml(input, view),
    text: renderText(input, view),
    // The freshest address: a booth lead that left only a phone has one once the person's web form joined it.
    ...(view.contact.email ? { replyTo: headerSafe(view.contact.email, 254) } : {}),
  };
}

function kindLabel({ kind, owner, forManager }: OwnerAlertInput): string {
  return { new: 'New lead', returning: 'Returning lead', reassigned: forManager ? `Reassigned to ${owner.name}` : 'Reassigned to you' }[kind];
}

/** Who the alert speaks to: the owner, or their manager about the owner. */
function addressee({ owner, forManager }: OwnerAlertInput, { enrichment, contact }: AlertView): { whyHeading: string; sentBecause: string } {
  const firstName = owner.name.split(' ')[0] ?? owner.name;
  const leadName = enrichment.displayName;
  // A phone-only lead has no address to reply to: the alert carries no Reply-To, and says how to reach them instead.
  const howToAnswer = contact.email ? `Reply to this email to answer ${leadName} directly.` : `${leadName} left no email: call the number above.`;
  return forManager
    ? { whyHeading: `Why ${firstName}`, sentBecause: `Sent to you as ${owner.name}'s manager: Handoff assigned this lead to them while they are away. ${howToAnswer}` }
    : { whyHeading: 'Why you', sentBecause: `Sent to ${owner.name} because Handoff assigned this lead to you. ${howToAnswer}` };
}

function subjectOf(input: OwnerAlertInput, { enrichment }: AlertView): string {
  const { score } = input;
  const prefix = kindLabel(input);
  const who = truncateText(enrichment.displayName, 60);
  const company = enrichment.companyName ? ` (${truncateText(enrichment.companyName, 50)})` : '';
  const source = truncateText(enrichment.source.event ?? enrichment.source.formName, 60);
  return headerSafe(`${prefix}: ${who}${company} · score ${score.score} · ${source}`, 160);
}

// ---------------------------------------------------------------- view model

interface AlertView {
  /** The best contact details known, from the newest submission that gave each. */
  contact: Contact;
  /** The person and the source as of the submission this alert is about. */
  enrichment: Enrichment;
  /** For a returning person: the source of the lead's first submission, e.g. "Data Summit 2026 booth tablet · Data Summit 2026 on Wed 25 Nov, 11:00 CET". */
  firstCameVia?: string;
  request: Request;
  earlier: EarlierEntry[];
  /** "First contact by …", or who already made first contact when the person came back after it. */
  followUpLine: string;
  /** For a reassigned lead: who handed it over, and their note. */
  handover?: { from: string; note?: string };
  contactRows: Array<[string, string, { href: string } | undefined]>;
  sourceRows: Array<[string, string]>;
  answerRows: Array<[string, string]>;
  message?: string;
}

/** The owner reads every time in their own team's timezone. */
const ownersTimezone = ({ config, owner }: OwnerAlertInput) => calendarOfRep(config, owner.id).timezone;

function buildView(input: OwnerAlertInput): AlertView {
  const { lead, config, kind } = input;
  const timezone = ownersTimezone(input);
  const formName = (formId: string) => config.forms.find((form) => form.id === formId)?.name ?? formId;

  const own: Request = { formId: lead.formId, receivedAt: lead.receivedAt, message: lead.contact.message, answers: lead.answers };
  const joined: Request[] = (lead.submissions ?? []).map((s) => ({ formId: s.formId, receivedAt: s.receivedAt, message: s.message, answers: s.answers }));
  // A returning alert is about the newest submission, and a reassigned lead's new owner picks up from it too; what
  // came before it becomes history. A new-lead alert is about the lead's own first submission.
  const newestFirst = kind !== 'new' && joined.length > 0;
  const request = newestFirst ? (joined.at(-1) as Request) : own;
  const earlierRequests = newestFirst ? [own, ...joined.slice(0, -1)] : [];

  const rowsById = new Map(input.joinedSubmissions.map((row) => [row.leadId, row]));
  const joinedRows = (lead.submissions ?? []).flatMap((entry) => rowsById.get(entry.leadId) ?? []);
  const newestEntry = lead.submissions?.at(-1);
  const visit = kind === 'returning' && newestEntry ? rowsById.get(newestEntry.leadId) : undefined;
  const contact = freshestContact([lead, ...joinedRows]);
  // The stored enrichment describes the lead's first submission. Once more has been joined, the person is
  // enriched again from the freshest details and, for a returning alert, from the tracking of this visit.
  const enrichedFrom = visit ?? lead;
  const enrichedFromForm = config.forms.find((form) => form.id === enrichedFrom.formId);
  const enrichment = joinedRows.length && enrichedFromForm ? enrichSubmission({ ...enrichedFrom, contact }, enrichedFromForm) : input.enrichment;

  const earlier: EarlierEntry[] = [
    ...earlierRequests.map((r) => ({ receivedAt: r.receivedAt, formName: formName(r.formId), message: r.message })),
    ...input.history
      // Only what came before this submission: the same person's post seconds later, not joined yet, gets its own
      // "Returning" alert and is no earlier submission of this one.
      .filter((h) => h.leadId !== lead.leadId && h.receivedAt < request.receivedAt)
      .map((h) => ({
        receivedAt: h.receivedAt,
        formName: formName(h.formId),
        who: isSamePerson(lead.contact, h.contact) ? undefined : `${h.enrichment?.displayName ?? contactLine(h.contact)} <${contactLine(h.contact)}>`,
        message: h.contact.message,
        status: h.status,
        ownerName: h.ownerId ? repName(config, h.ownerId) : undefined,
      })),
  ].sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));

  const contactRows: AlertView['contactRows'] = [];
  const nameTyped = NAME_PARTS.some((part) => contact[part]?.trim());
  const guessed = enrichment.displayName === contactLine(contact) ? 'not given' : `${enrichment.displayName} (guessed from the email address)`;
  contactRows.push(['Name', nameTyped ? enrichment.displayName : guessed, undefined]);
  contactRows.push(contact.email ? ['Email', contact.emailDisplay ?? contact.email, { href: mailtoHref(contact.email) }] : ['Email', 'not given', undefined]);
  if (contact.phone) {
    const { readable, dialable } = phoneForRep(contact.phone, enrichment.phoneE164);
    contactRows.push(['Phone', readable, dialable ? { href: `tel:${dialable}` } : undefined]);
    // The newest number comes first, but an older one (the office line beside a mobile) is still a way to reach them.
    // An older number was typed in the same country as the newest, as far as anyone knows: read it there, so a rep
    // abroad can dial it too.
    const countries = [enrichment.country, enrichment.phoneE164 ? parsePhone(enrichment.phoneE164, [])?.country : undefined];
    for (const earlierPhone of earlierPhones([lead, ...joinedRows], contact.phone)) {
      const parsed = parsePhone(earlierPhone, countries);
      const { readable, dialable: earlierDialable } = phoneForRep(earlierPhone, parsed?.isValid() ? parsed.number : undefined);
      contactRows.push(['Earlier phone', readable, earlierDialable ? { href: `tel:${earlierDialable}` } : undefined]);
    }
  }
  // A form tool's or a file's contact value capture could not use ("n/a" for a phone) is still what the person
  // gave: it belongs with their details, not among the answers.
  const isScanTime = ([name]: [string, string]) => metBeforeImport(enrichedFrom) && (input.scanTimeColumns ?? []).includes(name);
  const givenAnswers = Object.entries(request.answers).filter((answer) => answer[1].trim() && !isScanTime(answer));
  const isSetAside = ([name]: [string, string]) => setAsideContactField(name) !== undefined;
  for (const [name, value] of givenAnswers.filter(isSetAside)) contactRows.push([humaniseFieldName(name), value, undefined]);
  if (contact.jobTitle?.trim()) contactRows.push(['Job title', contact.jobTitle.trim(), undefined]);
  if (enrichment.companyName) {
    const guessed = enrichment.companySource === 'domain' ? ` (guessed from ${enrichment.emailDomain})` : '';
    contactRows.push(['Company', enrichment.companyName + guessed, undefined]);
  }
  if (enrichment.country) contactRows.push(['Country', countryLabel(enrichment), undefined]);
  // Whether they agreed to the form's consent box is what lets a rep add them to a mailing or a sequence.
  if (contact.consent !== undefined) contactRows.push(['Consent', contact.consent ? 'given on the form' : 'not given on the form', undefined]);
  if (enrichment.isFreeMail) contactRows.push(['Note', `${enrichment.emailDomain} is a free-mail address`, undefined]);
  if (enrichment.isDisposable) contactRows.push(['Warning', `${enrichment.emailDomain} is a throwaway address`, undefined]);

  const { source } = enrichment;
  const form = config.forms.find((f) => f.id === source.formId);
  const sourceRows: AlertView['sourceRows'] = [['Form', source.formName], ['Campaign', campaignOf(source)]];
  if (form?.event) sourceRows.push(['Event', `${form.event.name}, ${form.event.location}`]);
  const utm = [source.utmSource, source.utmMedium, source.utmCampaign].filter(Boolean).join(' / ');
  if (utm) sourceRows.push(['UTM', utm]);
  const { adClick } = enrichedFrom.tracking;
  if (adClick) sourceRows.push(['Ad click', `${adClick.parameter} ${truncateText(adClick.id, 60)}`]);
  if (source.referrerHost) sourceRows.push(['Referrer', source.referrerHost]);
  if (enrichedFrom.tracking.pageUrl) sourceRows.push(['Page', truncateText(enrichedFrom.tracking.pageUrl, 200)]);
  sourceRows.push(['Received', formatLocal(new Date(request.receivedAt), timezone)]);
  const firstCameVia = visit ? `${input.enrichment.source.label} on ${formatLocal(new Date(lead.receivedAt), timezone)}` : undefined;

  const view: AlertView = {
    contact,
    enrichment,
    firstCameVia,
    request,
    earlier,
    followUpLine: followUpLineOf(input),
    contactRows,
    sourceRows,
    answerRows: givenAnswers.filter((answer) => !isSetAside(answer)).map(([key, value]) => [humaniseFieldName(key), value]),
  };
  const message = request.message?.trim();
  if (message) view.message = truncateText(message, MAX_MESSAGE_CHARS);
  const handedOver = kind === 'reassigned' ? lead.activities?.findLast((activity) => activity.action === 'reassign') : undefined;
  if (handedOver) view.handover = { from: repName(config, handedOver.by), ...(handedOver.note ? { note: truncateText(handedOver.note, 500) } : {}) };
  return view;
}

/** What the previous owner recorded; a fresh lead is still "open", which says nothing. */
const RECORDED_STATUSES: ReadonlySet<LeadStatus> = new Set(['contacted', 'qualified', 'disqualified']);

/** Not contacted, and the deadline already behind the alert (an alert sent days late, after SES was down). */
function overdueAtSending({ lead, deadline, now }: OwnerAlertInput): boolean {
  return !lead.firstContactAt && now !== undefined && Date.parse(deadline) <= now.getTime();
}

function followUpLineOf(input: OwnerAlertInput): string {
  const { lead, kind, config, deadline } = input;
  const timezone = ownersTimezone(input);
  const status = kind === 'reassigned' && RECORDED_STATUSES.has(lead.status) ? `; status: ${lead.status}` : '';
  if (!lead.firstContactAt) {
    const due = formatLocal(new Date(deadline), timezone);
    return overdueAtSending(input) ? `Overdue: first contact was due ${due}${status}` : `First contact by ${due}${status}`;
  }
  // After first contact there is no first-contact deadline left: the rep needs to know who spoke to them. A new owner
  // picks up where the last one left off; otherwise the person came back after that contact.
  const contacted = `Already contacted ${formatLocal(new Date(lead.firstContactAt), timezone)}${lead.firstContactBy ? ` by ${repName(config, lead.firstContactBy)}` : ''}`;
  return kind === 'reassigned' ? `${contacted}${status}` : `${contacted}: follow up on this visit`;
}

const NAME_PARTS = ['firstName', 'lastName', 'name'] as const;
const CONTACT_DETAILS = ['company', 'phone', 'jobTitle', 'country'] as const;

/**
 * The newest non-empty value of each detail, oldest submission first: a person who left a phone number only on
 * their second visit is still best reached on it. A name is taken whole from the newest submission that gave
 * one, so two people's names never mix; only a missing last name is filled in, from an older submission with
 * the same first name ("Anna" after "Anna Kowalska" is still Anna Kowalska, "Bob" is someone else).
 */
export function freshestContact(oldestFirst: readonly Submission[]): Contact {
  const known: Contact = { ...(oldestFirst[0] as Submission).contact };
  for (const { contact } of oldestFirst.slice(1)) {
    // A lead's own address stays; one that left only a phone takes the address a joined submission gave.
    if (known.email === undefined && contact.email !== undefined) Object.assign(known, { email: contact.email, emailDisplay: contact.emailDisplay });
    if (NAME_PARTS.some((part) => contact[part]?.trim())) for (const part of NAME_PARTS) known[part] = contact[part];
    for (const detail of CONTACT_DETAILS) {
      const value = contact[detail];
      if (value?.trim()) known[detail] = value;
    }
  }
  const firstName = known.firstName?.trim().toLowerCase();
  if (firstName && !known.lastName?.trim()) {
    const sameFirstName = oldestFirst.findLast(({ contact }) => contact.firstName?.trim().toLowerCase() === firstName && contact.lastName?.trim());
    if (sameFirstName) known.lastName = sameFirstName.contact.lastName;
  }
  return known;
}

/** Other numbers the person gave before, newest first, each line once: at most two, so the block stays short. */
function earlierPhones(oldestFirst: readonly Submission[], newest: string): string[] {
  const phones: string[] = [];
  for (const { contact } of oldestFirst.toReversed()) {
    const phone = contact.phone?.trim();
    if (!phone || samePhoneLine(phone, newest) || phones.some((known) => samePhoneLine(known, phone))) continue;
    phones.push(phone);
  }
  return phones.slice(0, 2);
}

const countryNames = new Intl.DisplayNames('en', { type: 'region', fallback: 'code' });

function countryLabel(enrichment: Enrichment): string {
  const code = enrichment.country ?? '';
  const from = { form: 'from the form', phone: 'from the phone number', viewer: 'from their location' }[enrichment.countrySource ?? 'form'];
  return `${countryNames.of(code) ?? code} (${code}, ${from})`;
}

// ---------------------------------------------------------------- HTML

function renderHtml(input: OwnerAlertInput, view: AlertView): string {
  const { score, owner, kind, lead, config } = input;
  const { enrichment } = view;
  const { whyHeading, sentBecause } = addressee(input, view);
  const c = emailColours;
  const overdue = overdueAtSending(input);
  const badge = kindLabel(input);
  const subline = [view.contact.jobTitle?.trim(), enrichment.companyName].filter(Boolean).join(' · ');

  const hero = html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>
<td style="padding:24px 24px 8px 24px;" valign="top">
<span style="display:inline-block;padding:2px 8px;border-radius:4px;background:${kind === 'new' ? c.brandSoft : c.warningSoft};color:${kind === 'new' ? c.brand : c.warning};font-size:12px;font-weight:700;text-transform:uppercase;letter-spacing:0.04em;">${badge}</span>
<div style="font-size:22px;font-weight:700;line-height:1.3;padding-top:8px;word-break:break-word;">${enrichment.displayName}</div>
${subline ? html`<div style="font-size:15px;color:${c.muted};word-break:break-word;">${subline}</div>` : ''}
<div style="font-size:13px;color:${c.muted};padding-top:4px;">${enrichment.source.label}</div>
${view.firstCameVia ? html`<div style="font-size:13px;color:${c.muted};">First came via ${view.firstCameVia}</div>` : ''}
</td>
<td width="84" valign="top" align="right" style="width:84px;padding:24px 24px 8px 0;">
<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr><td align="center" style="width:64px;height:64px;border-radius:32px;background:${scoreColour(score.score)};color:#ffffff;font-size:22px;font-weight:700;line-height:64px;">${score.score}</td></tr>
<tr><td align="center" style="font-size:11px;color:${c.muted};padding-top:4px;">score</td></tr></table>
</td></tr>
<tr><td colspan="2" style="padding:8px 24px 20px 24px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td style="background:${overdue ? c.dangerSoft : c.warningSoft};border-left:4px solid ${overdue ? c.danger : c.warning};padding:10px 12px;font-size:14px;">
<strong>${view.followUpLine}</strong>
</td></tr></table>
</td></tr></table>`;

  const buttonCells = ACTION_ORDER.map((action) => emailButtonCell(input.actionLinks[action], followUpActionLabels[action], ACTION_TONES[action]));
  const actions = html`<table role="presentation" width="100%" cellpadding="0" cellspacing="8" border="0" style="border-collapse:separate;">
<tr>${buttonCells.slice(0, 2)}</tr>
<tr>${buttonCells.slice(2)}</tr>
</table>
<div style="font-size:12px;color:${c.muted};padding:0 8px;">Each button opens a confirmation page where you can add a note; nothing changes until you confirm.</div>`;

  const asked = html`${view.message
    // dir="auto": a message in Arabic or Hebrew reads right to left, from the right edge.
    ? html`<div dir="auto" style="background:${c.page};border-radius:6px;padding:12px 14px;font-size:15px;word-break:break-word;">${multilineHtml(view.message)}</div>`
    : html`<div style="color:${c.muted};">No message.</div>`}
${view.answerRows.length ? html`<div style="padding-top:12px;">${emailDetails(view.answerRows)}</div>` : ''}`;

  const contactDetails = emailDetails(
    view.contactRows.map(([label, value, link]) => [label, link ? html`<a href="${link.href}" style="color:${c.brand};">${value}</a>` : value] as const),
  );

  const reasons = html`<div style="font-size:15px;padding-bottom:6px;"><strong>${score.score}</strong> <span style="color:${c.muted};">of 100</span></div>
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="font-size:14px;">${score.reasons.map(
    (reason) => html`<tr><td style="padding:2px 0;color:${reason.startsWith('-') ? c.danger : c.text};">${reason}</td></tr>`,
  )}</table>`;

  const shown = view.earlier.slice(0, MAX_EARLIER_SHOWN);
  const earlier = html`${shown.map(
    (entry, index) => html`<div style="padding:6px 0;${index ? `border-top:1px solid ${c.border};` : ''}font-size:14px;">
<div><strong>${formatLocal(new Date(entry.receivedAt), ownersTimezone(input))}</strong> · ${entry.formName}${entry.status ? html` · <span style="color:${c.muted};">${entry.status}${entry.ownerName ? `, ${entry.ownerName}` : ''}</span>` : ''}</div>
${entry.who ? html`<div style="color:${c.muted};">${entry.who}</div>` : ''}
${entry.message ? html`<div style="color:${c.text};word-break:break-word;">${truncateText(entry.message.replace(/\s+/g, ' ').trim(), 200)}</div>` : ''}
</div>`,
  )}${view.earlier.length > shown.length ? html`<div style="padding-top:6px;font-size:13px;color:${c.muted};">and ${view.earlier.length - shown.length} more</div>` : ''}`;

  const handover = view.handover
    ? emailSection('Handed over', html`<div style="font-size:14px;">${view.handover.from} passed this lead on${view.handover.note ? ':' : '.'}</div>
${view.handover.note ? html`<div dir="auto" style="background:${c.page};border-radius:6px;padding:10px 12px;margin-top:6px;font-size:14px;word-break:break-word;">${multilineHtml(view.handover.note)}</div>` : ''}`)
    : '';
  const away = input.awayNotice
    ? emailSection('Away', html`<div style="background:${c.warningSoft};border-left:4px solid ${c.warning};padding:10px 12px;font-size:14px;">${input.awayNotice}</div>`)
    : '';
  const body = html`${hero}
${away}
${handover}
${emailSection('Your next step', actions)}
${emailSection(kind === 'returning' ? 'What they asked this time' : 'What they asked', asked)}
${emailSection('Contact', contactDetails)}
${emailSection('Source', emailDetails(view.sourceRows))}
${emailSection('Score', reasons)}
${view.earlier.length ? emailSection('Earlier submissions', earlier) : ''}
${emailSection(whyHeading, html`<div style="font-size:14px;">${input.ownerReason}</div>`)}`;

  const footer = html`${sentBecause}<br>Lead ${lead.leadId}`;

  return renderEmailLayout({
    title: subjectOf(input, view),
    preheader: `${view.message ? truncateText(view.message.replace(/\s+/g, ' '), 90) + ' — ' : ''}${view.followUpLine}`,
    organisation: config.organisation.name,
    body,
    footer,
  });
}

/** A score's badge colour, the same in every email that shows one. */
export function scoreColour(score: number): string {
  if (score >= 60) return emailColours.success;
  if (score >= 30) return emailColours.brand;
  return emailColours.neutral;
}

// ---------------------------------------------------------------- plain text

function renderText(input: OwnerAlertInput, view: AlertView): string {
  const { score, kind, owner, lead, config } = input;
  const { enrichment } = view;
  const { whyHeading, sentBecause } = addressee(input, view);
  const section = (title: string, lines: string[]) => [title.toUpperCase(), ...lines, ''];
  const rows = (entries: ReadonlyArray<readonly [string, string]>) => entries.map(([label, value]) => `${label}: ${value}`);

  const earlierLines = view.earlier.slice(0, MAX_EARLIER_SHOWN).flatMap((entry) => [
    `- ${formatLocal(new Date(entry.receivedAt), ownersTimezone(input))} · ${entry.formName}${entry.status ? ` · ${entry.status}${entry.ownerName ? `, ${entry.ownerName}` : ''}` : ''}`,
    ...(entry.who ? [`  ${entry.who}`] : []),
    ...(entry.message ? [`  ${truncateText(entry.message.replace(/\s+/g, ' ').trim(), 200)}`] : []),
  ]);
  if (view.earlier.length > MAX_EARLIER_SHOWN) earlierLines.push(`and ${view.earlier.length - MAX_EARLIER_SHOWN} more`);

  const lines = [
    `${kindLabel(input)}: ${enrichment.displayName}${enrichment.companyName ? ` (${enrichment.companyName})` : ''}`,
    `Score ${score.score} · ${enrichment.source.label}`,
    ...(view.firstCameVia ? [`First came via ${view.firstCameVia}`] : []),
    view.followUpLine,
    '',
    ...(input.awayNotice ? section('Away', [input.awayNotice]) : []),
    ...(view.handover ? section('Handed over', [`${view.handover.from} passed this lead on${view.handover.note ? ':' : '.'}`, ...(view.handover.note ? [view.handover.note] : [])]) : []),
    ...section('Your next step', ACTION_ORDER.map((action) => `${followUpActionLabels[action]}: ${input.actionLinks[action]}`)),
    ...section(kind === 'returning' ? 'What they asked this time' : 'What they asked', [view.message ?? 'No message.', ...(view.answerRows.length ? ['', ...rows(view.answerRows)] : [])]),
    ...section('Contact', rows(view.contactRows.map(([label, value]) => [label, value] as const))),
    ...section('Source', rows(view.sourceRows)),
    ...section('Score', [`${score.score} of 100`, ...score.reasons.map((reason) => `  ${reason}`)]),
    ...(earlierLines.length ? section('Earlier submissions', earlierLines) : []),
    ...section(whyHeading, [input.ownerReason]),
    sentBecause,
    `Lead ${lead.leadId}`,
  ];
  return lines.join('\n');
}
