/**
 * The figures behind the nightly missed-follow-up reports. Pure: leads, config and the clock in,
 * plain JSON-ready data out; rendering lives in render/reports.ts.
 *
 * Definitions (the README's report section quotes these):
 * - Real lead: any status but spam and merged. Only real leads are counted as leads; the marketing report counts
 *   spam (per form) and merged submissions (returning visits) beside them, never in them.
 * - First response: `firstContactAt`, else `qualifiedAt` (qualifying implies a contact).
 * - Missed: still waiting (new/open), no first response, deadline passed by `now`. Spam, merged and
 *   disqualified leads are never missed; a lead answered after its deadline is "late", not missed.
 * - Contacted within SLA: first response at or before `followUpDeadline`. The share is taken over
 *   leads whose outcome is known (in time + late + missed); leads still inside their SLA wait.
 * - Time to first contact is elapsed wall-clock time from capture, because that is what the person
 *   who filled the form experiences; beside it, the business hours it took on the owner's clock, the one
 *   their deadline counts in (Friday 18:00 to Monday 09:30 is 2 d 16 h elapsed, 30 min of business time).
 *   P50/P95 use the nearest-rank method: sort ascending, take the value at rank ceil(p/100 × n). Every
 *   reported value is a real observation.
 * - Bands of elapsed time to first contact (SlaBand): under 5 min, [5, 15) min, [15, 60) min, [1, 24) h, 24 h and
 *   over; "not yet" holds missed and pending leads. Elapsed, so a lead within a business-hours SLA can be 24 h and over. Closed leads with no recorded contact time
 *   (disqualified without contact) are in no band, so bands add up to captured − untimed.
 * - Periods are whole org-local calendar days: the last day is the day before the report date, the
 *   last 7 days end with it. Leads captured on the report date itself count in tomorrow's report.
 * - Overdue (the sales report) is missed as of `now`, however long ago the lead was captured: the 7-day missed figure
 *   plus the overdue leads captured before the 7 days or on the report date (`overdueOutsideWeek`).
 * - Overdue by: elapsed time since the deadline. Escalation compares it with
 *   `reports.escalateAfterHours` as elapsed hours, like every SLA without the word "business".
 * - Email problems: addresses SES reported a bounce or complaint for in the 7 × 24 hours before `now`.
 * - Campaign and channel are one attribution for both reports (`campaignOf`, `channelOf` in attribution.ts): the
 *   campaign is the UTM campaign, else the form's; the channel is the UTM source, else an ad click id's network
 *   ("google / cpc" for a gclid), else "event: <name>" for an event form, else the lead source or outside referrer
 *   the source label shows, else "(direct)" (attribution.ts channelOf).
 */
import { absenceOf } from './assign.ts';
import type { Config, Salesperson } from '../config/schema.ts';
import { contactLine, WAITING_STATUSES, type AlertState, type Lead, type LeadStatus, type WaitingLead } from './lead.ts';
import { addDays, businessHoursBetween, calendarOfRep, localDate, zonedTimeToUtc } from './business-hours.ts';
import { DIRECT_CHANNEL, attributeSource, campaignOf, channelOf, type ChannelForm } from './attribution.ts';

/** A lead as the report sees it: the waiting fields always, the rest when the lead was read whole. */
type ReportLead = WaitingLead & Partial<Lead>;

export interface NightlyReportInput {
  /** The org-local date of the run, YYYY-MM-DD. */
  reportDate: string;
  now: Date;
  config: Config;
  /** Leads still waiting for first contact whose deadline passed (from the deadline index). */
  overdue: readonly WaitingLead[];
  /**
   * Every lead captured from the start of `reportWindow(reportDate)` up to `now`, spam and merged included. The
   * marketing figures count the 7 days; the report date's own leads let `asOf` list one contacted after `now`.
   */
  window7d: readonly Lead[];
  /** What SES reported about the addresses Handoff mails; none when the caller does not read them. */
  emailHealth?: readonly EmailHealthMark[];
}

/** SES feedback on one address Handoff mails: its latest bounce or complaint and how many there were. */
export interface EmailHealthMark {
  address: string;
  lastEvent: 'bounce' | 'complaint';
  lastEventAt: string;
  bounces: number;
  complaints: number;
  /** SES's latest bounce type and subtype, e.g. Permanent / General (a hard bounce). */
  bounceType?: string;
  bounceSubType?: string;
  /** The complaint's feedback type, e.g. abuse. */
  complaintFeedbackType?: string;
}

/** A mark with who the address belongs to in the config, so a reader knows whose email to fix. */
export interface EmailProblem extends EmailHealthMark {
  /** "rep Ana Silva", "manager of Ana Silva, Jonas Weber", "sales report recipient"; empty when no longer configured. */
  roles: string[];
}

export interface DateRange {
  /** First org-local day, inclusive. */
  from: string;
  /** Last org-local day, inclusive. */
  to: string;
}

export interface ReportRep {
  id: string;
  name: string;
  email: string;
  team: string;
  managerEmail: string;
  /** On the report date: the last day of the away period that holds it, or 'inactive'. A manager chasing the rep needs it. */
  away?: string;
}

export interface LeadRow {
  leadId: string;
  name: string;
  /** Absent for a phone-only lead. */
  email?: string;
  /** As the person typed it. */
  phone?: string;
  /** The enrichment's reading of `phone`; absent for a lead read from the deadline index alone. */
  phoneE164?: string;
  company?: string;
  formId: string;
  sourceLabel: string;
  /** Absent for a lead read from the deadline index alone, which keeps neither its enrichment nor its tracking. */
  campaign?: string;
  channel?: string;
  score?: number;
  ownerId?: string;
  receivedAt: string;
  followUpDeadline: string;
  ageMs: number;
  /** Elapsed time since the deadline; zero or negative while the lead is still inside its SLA. */
  overdueMs: number;
  overdueBusinessHours: number;
  alertStatus?: AlertState['status'];
  alertAttempts?: number;
}

/** One rep's overdue leads, most overdue first. Each group is also that rep's digest. */
export interface RepGroup {
  rep: ReportRep;
  leads: LeadRow[];
}

export interface SalesReport {
  overdueCount: number;
  /**
   * Overdue leads captured outside the marketing report's 7 days: before them (only the deadline index still lists
   * these), or on the report date up to `now` (tomorrow's report counts them). Every other overdue lead is one of the
   * marketing report's 7-day missed follow-ups, so `overdueCount` is that figure plus these two.
   */
  overdueOutsideWeek: { capturedBefore: number; capturedAfter: number };
  /** Reps with overdue leads, the rep holding the most overdue lead first. */
  byRep: RepGroup[];
  /** Waiting leads with no owner, or an owner no longer in the config; overdue or not. */
  unassigned: LeadRow[];
  /** Waiting leads whose owner alert could not be delivered; overdue or not. */
  alertFailed: LeadRow[];
}

export const SLA_BANDS = ['under5m', '5to15m', '15to60m', '1to24h', 'over24h', 'notYet'] as const;
export type SlaBand = (typeof SLA_BANDS)[number];

export interface FunnelFigures {
  captured: number;
  contactedInTime: number;
  contactedLate: number;
  missed: number;
  /** Not contacted yet, deadline still ahead. */
  pending: number;
  /** Closed without a recorded contact time (disqualified without contact). */
  untimed: number;
  /** Leads whose SLA outcome is known, contacted or past their deadline: contactedInTime + contactedLate + missed. */
  outcomeKnown: number;
  /** contactedInTime / outcomeKnown; null when nothing is decided yet. */
  withinSlaShare: number | null;
  /** Elapsed time from capture to first contact, nights and weekends included. */
  p50Ms: number | null;
  p95Ms: number | null;
  /** The same in business hours on the owner's clock, the one their deadline counts in. */
  p50BusinessHours: number | null;
  p95BusinessHours: number | null;
  bands: Record<SlaBand, number>;
  deals: number;
  /** Leads a rep disqualified ("Not a fit"): the bad-fit volume a source or campaign brings. */
  notAFit: number;
  /** Submissions of people who already had an open lead, joined to it (merged): touchpoints, not new leads. */
  returningVisits: number;
  /**
   * Submissions caught as spam: counted per form (source and event rows) and in the total. Absent on campaign and
   * channel rows: a bot fills tracking fields at will, and split by them its spam would make up rows.
   */
  spam?: number;
}

export interface FunnelRow {
  key: string;
  label: string;
  lastDay: FunnelFigures;
  last7Days: FunnelFigures;
}

export interface MarketingReport {
  lastDay: DateRange;
  last7Days: DateRange;
  total: FunnelRow;
  bySource: FunnelRow[];
  byCampaign: FunnelRow[];
  byChannel: FunnelRow[];
  byEvent: FunnelRow[];
}

export interface Escalation {
  managerEmail: string;
  leadCount: number;
  byRep: RepGroup[];
}

export interface NightlyReport {
  reportDate: string;
  generatedAt: string;
  timezone: string;
  escalateAfterHours: number;
  /** No overdue leads at all: the reports say so rather than stay silent. */
  quiet: boolean;
  sales: SalesReport;
  marketing: MarketingReport;
  escalations: Escalation[];
  /** Addresses that bounced or complained recently, most recent first. */
  emailProblems: EmailProblem[];
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** The last day and the last 7 days before a report date, as org-local calendar days. */
export function reportPeriods(reportDate: string): { lastDay: DateRange; last7Days: DateRange } {
  const lastDay = addDays(reportDate, -1);
  return { lastDay: { from: lastDay, to: lastDay }, last7Days: { from: addDays(reportDate, -7), to: lastDay } };
}

/** The report's 7 days, [from, to) in UTC; `window7d` runs from `from` on to the report's time. */
export function reportWindow(reportDate: string, timezone: string): { from: Date; to: Date } {
  return { from: zonedTimeToUtc(addDays(reportDate, -7), '00:00', timezone), to: zonedTimeToUtc(reportDate, '00:00', timezone) };
}

export function buildNightlyReport(input: NightlyReportInput): NightlyReport {
  const { reportDate, now, config } = input;
  const candidates = uniqueById([...input.overdue, ...input.window7d]).map((lead) => asOf(lead, now)).filter(isReal);
  const waiting = candidates.filter(isWaiting);
  const missed = waiting.filter((lead) => isPastDeadline(lead, now));
  const repsById = new Map(config.salespeople.map((rep) => [rep.id, rep]));
  const toRow = (lead: ReportLead) => leadRow(lead, now, config);

  const byRep = groupByRep(missed.filter((lead) => ownerOf(lead, repsById)).map(toRow), repsById, reportDate);
  const unassigned = waiting.filter((lead) => !ownerOf(lead, repsById)).map(toRow).sort(mostOverdueFirst);
  const alertFailed = waiting.filter((lead) => lead.alert?.status === 'failed').map(toRow).sort(mostOverdueFirst);

  const { last7Days } = reportPeriods(reportDate);
  const capturedOn = (lead: ReportLead) => localDate(new Date(lead.receivedAt), config.organisation.timezone);
  const overdueOutsideWeek = {
    capturedBefore: missed.filter((lead) => capturedOn(lead) < last7Days.from).length,
    capturedAfter: missed.filter((lead) => capturedOn(lead) > last7Days.to).length,
  };

  const escalationThresholdMs = config.reports.escalateAfterHours * HOUR_MS;
  const escalatedRows = byRep.flatMap((group) => group.leads.filter((row) => row.overdueMs > escalationThresholdMs));

  return {
    reportDate,
    generatedAt: now.toISOString(),
    timezone: config.organisation.timezone,
    escalateAfterHours: config.reports.escalateAfterHours,
    quiet: missed.length === 0,
    sales: { overdueCount: missed.length, overdueOutsideWeek, byRep, unassigned, alertFailed },
    marketing: marketingReport(input),
    escalations: escalations(escalatedRows, repsById, reportDate),
    emailProblems: emailProblems(input.emailHealth ?? [], now, config),
  };
}

const EMAIL_PROBLEM_WINDOW_MS = 7 * 24 * HOUR_MS;

function emailProblems(marks: readonly EmailHealthMark[], now: Date, config: Config): EmailProblem[] {
  const since = now.getTime() - EMAIL_PROBLEM_WINDOW_MS;
  return marks
    .filter((mark) => Date.parse(mark.lastEventAt) >= since && Date.parse(mark.lastEventAt) <= now.getTime())
    .map((mark) => ({ ...mark, roles: rolesOf(mark.address, config) }))
    .sort((a, b) => b.lastEventAt.localeCompare(a.lastEventAt) || a.address.localeCompare(b.address));
}

function rolesOf(address: string, config: Config): string[] {
  const is = (candidate: string) => candidate.toLowerCase() === address.toLowerCase();
  const managed = config.salespeople.filter((rep) => is(rep.managerEmail)).map((rep) => rep.name);
  return [
    ...config.salespeople.filter((rep) => is(rep.email)).map((rep) => `rep ${rep.name}`),
    ...(managed.length ? [`manager of ${managed.join(', ')}`] : []),
    ...(config.reports.salesRecipients.some(is) ? ['sales report recipient'] : []),
    ...(config.reports.marketingRecipients.some(is) ? ['marketing report recipient'] : []),
  ];
}

const FOLLOWED_UP: ReadonlySet<LeadStatus> = new Set(['contacted', 'qualified', 'disqualified']);

/**
 * The lead as it stood at `now`. A report re-run for an earlier night, or a schedule retried later, must not
 * count follow-ups recorded after its time. Only the latest verdict keeps its stamp, so a verdict given after
 * `now` leaves the lead contacted (if it was by then) or open.
 */
function asOf<Item extends ReportLead>(lead: Item, now: Date): Item {
  if (!FOLLOWED_UP.has(lead.status)) return lead;
  const known = (stamp: string | undefined) => (stamp !== undefined && Date.parse(stamp) <= now.getTime() ? stamp : undefined);
  const firstContactAt = known(lead.firstContactAt);
  const qualifiedAt = known(lead.qualifiedAt);
  const disqualifiedAt = known(lead.disqualifiedAt);
  if (firstContactAt === lead.firstContactAt && qualifiedAt === lead.qualifiedAt && disqualifiedAt === lead.disqualifiedAt) return lead;
  const status: LeadStatus = lead.status === 'qualified' && qualifiedAt ? 'qualified'
    : lead.status === 'disqualified' && disqualifiedAt ? 'disqualified'
    : firstContactAt || qualifiedAt ? 'contacted'
    : 'open';
  const { firstContactAt: _contact, qualifiedAt: _qualified, disqualifiedAt: _disqualified, ...rest } = lead;
  return { ...rest, status, ...(firstContactAt ? { firstContactAt } : {}), ...(qualifiedAt ? { qualifiedAt } : {}), ...(disqualifiedAt ? { disqualifiedAt } : {}) } as Item;
}

function isReal(lead: ReportLead): boolean {
  return lead.status !== 'spam' && lead.status !== 'merged';
}

function isWaiting(lead: ReportLead): boolean {
  return WAITING_STATUSES.has(lead.status) && firstResponseAt(lead) === undefined;
}

function isPastDeadline(lead: ReportLead, now: Date): boolean {
  return Date.parse(lead.followUpDeadline) < now.getTime();
}

function firstResponseAt(lead: ReportLead): string | undefined {
  return lead.firstContactAt ?? lead.qualifiedAt;
}

function uniqueById<Item extends ReportLead>(leads: readonly Item[]): Item[] {
  return [...new Map(leads.map((lead) => [lead.leadId, lead])).values()];
}

function ownerOf(lead: ReportLead, repsById: ReadonlyMap<string, Salesperson>): Salesperson | undefined {
  return lead.ownerId === undefined ? undefined : repsById.get(lead.ownerId);
}

function leadRow(lead: ReportLead, now: Date, config: Config): LeadRow {
  const deadline = new Date(lead.followUpDeadline);
  const contact = lead.contact;
  const fullName = [contact.firstName, contact.lastName].filter(Boolean).join(' ');
  const company = lead.enrichment?.companyName ?? contact.company;
  const phone = contact.phone?.trim();
  const phoneE164 = phone ? lead.enrichment?.phoneE164 : undefined;
  return {
    leadId: lead.leadId,
    name: lead.enrichment?.displayName || contact.name || fullName || contactLine(contact),
    ...(contact.emailDisplay ? { email: contact.emailDisplay } : {}),
    ...(phone ? { phone } : {}),
    ...(phoneE164 ? { phoneE164 } : {}),
    ...(company ? { company } : {}),
    formId: lead.formId,
    sourceLabel: lead.enrichment?.source.label ?? formOf(lead, config)?.name ?? lead.formId,
    ...attributionOf(lead, config),
    ...(lead.score !== undefined ? { score: lead.score } : {}),
    ...(lead.ownerId !== undefined ? { ownerId: lead.ownerId } : {}),
    receivedAt: lead.receivedAt,
    followUpDeadline: lead.followUpDeadline,
    ageMs: now.getTime() - Date.parse(lead.receivedAt),
    overdueMs: now.getTime() - deadline.getTime(),
    // On the owner's clock: a New York rep's evening is not business time.
    overdueBusinessHours: businessHoursBetween(deadline, now, calendarOfRep(config, lead.ownerId)),
    ...(lead.alert ? { alertStatus: lead.alert.status, alertAttempts: lead.alert.attempts } : {}),
  };
}

function mostOverdueFirst(a: LeadRow, b: LeadRow): number {
  return b.overdueMs - a.overdueMs || a.leadId.localeCompare(b.leadId);
}

function reportRep(rep: Salesperson, reportDate: string): ReportRep {
  const away = absenceOf(rep, reportDate);
  return { id: rep.id, name: rep.name, email: rep.email, team: rep.team, managerEmail: rep.managerEmail, ...(away ? { away } : {}) };
}

function groupByRep(rows: readonly LeadRow[], repsById: ReadonlyMap<string, Salesperson>, reportDate: string): RepGroup[] {
  const groups = new Map<string, RepGroup>();
  for (const row of rows) {
    const rep = repsById.get(row.ownerId ?? '');
    if (!rep) continue;
    const group = groups.get(rep.id) ?? { rep: reportRep(rep, reportDate), leads: [] };
    group.leads.push(row);
    groups.set(rep.id, group);
  }
  const sorted = [...groups.values()];
  for (const group of sorted) group.leads.sort(mostOverdueFirst);
  return sorted.sort((a, b) => mostOverdueFirst(a.leads[0]!, b.leads[0]!) || a.rep.name.localeCompare(b.rep.name));
}

function escalations(rows: readonly LeadRow[], repsById: ReadonlyMap<string, Salesperson>, reportDate: string): Escalation[] {
  const byManager = new Map<string, LeadRow[]>();
  for (const row of rows) {
    const managerEmail = repsById.get(row.ownerId ?? '')?.managerEmail;
    if (!managerEmail) continue;
    byManager.set(managerEmail, [...(byManager.get(managerEmail) ?? []), row]);
  }
  return [...byManager.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([managerEmail, managerRows]) => ({ managerEmail, leadCount: managerRows.length, byRep: groupByRep(managerRows, repsById, reportDate) }));
}

type FormConfig = Config['forms'][number];

function formOf(lead: ReportLead, config: Config): FormConfig | undefined {
  return config.forms.find((form) => form.id === lead.formId);
}

const NO_CAMPAIGN = '(no campaign)';

/** A form since removed from the config: its leads keep the channel their UTMs or referrer give. */
const REMOVED_FORM: ChannelForm = { kind: 'website', allowedOrigins: [] };

/** The campaign and channel a lead counts under, by the rule its source label was built with. */
function attributionOf(lead: ReportLead, config: Config): { campaign: string; channel: string } | undefined {
  const form = formOf(lead, config);
  const stored = lead.enrichment?.source;
  const { tracking } = lead;
  if (!stored && !tracking) return undefined;
  // Leads stored before enrichment (still "new", spam, merged) get the attribution enrichment would give them.
  const source = stored ?? (form && tracking ? attributeSource({ tracking }, form) : undefined);
  // Event-form leads enriched before event forms had a channel of their own were stored as direct.
  const storedChannel = source?.channel === DIRECT_CHANNEL && form?.kind === 'event' ? undefined : source?.channel;
  return {
    campaign: source ? campaignOf(source) : NO_CAMPAIGN,
    channel: storedChannel ?? channelOf(tracking ?? { utm: {} }, form ?? REMOVED_FORM),
  };
}

interface Dimension {
  key: string;
  label: string;
}

function marketingReport({ reportDate, now, config, window7d }: NightlyReportInput): MarketingReport {
  const periods = reportPeriods(reportDate);
  const timezone = config.organisation.timezone;
  // Spam and merged submissions too: the rows count them beside the leads (funnelFigures keeps them apart).
  const dated = uniqueById(window7d)
    .map((lead) => asOf(lead, now))
    .map((lead) => ({ lead, day: localDate(new Date(lead.receivedAt), timezone) }))
    .filter(({ day }) => day >= periods.last7Days.from && day <= periods.last7Days.to);
  const withoutSpam = dated.filter(({ lead }) => lead.status !== 'spam');

  const rowsBy = (dimensionOf: (lead: Lead) => Dimension | undefined, spam: SpamCounting): FunnelRow[] => {
    // UTM values are typed by hand in many places: "Google / CPC", "google / cpc" and full-width "ｇｏｏｇｌｅ / ｃｐｃ"
    // are one row, under the spelling met first.
    const groups = new Map<string, { key: string; label: string; entries: typeof dated }>();
    for (const entry of spam === 'counted' ? dated : withoutSpam) {
      const dimension = dimensionOf(entry.lead);
      if (!dimension) continue;
      const sameWhateverTheCase = dimension.key.normalize('NFKC').toLowerCase();
      const group = groups.get(sameWhateverTheCase) ?? { key: dimension.key, label: dimension.label, entries: [] };
      group.entries.push(entry);
      groups.set(sameWhateverTheCase, group);
    }
    return [...groups.values()]
      .map(({ key, label, entries }) => funnelRow(key, label, entries, spam))
      .sort((a, b) => b.last7Days.captured - a.last7Days.captured || a.label.localeCompare(b.label));
  };

  const funnelRow = (key: string, label: string, entries: typeof dated, spam: SpamCounting): FunnelRow => ({
    key,
    label,
    lastDay: funnelFigures(entries.filter(({ day }) => day === periods.lastDay.from).map(({ lead }) => lead), { now, config, spam }),
    last7Days: funnelFigures(entries.map(({ lead }) => lead), { now, config, spam }),
  });

  return {
    ...periods,
    total: funnelRow('all', 'All sources', dated, 'counted'),
    bySource: rowsBy((lead) => ({ key: lead.formId, label: formOf(lead, config)?.name ?? lead.enrichment?.source.formName ?? lead.formId }), 'counted'),
    byCampaign: rowsBy((lead) => {
      const campaign = attributionOf(lead, config)?.campaign ?? NO_CAMPAIGN;
      return { key: campaign, label: campaign };
    }, 'left out'),
    byChannel: rowsBy((lead) => {
      const channel = attributionOf(lead, config)?.channel;
      return channel === undefined ? undefined : { key: channel, label: channel };
    }, 'left out'),
    byEvent: rowsBy((lead) => {
      const event = lead.enrichment?.source.event ?? formOf(lead, config)?.event?.name;
      return event === undefined ? undefined : { key: event, label: event };
    }, 'counted'),
  };
}

type Outcome = 'inTime' | 'late' | 'missed' | 'pending' | 'untimed';

function outcomeOf(lead: Lead, now: Date): Outcome {
  const respondedAt = firstResponseAt(lead);
  if (respondedAt !== undefined) return Date.parse(respondedAt) <= Date.parse(lead.followUpDeadline) ? 'inTime' : 'late';
  if (!WAITING_STATUSES.has(lead.status)) return 'untimed';
  return isPastDeadline(lead, now) ? 'missed' : 'pending';
}

/** Whether a row counts the spam of its submissions (see FunnelFigures.spam). */
type SpamCounting = 'counted' | 'left out';

/** The figures of one row and period: `submissions` may hold spam and merged ones, which are counted apart from the leads. */
function funnelFigures(submissions: readonly Lead[], { now, config, spam }: { now: Date; config: Config; spam: SpamCounting }): FunnelFigures {
  const leads = submissions.filter(isReal);
  const counts: Record<Outcome, number> = { inTime: 0, late: 0, missed: 0, pending: 0, untimed: 0 };
  const bands: Record<SlaBand, number> = { under5m: 0, '5to15m': 0, '15to60m': 0, '1to24h': 0, over24h: 0, notYet: 0 };
  const responseTimes: number[] = [];
  const responseBusinessHours: number[] = [];
  for (const lead of leads) {
    const outcome = outcomeOf(lead, now);
    counts[outcome] += 1;
    const respondedAt = firstResponseAt(lead);
    if (respondedAt !== undefined) {
      const elapsed = Date.parse(respondedAt) - Date.parse(lead.receivedAt);
      responseTimes.push(elapsed);
      responseBusinessHours.push(businessHoursBetween(new Date(lead.receivedAt), new Date(respondedAt), calendarOfRep(config, lead.ownerId)));
      bands[bandOf(elapsed)] += 1;
    } else if (outcome === 'missed' || outcome === 'pending') {
      bands.notYet += 1;
    }
  }
  responseTimes.sort((a, b) => a - b);
  responseBusinessHours.sort((a, b) => a - b);
  const outcomeKnown = counts.inTime + counts.late + counts.missed;
  return {
    captured: leads.length,
    contactedInTime: counts.inTime,
    contactedLate: counts.late,
    missed: counts.missed,
    pending: counts.pending,
    untimed: counts.untimed,
    outcomeKnown,
    withinSlaShare: outcomeKnown === 0 ? null : counts.inTime / outcomeKnown,
    p50Ms: nearestRank(responseTimes, 50),
    p95Ms: nearestRank(responseTimes, 95),
    p50BusinessHours: nearestRank(responseBusinessHours, 50),
    p95BusinessHours: nearestRank(responseBusinessHours, 95),
    bands,
    deals: leads.filter((lead) => lead.status === 'qualified').length,
    notAFit: leads.filter((lead) => lead.status === 'disqualified').length,
    returningVisits: submissions.filter((lead) => lead.status === 'merged').length,
    ...(spam === 'counted' ? { spam: submissions.filter((lead) => lead.status === 'spam').length } : {}),
  };
}

function bandOf(elapsedMs: number): Exclude<SlaBand, 'notYet'> {
  if (elapsedMs < 5 * MINUTE_MS) return 'under5m';
  if (elapsedMs < 15 * MINUTE_MS) return '5to15m';
  if (elapsedMs < HOUR_MS) return '15to60m';
  if (elapsedMs < 24 * HOUR_MS) return '1to24h';
  return 'over24h';
}

/** Nearest-rank percentile of an ascending list: the value at rank ceil(p/100 × n). */
export function nearestRank(sortedAscending: readonly number[], percentile: number): number | null {
  if (sortedAscending.length === 0) return null;
  const rank = Math.max(1, Math.ceil((percentile / 100) * sortedAscending.length));
  return sortedAscending[rank - 1] ?? null;
}
