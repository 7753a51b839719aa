/**
 * The nightly emails: the sales report (with the overdue leads as CSV), the marketing report,
 * each rep's digest and each manager's escalation. Every value goes through the `html` tag
 * (escaped), every subject through `headerSafe`, and every CSV cell through `toCsv`.
 */
import { describeAbsence } from '../assign.ts';
import type { Config } from '../../config/schema.ts';
import { calendarOfRep, formatLocal } from '../business-hours.ts';
import { phoneForRep } from '../phone.ts';
import type { EmailProblem, Escalation, FunnelFigures, FunnelRow, LeadRow, NightlyReport, RepGroup, ReportRep, SlaBand } from '../report.ts';
import { SLA_BANDS } from '../report.ts';
import { toCsv } from './csv.ts';
import { breakableAfterDots, emailButtonCell, emailColours as c, emailSection, headerSafe, html, mailtoHref, renderEmailLayout, type SafeHtml } from './html.ts';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export interface RenderedSalesReport extends RenderedEmail {
  /** The overdue leads, for the attachment. */
  csv: string;
}

/** A digest or an escalation: with every one of its leads as a CSV when the email lists only the first of them. */
export interface RenderedLeadList extends RenderedEmail {
  csv?: string;
}

/** A lead's "Mark as contacted?" page: it records a first contact, by whoever the email went to, for the lead's owner. */
export type LeadLink = (leadId: string) => string;

const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

export function renderSalesReport(report: NightlyReport, config: Config, links: LeadLink): RenderedSalesReport {
  const { sales } = report;
  const subject = report.quiet ? `No missed follow-ups ${asOf(report)}` : `Missed follow-ups: ${plural(sales.overdueCount, 'lead')} overdue ${asOf(report)}`;
  const overdueUnassigned = sales.unassigned.filter(isOverdue);
  const outsideWeek = overdueOutsideWeek(report);
  const summary = report.quiet
    ? `Every lead due by ${formatLocal(new Date(report.generatedAt), report.timezone)} has a recorded first contact.`
    : `${plural(sales.overdueCount, 'lead')} passed the first-contact deadline without a recorded contact` +
      ` (${plural(sales.byRep.length, 'rep')}${overdueUnassigned.length ? `, ${overdueUnassigned.length} with no owner` : ''})` +
      `${outsideWeek ? `; the marketing report’s missed follow-ups (${namePeriods(report.marketing).last7Days.days}) leave out ${outsideWeek}` : ''}.`;

  const sections: SafeHtml[] = [emailSection(report.quiet ? 'All caught up' : 'Missed follow-ups', html`${heading(subject)}${paragraph(summary)}`, { first: true })];
  if (sales.byRep.length) sections.push(emailSection('Totals per rep', repTotalsTable(sales.byRep, config)));
  for (const group of sales.byRep) {
    const { shown, more } = listed(group.leads, MAX_LISTED.perRep, IN_THE_CSV);
    sections.push(emailSection(`${repHeading(group.rep)} · ${plural(group.leads.length, 'overdue lead')}`, html`${leadTable(shown, report, links)}${moreParagraph(more)}`));
  }
  if (sales.alertFailed.length) {
    const { shown, more } = listed(sales.alertFailed, MAX_LISTED.perList, WAITING_LIST);
    sections.push(emailSection('Alert not delivered', html`${paragraph('The owner was never told about these leads: the alert email failed. Forward them by hand.')}${leadTable(shown, report, links, { showOwner: true, config })}${moreParagraph(more)}`));
  }
  if (sales.unassigned.length) {
    const { shown, more } = listed(sales.unassigned, MAX_LISTED.perList, WAITING_LIST);
    sections.push(emailSection('No owner', html`${paragraph('Nobody owns these leads yet. Assign them before they go cold.')}${leadTable(shown, report, links, { showOwner: true, config })}${moreParagraph(more)}`));
  }
  if (report.emailProblems.length) {
    sections.push(emailSection('Email problems', html`${paragraph(EMAIL_PROBLEMS_INTRO)}${emailProblemTable(report.emailProblems, report)}`));
  }

  const text = [
    subject,
    '',
    summary,
    ...sales.byRep.flatMap((group) => ['', `${repHeading(group.rep)} · ${plural(group.leads.length, 'overdue lead')}`, ...listedLines(group.leads, MAX_LISTED.perRep, IN_THE_CSV, (row) => leadLine(row, report, links))]),
    ...(sales.alertFailed.length ? ['', 'Alert not delivered:', ...listedLines(sales.alertFailed, MAX_LISTED.perList, WAITING_LIST, (row) => leadLine(row, report, links, config))] : []),
    ...(sales.unassigned.length ? ['', 'No owner:', ...listedLines(sales.unassigned, MAX_LISTED.perList, WAITING_LIST, (row) => leadLine(row, report, links, config))] : []),
    ...(report.emailProblems.length ? ['', 'Email problems:', EMAIL_PROBLEMS_INTRO, ...report.emailProblems.map((problem) => emailProblemLine(problem, report))] : []),
    '',
    footerText(config, report, salesNote(report, config)),
  ].join('\n');

  return {
    subject: headerSafe(subject, 250),
    html: layout(config, subject, summary, sections, report, salesNote(report, config)),
    text,
    csv: overdueCsv(report, config, links),
  };
}

export function renderMarketingReport(report: NightlyReport, config: Config): RenderedEmail {
  const { marketing } = report;
  const periodNames = namePeriods(marketing);
  const [yesterday, lastWeek] = [`yesterday (${periodNames.lastDay.days})`, `last 7 days (${periodNames.last7Days.days})`];
  const totals = marketing.total;
  const subject = `Speed to lead · ${marketingHeadline(totals, periodNames)}`;
  // The sales report's overdue count also takes in leads captured outside these 7 days; said where the figures differ.
  const outsideWeek = overdueOutsideWeek(report);
  const summary =
    totals.last7Days.captured === 0
      ? `No leads were captured in the ${lastWeek}${outsideWeek ? `; the sales report’s overdue leads include ${outsideWeek}` : ''}.`
      : `${plural(totals.lastDay.captured, 'lead')} ${yesterday} and ${totals.last7Days.captured} in the ${lastWeek}; ` +
        `${plural(totals.last7Days.missed, 'missed follow-up')}${outsideWeek ? ` (the sales report’s overdue leads also include ${outsideWeek})` : ''}` +
        ` and ${plural(totals.last7Days.deals, 'deal')} in the last 7 days.`;

  const sections: SafeHtml[] = [
    emailSection(`Speed to lead · ${periodNames.lastDay.days} and the 7 days to it`, html`${heading(subject)}${paragraph(summary)}${funnelTable('Total', [totals], periodNames)}`, { first: true }),
    emailSection('Elapsed time to first contact', html`${paragraph(BANDS_NOTE)}${bandsTable(totals, periodNames)}`),
  ];
  const dimensions: Array<[title: string, column: string, rows: FunnelRow[]]> = [
    ['By source', 'Source', marketing.bySource],
    ['By campaign', 'Campaign', marketing.byCampaign],
    ['By channel', 'Channel', marketing.byChannel],
    ['By event', 'Event', marketing.byEvent],
  ];
  for (const [title, column, rows] of dimensions) {
    if (rows.length) sections.push(emailSection(title, html`${funnelTable(column, rows, periodNames)}${bandsByRowTable(rows, periodNames.last7Days)}`));
  }
  sections.push(emailSection('How to read this', definitions(report.timezone)));

  const text = [
    subject,
    '',
    summary,
    '',
    ...funnelLines(totals, periodNames),
    ...dimensions.flatMap(([title, , rows]) => (rows.length ? ['', title, ...rows.flatMap((row) => funnelLines(row, periodNames))] : [])),
    '',
    definitionsOf(report.timezone).map(([term, meaning]) => `${term}: ${meaning}`).join('\n'),
    '',
    footerText(config, report),
  ].join('\n');

  return { subject: headerSafe(subject, 250), html: layout(config, subject, summary, sections, report), text };
}

/**
 * "Wed 25 Nov: 17 leads, 4 of 4 due contacted within SLA · 19–25 Nov: 2 missed follow-ups". Counts, not a share: 100%
 * of 4 read as a percentage hides that 12 are still pending. The week's missed follow-ups are named whenever the body
 * counts some, so a day with nothing due yet does not read as all clear; each figure follows its days, so the day's
 * "none due yet" is not read against the week's misses.
 */
function marketingHeadline({ lastDay, last7Days }: FunnelRow, periods: PeriodNames): string {
  const day = lastDay.captured === 0
    ? 'no new leads'
    : `${plural(lastDay.captured, 'lead')}, ${lastDay.outcomeKnown === 0 ? 'none due yet' : `${lastDay.contactedInTime} of ${lastDay.outcomeKnown} due contacted within SLA`}`;
  const missed = last7Days.missed ? plural(last7Days.missed, 'missed follow-up') : undefined;
  const week = [lastDay.captured === 0 && last7Days.captured ? plural(last7Days.captured, 'lead') : undefined, missed].filter(Boolean).join(', ');
  return [`${periods.lastDay.days}: ${day}`, ...(week ? [`${periods.last7Days.days}: ${week}`] : [])].join(' · ');
}

export function renderRepDigest(teamReport: NightlyReport, digest: RepGroup, config: Config, links: LeadLink): RenderedLeadList {
  // A rep reads times on their own team's clock.
  const report = { ...teamReport, timezone: calendarOfRep(config, digest.rep.id).timezone };
  const firstName = digest.rep.name.split(' ')[0] ?? digest.rep.name;
  const subject = `${plural(digest.leads.length, 'lead')} waiting for your first contact`;
  const summary = `Hi ${firstName}, ${digest.leads.length === 1 ? 'this lead has' : 'these leads have'} passed the follow-up deadline without a recorded contact. Once you have reached one, use Mark contacted to record it.`;
  const { shown, more } = listed(digest.leads, MAX_LISTED.digest, IN_THE_CSV);
  const sections = [emailSection(`Your overdue leads · ${asOf(report)}`, html`${heading(subject)}${paragraph(summary)}${leadTable(shown, report, links)}${moreParagraph(more)}`, { first: true })];
  const text = [subject, '', summary, '', ...listedLines(digest.leads, MAX_LISTED.digest, IN_THE_CSV, (row) => leadLine(row, report, links)), '', footerText(config, report)].join('\n');
  return { subject: headerSafe(subject, 250), html: layout(config, subject, summary, sections, report), text, ...(more ? { csv: leadsCsv(digest.leads, report, config, links) } : {}) };
}

export function renderEscalation(teamReport: NightlyReport, escalation: Escalation, config: Config, links: LeadLink): RenderedLeadList {
  // A manager whose reps all work on one team's clock reads times on it, as those reps do in their digests.
  const clocks = new Set(escalation.byRep.map((group) => calendarOfRep(config, group.rep.id).timezone));
  const report = clocks.size === 1 ? { ...teamReport, timezone: [...clocks][0]! } : teamReport;
  const threshold = `${report.escalateAfterHours} hours`;
  const subject = `Escalation: ${plural(escalation.leadCount, 'lead')} overdue by more than ${threshold}`;
  const summary = `${plural(escalation.leadCount, 'lead')} in your team ${escalation.leadCount === 1 ? 'has' : 'have'} waited more than ${threshold} past the first-contact deadline.`;
  const lists = escalation.byRep.map((group) => ({ group, ...listed(group.leads, MAX_LISTED.perRep, IN_THE_CSV) }));
  const sections = [
    emailSection(`Escalation · ${asOf(report)}`, html`${heading(subject)}${paragraph(summary)}`, { first: true }),
    ...lists.map(({ group, shown, more }) => emailSection(`${repHeading(group.rep)} · ${plural(group.leads.length, 'lead')}`, html`${leadTable(shown, report, links)}${moreParagraph(more)}`)),
  ];
  const text = [
    subject,
    '',
    summary,
    ...escalation.byRep.flatMap((group) => ['', repHeading(group.rep), ...listedLines(group.leads, MAX_LISTED.perRep, IN_THE_CSV, (row) => leadLine(row, report, links))]),
    '',
    footerText(config, report),
  ].join('\n');
  const truncated = lists.some(({ more }) => more !== undefined);
  return { subject: headerSafe(subject, 250), html: layout(config, subject, summary, sections, report), text, ...(truncated ? { csv: leadsCsv(escalation.byRep.flatMap((group) => group.leads), report, config, links) } : {}) };
}

/**
 * How many leads a list in a report email shows, most overdue first. After a big show thousands of scans can be
 * overdue at once: listed whole, the sales report was 9 MB (SES refuses a message over 10 MB, and Gmail clips one
 * after about 100 KB). The CSV attached to the email keeps every lead (the sales report's always, a digest's or an
 * escalation's when it lists only some); the CLI lists leads still waiting.
 */
const MAX_LISTED = { perRep: 10, perList: 25, digest: 40 } as const;
const IN_THE_CSV = 'in the attached CSV';
const WAITING_LIST = 'all listed by the command handoff leads --waiting';

/** The first `limit` rows, and the line that says where the rest are (undefined when none is left out). */
function listed<Row>(rows: readonly Row[], limit: number, where: string): { shown: readonly Row[]; more: string | undefined } {
  return rows.length <= limit ? { shown: rows, more: undefined } : { shown: rows.slice(0, limit), more: `and ${rows.length - limit} more, ${where}.` };
}

function listedLines<Row>(rows: readonly Row[], limit: number, where: string, line: (row: Row) => string): string[] {
  const { shown, more } = listed(rows, limit, where);
  return [...shown.map(line), ...(more ? [more] : [])];
}

function moreParagraph(more: string | undefined): SafeHtml | string {
  return more ? paragraph(more) : '';
}

function overdueCsv(report: NightlyReport, config: Config, links: LeadLink): string {
  return leadsCsv([...report.sales.byRep.flatMap((group) => group.leads), ...report.sales.unassigned.filter(isOverdue)], report, config, links);
}

function leadsCsv(rows: readonly LeadRow[], report: NightlyReport, config: Config, links: LeadLink): string {
  return toCsv([
    ['Lead ID', 'Name', 'Company', 'Email', 'Phone', 'Source', 'Campaign', 'Channel', 'Score', 'Owner', 'Received', 'Deadline', 'Deadline (local)', 'Overdue hours', 'Overdue business hours', 'Alert', 'Mark contacted link'],
    ...rows.map((row) => [
      row.leadId,
      row.name,
      row.company,
      row.email,
      phoneOf(row)?.readable,
      row.sourceLabel,
      row.campaign,
      row.channel,
      row.score,
      ownerName(row, config),
      row.receivedAt,
      row.followUpDeadline,
      formatLocal(new Date(row.followUpDeadline), report.timezone),
      roundTo(row.overdueMs / HOUR_MS, 1),
      roundTo(row.overdueBusinessHours, 1),
      row.alertStatus,
      links(row.leadId),
    ]),
  ]);
}

/** The CSV, and whose hours "business h" counts when a team keeps its own clock (its deadline is still shown in the report's timezone). */
function salesNote(report: NightlyReport, config: Config): string | undefined {
  if (report.quiet) return undefined;
  const ownClocks = config.teams.filter((team) => team.timezone || team.businessHours || team.holidays).map((team) => `${team.name}: ${team.timezone ?? report.timezone}`);
  const hours = ownClocks.length ? ` Business hours are counted on each owner's team clock (${ownClocks.join('; ')}; the others: ${report.timezone}).` : '';
  return `The attached CSV lists every overdue lead.${hours}`;
}

function layout(config: Config, title: string, preheader: string, sections: SafeHtml[], report: NightlyReport, note?: string): string {
  return renderEmailLayout({
    title,
    preheader,
    organisation: config.organisation.name,
    body: html`${sections}`,
    footer: html`${footerText(config, report, note)}`,
  });
}

function footerText(config: Config, report: NightlyReport, note?: string): string {
  const times = `Times in ${report.timezone}; generated ${formatLocal(new Date(report.generatedAt), report.timezone)}.`;
  return [`Nightly report for ${config.organisation.name}.`, times, note].filter(Boolean).join(' ');
}

function heading(text: string): SafeHtml {
  return html`<div style="font-size:20px;line-height:1.3;font-weight:700;color:${c.text};padding-bottom:6px;">${text}</div>`;
}

function paragraph(text: string): SafeHtml {
  return html`<p style="margin:0 0 12px 0;font-size:14px;line-height:1.5;color:${c.text};">${text}</p>`;
}

const TABLE = 'width:100%;border-collapse:collapse;font-size:13px;line-height:1.4;';
const TH = `padding:6px 6px;border-bottom:2px solid ${c.border};font-size:11px;font-weight:700;letter-spacing:0.04em;text-transform:uppercase;color:${c.muted};text-align:left;`;
const TD = `padding:8px 6px;border-bottom:1px solid ${c.border};vertical-align:top;color:${c.text};`;
const NUM = 'text-align:right;white-space:nowrap;';
/** Headers may wrap: on a 375 px phone "Most overdue" over two lines is what keeps the table inside the screen. */
const NUM_HEAD = 'text-align:right;';
/** The marketing tables have six columns, so they give up some padding to fit a phone. */
const TIGHT = 'padding-left:4px;padding-right:4px;';
/** And their headers go without capitals and letter spacing, which cost a 375 px phone some 20 px per table. */
const PLAIN_HEAD = 'text-transform:none;letter-spacing:0;';
/**
 * Channel names like "via news.ycombinator.com" are one long word. Put through breakableAfterDots they wrap between
 * labels; one label too long for the screen still breaks rather than widen the table.
 */
const BREAKABLE = 'overflow-wrap:anywhere;word-break:break-word;';
const SMALL = `display:block;font-size:12px;color:${c.muted};`;
const CONTACT_LINK = `color:${c.brand};text-decoration:none;`;

/**
 * One lead per row, in one column: beside a deadline and an overdue column a 375 px phone left the lead some 80 px,
 * and names and addresses broke letter by letter. Stacked, every line has the full width on a phone and on a desktop,
 * with no media query (the Gmail app ignores some).
 */
function leadTable(rows: readonly LeadRow[], report: NightlyReport, links: LeadLink, owner?: { showOwner: true; config: Config }): SafeHtml {
  return html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="${TABLE}">
${rows.map((row) => {
  const late = isOverdue(row);
  const overdueColour = late ? (row.overdueMs > report.escalateAfterHours * HOUR_MS ? c.danger : c.warning) : c.muted;
  const showOwner = owner && row.ownerId !== undefined;
  return html`<tr>
<td style="${TD}${BREAKABLE}padding-top:12px;padding-bottom:12px;"><span style="display:block;font-size:14px;font-weight:600;">${nameIsAddress(row) ? breakableAfterDots(row.name) : row.name}</span>${row.company ? html`<span style="${SMALL}">${row.company}</span>` : ''}${contactLinks(row)}${showOwner ? html`<span style="${SMALL}">Owner: ${ownerName(row, owner.config)}</span>` : ''}<span style="${SMALL}${BREAKABLE}padding-top:2px;">${breakableAfterDots(row.sourceLabel)} · score ${row.score ?? '—'}</span>
<span style="display:block;padding-top:6px;color:${overdueColour};font-weight:700;">${late ? html`Overdue ${unbreakableDuration(row.overdueMs)}<span style="font-weight:400;"> · ${businessPartOfOverdue(row.overdueBusinessHours, unbreakable)}</span>` : `Due in ${unbreakableDuration(-row.overdueMs)}`}</span>
<span style="${SMALL}">Deadline ${formatLocal(new Date(row.followUpDeadline), report.timezone)} · received ${unbreakableDuration(row.ageMs)} ago</span>
${markContactedButton(links(row.leadId))}</td>
</tr>`;
})}
</table>`;
}

/**
 * The lead's only action link, labelled with what it does: it used to sit on the lead's name, and a manager who clicked
 * a name to see the lead landed on a form that records a contact. The owner alert's button, at one width for phone and desktop.
 */
function markContactedButton(href: string): SafeHtml {
  return html`<table role="presentation" width="200" cellpadding="0" cellspacing="0" border="0" style="width:200px;margin-top:10px;border-collapse:separate;"><tr>${emailButtonCell(href, 'Mark contacted', 'outline')}</tr></table>`;
}

const EMAIL_PROBLEMS_INTRO =
  'SES reported these addresses in the last 7 days. Alerts and reports to them may not arrive: correct a hard-bounced address in the config, and ask whoever complained to stop marking Handoff email as spam.';

function emailProblemTable(problems: readonly EmailProblem[], report: NightlyReport): SafeHtml {
  return html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="${TABLE}">
<tr><th width="38%" style="${TH}">Address</th><th width="30%" style="${TH}">Problem</th><th width="32%" style="${TH}">Last reported</th></tr>
${problems.map(
  (problem) => html`<tr><td style="${TD}${BREAKABLE}font-weight:600;">${breakableAfterDots(problem.address)}${problem.roles.length ? html`<span style="${SMALL}font-weight:400;">${problem.roles.join('; ')}</span>` : ''}</td><td style="${TD}color:${problem.lastEvent === 'complaint' || problem.bounceType === 'Permanent' ? c.danger : c.warning};font-weight:700;">${problemName(problem)}<span style="${SMALL}font-weight:400;">${problemCounts(problem)}</span></td><td style="${TD}">${formatLocal(new Date(problem.lastEventAt), report.timezone)}</td></tr>`,
)}
</table>`;
}

function emailProblemLine(problem: EmailProblem, report: NightlyReport): string {
  const roles = problem.roles.length ? ` (${problem.roles.join('; ')})` : '';
  return `- ${problem.address}${roles}: ${problemName(problem)}, ${problemCounts(problem)}; last ${formatLocal(new Date(problem.lastEventAt), report.timezone)}`;
}

/** The latest event in words: a permanent bounce is a hard bounce, SES stops retrying and so should we. */
function problemName(problem: EmailProblem): string {
  if (problem.lastEvent === 'complaint') return `complaint${problem.complaintFeedbackType ? ` (${problem.complaintFeedbackType})` : ''}`;
  const kind = problem.bounceType === 'Permanent' ? 'hard bounce' : problem.bounceType === 'Transient' ? 'soft bounce' : 'bounce';
  return `${kind}${problem.bounceSubType ? ` (${problem.bounceSubType})` : ''}`;
}

function problemCounts(problem: EmailProblem): string {
  return [problem.bounces ? plural(problem.bounces, 'bounce') : '', problem.complaints ? plural(problem.complaints, 'complaint') : ''].filter(Boolean).join(', ');
}

function repTotalsTable(groups: readonly RepGroup[], config: Config): SafeHtml {
  return html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="${TABLE}">
<tr><th style="${TH}">Rep</th><th style="${TH}">Team</th><th style="${TH}${NUM_HEAD}">Overdue</th><th style="${TH}${NUM_HEAD}">Most overdue</th></tr>
${groups.map(
  (group) => html`<tr><td style="${TD}font-weight:600;">${repHeading(group.rep)}</td><td style="${TD}color:${c.muted};">${config.teams.find((team) => team.id === group.rep.team)?.name ?? group.rep.team}</td><td style="${TD}${NUM}font-weight:700;">${group.leads.length}</td><td style="${TD}${NUM}">${formatDuration(group.leads[0]?.overdueMs ?? 0)}</td></tr>`,
)}
</table>`;
}

/** "Yesterday" with "Wed 25 Nov", "Last 7 days" with "19–25 Nov": every figure says which days it covers. */
interface PeriodName {
  name: string;
  days: string;
}

interface PeriodNames {
  lastDay: PeriodName;
  last7Days: PeriodName;
}

function namePeriods({ lastDay, last7Days }: NightlyReport['marketing']): PeriodNames {
  return { lastDay: { name: 'Yesterday', days: formatShortDate(lastDay.from) }, last7Days: { name: 'Last 7 days', days: formatDayRange(last7Days.from, last7Days.to) } };
}

function periodLabel(period: PeriodName): string {
  return `${period.name} (${period.days})`;
}

function periodCell(period: PeriodName): SafeHtml {
  return html`${period.name}<span style="${SMALL}font-size:11px;font-weight:400;letter-spacing:0;text-transform:none;">${period.days}</span>`;
}

function funnelTable(firstColumn: string, rows: readonly FunnelRow[], periods: PeriodNames): SafeHtml {
  return html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="${TABLE}">
<tr><th style="${TH}${TIGHT}${PLAIN_HEAD}">${firstColumn}</th>${['Leads', 'Within SLA', 'P50 / P95', 'Missed', 'Deals'].map((title) => html`<th style="${TH}${TIGHT}${PLAIN_HEAD}${NUM_HEAD}">${title}</th>`)}</tr>
${rows.map(
  (row) => html`<tr><td colspan="6" style="${BREAKABLE}padding:10px 4px 2px 4px;font-weight:700;color:${c.text};">${breakableAfterDots(row.label)}</td></tr>
${(['lastDay', 'last7Days'] as const).map((period) => funnelCells(periods[period], row[period]))}
<tr><td colspan="6" style="padding:2px 4px 8px 8px;border-bottom:1px solid ${c.border};font-size:12px;color:${c.muted};">${periods.last7Days.name}: ${beyondTheLeads(row.last7Days).join(' · ')}${
  row.last7Days.p50BusinessHours === null ? '' : html`<br>In business hours: P50\u00a0${unbreakable(formatBusinessTime(row.last7Days.p50BusinessHours))} · P95\u00a0${unbreakable(formatBusinessTime(row.last7Days.p95BusinessHours))}`
}</td></tr>`,
)}
</table>`;
}

/** A rep as the sales report and an escalation name them: "Jonas Weber (away until Wed 2 Dec)" for a rep who cannot answer now. */
function repHeading(rep: ReportRep): string {
  return rep.away === undefined ? rep.name : `${rep.name} (${describeAbsence(rep.away)})`;
}

/**
 * Business time in hours and minutes, never days ("43 h", "14 h 48 min", "30 min"): a day of business time is
 * not 24 hours, so "1 d 19 h" would mislead, and "14.8 business h" reads worse beside an elapsed "1 d 21 h".
 */
export function formatBusinessTime(hours: number | null): string {
  if (hours === null) return '—';
  const minutes = Math.round(Math.max(0, hours) * 60);
  const whole = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (whole === 0) return `${rest} min`;
  return rest === 0 ? `${whole} h` : `${whole} h ${rest} min`;
}

/**
 * How much of a lead's overdue time fell in business hours. A deadline that passed after hours has none yet, and
 * "0 min in business hours" beside "overdue 2 min" reads like a contradiction.
 */
function businessPartOfOverdue(hours: number | null, shown: (text: string) => string = (text) => text): string {
  return hours !== null && Math.round(hours * 60) <= 0 ? 'none of it in business hours' : `${shown(formatBusinessTime(hours))} in business hours`;
}

function unbreakable(text: string): string {
  return text.replaceAll(' ', '\u00a0');
}

/**
 * "2 not a fit", "1 returning visit", "3 spam": what a row's submissions were besides leads waiting for a contact.
 * On a line of its own under the figures, not in more columns, which a phone could not fit.
 */
function beyondTheLeads(figures: FunnelFigures): string[] {
  return [
    `${figures.notAFit} not a fit`,
    plural(figures.returningVisits, 'returning visit'),
    ...(figures.spam === undefined ? [] : [`${figures.spam} spam`]),
  ];
}

/** "1 d 18 h" read as "1 d" on one line and "18 h" on the next is two figures, so a duration never wraps. */
function unbreakableDuration(ms: number | null): string {
  return unbreakable(formatOptionalDuration(ms));
}

function funnelCells(period: PeriodName, figures: FunnelFigures): SafeHtml {
  const cell = `padding:3px 4px;${NUM}`;
  const missedColour = figures.missed > 0 ? c.danger : c.text;
  // P50 in the P95's smaller size: an unbreakable "23 h 59 min" is the widest value a phone has to fit.
  return html`<tr><td style="padding:3px 4px 3px 8px;font-size:12px;color:${c.muted};">${periodCell(period)}</td><td style="${cell}">${figures.captured}</td><td style="${cell}">${formatShare(figures.withinSlaShare)}${figures.outcomeKnown ? html`<span style="${SMALL}">${figures.contactedInTime} of ${figures.outcomeKnown}</span>` : ''}</td><td style="${cell}font-size:12px;">${unbreakableDuration(figures.p50Ms)}<span style="${SMALL}">${unbreakableDuration(figures.p95Ms)}</span></td><td style="${cell}color:${missedColour};font-weight:${figures.missed > 0 ? 700 : 400};">${figures.missed}</td><td style="${cell}">${figures.deals}</td></tr>`;
}

const BANDS_NOTE =
  'Elapsed time, nights and weekends included, as the person who filled the form waits it. Deadlines count business hours, so a lead from Friday evening answered on Monday morning is “Over 24 h” here, and within SLA.';

const BAND_LABELS: Record<SlaBand, string> = {
  under5m: 'Under 5 min',
  '5to15m': '5–15 min',
  '15to60m': '15–60 min',
  '1to24h': '1–24 h',
  over24h: 'Over 24 h',
  notYet: 'Not yet',
};

const BAND_SHORT_LABELS: Record<SlaBand, string> = { under5m: '<5m', '5to15m': '5–15m', '15to60m': '15–60m', '1to24h': '1–24h', over24h: '>24h', notYet: 'Not yet' };

function bandsTable(row: FunnelRow, periods: PeriodNames): SafeHtml {
  const weekTotal = SLA_BANDS.reduce((sum, band) => sum + row.last7Days.bands[band], 0);
  return html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="${TABLE}">
<tr><th style="${TH}">Band</th><th style="${TH}${NUM_HEAD}">${periodCell(periods.lastDay)}</th><th style="${TH}${NUM_HEAD}">${periodCell(periods.last7Days)}</th><th style="${TH}">Share, last 7 days</th></tr>
${SLA_BANDS.map((band) => {
  const count = row.last7Days.bands[band];
  const share = weekTotal === 0 ? 0 : count / weekTotal;
  const colour = band === 'notYet' ? c.warning : band === 'over24h' ? c.danger : c.brand;
  return html`<tr><td style="${TD}white-space:nowrap;">${BAND_LABELS[band]}</td><td style="${TD}${NUM}">${row.lastDay.bands[band]}</td><td style="${TD}${NUM}font-weight:700;">${count}</td><td style="${TD}">${bar(share, colour)}</td></tr>`;
})}
</table>`;
}

/** A bar made of a table cell with a percentage width: email clients ignore most CSS but honour this. */
function bar(share: number, colour: string): SafeHtml {
  // At least a sliver for some, so 1 of 610 does not look like none; the label says how much (formatShare).
  const width = share > 0 ? Math.max(1, Math.round(share * 100)) : 0;
  if (width === 0) return html`<span style="font-size:12px;color:${c.muted};">${formatShare(share)}</span>`;
  return html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td width="${width}%" bgcolor="${colour}" style="width:${width}%;background:${colour};height:12px;font-size:0;line-height:0;">&nbsp;</td><td style="padding-left:6px;font-size:12px;color:${c.muted};white-space:nowrap;">${formatShare(share)}</td></tr></table>`;
}

function bandsByRowTable(rows: readonly FunnelRow[], week: PeriodName): SafeHtml {
  return html`<div style="font-size:12px;color:${c.muted};padding:14px 0 4px 0;">Elapsed time to first contact, ${week.name.toLowerCase()} (${week.days})</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="${TABLE}font-size:12px;">
<tr>${SLA_BANDS.map((band) => html`<th style="${TH}${TIGHT}${NUM}${PLAIN_HEAD}">${BAND_SHORT_LABELS[band]}</th>`)}</tr>
${rows.map(
  // The label takes a row of its own, as in the funnel table: beside six counts a phone leaves it one word per line.
  (row) => html`<tr><td colspan="${SLA_BANDS.length}" style="${BREAKABLE}padding:8px 4px 0 4px;font-weight:600;color:${c.text};">${breakableAfterDots(row.label)}</td></tr>
<tr>${SLA_BANDS.map((band) => html`<td style="${TD}${TIGHT}${NUM}padding-top:2px;${band === 'notYet' && row.last7Days.bands[band] > 0 ? `color:${c.warning};font-weight:700;` : ''}">${row.last7Days.bands[band]}</td>`)}</tr>`,
)}
</table>`;
}

function definitionsOf(timezone: string): ReadonlyArray<readonly [term: string, meaning: string]> {
  return [
    ['Periods', `whole calendar days in ${timezone}: yesterday, and the 7 days that end with it. Leads captured today count in tomorrow’s report.`],
    ...DEFINITIONS,
  ];
}

const DEFINITIONS = [
  ['Leads', 'captured, without spam and returning visits, which are counted beside them.'],
  ['Campaign', 'the UTM campaign the lead came with, else its form’s campaign.'],
  ['Channel', 'utm_source / utm_medium, else an ad click id’s network (google / cpc for a gclid, bing / cpc, facebook / social …), else “event: …” for an event’s form (booth entries, imported scans), else the form tool’s lead source, else the referring site; (direct) when there is none.'],
  ['Within SLA', 'first contact at or before the form’s deadline, out of the leads that were contacted or whose deadline passed.'],
  ['P50 / P95', 'elapsed time from capture to first contact (nearest rank): half, and 95 in 100, of contacted leads were reached this fast. “In business hours” under each row: the same, counted in the owner’s business hours, as deadlines are.'],
  ['Bands', 'elapsed time to first contact, nights and weekends included; “Not yet”: missed, or still inside the deadline.'],
  ['Missed', 'deadline passed, still no first contact. Disqualified and spam leads are never missed; a late contact is not a miss.'],
  ['Deals', 'leads a rep marked qualified.'],
  ['Not a fit', 'leads a rep disqualified.'],
  ['Returning visits', 'submissions of people who already had an open lead: joined to that lead for sales, counted here as a touchpoint of the form, campaign and channel they came through.'],
  ['Spam', 'submissions caught as spam, per form and event (not per campaign or channel: bots fill those fields at will). Never a lead, never a missed follow-up.'],
] as const;

function definitions(timezone: string): SafeHtml {
  return html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="font-size:12px;line-height:1.5;color:${c.muted};">
${definitionsOf(timezone).map(([term, meaning]) => html`<tr><td valign="top" width="90" style="width:90px;padding:2px 8px 2px 0;font-weight:700;">${term}</td><td style="padding:2px 0;">${meaning}</td></tr>`)}
</table>`;
}

function leadLine(row: LeadRow, report: NightlyReport, links: LeadLink, config?: Config): string {
  const when = isOverdue(row) ? `overdue ${formatDuration(row.overdueMs)} (${businessPartOfOverdue(row.overdueBusinessHours)})` : `due in ${formatDuration(-row.overdueMs)}`;
  // A row named by its address shows it once, in the first line.
  const contact = [nameIsAddress(row) ? undefined : row.email, phoneOf(row)?.readable].filter(Boolean).join(' · ');
  return [
    `- ${row.name}${row.company ? `, ${row.company}` : ''} · ${row.sourceLabel} · score ${row.score ?? '—'}`,
    ...(contact ? [`  ${contact}`] : []),
    `  ${when}; deadline ${formatLocal(new Date(row.followUpDeadline), report.timezone)}; received ${formatDuration(row.ageMs)} ago${config && row.ownerId !== undefined ? `; owner ${ownerName(row, config)}` : ''}`,
    `  Mark contacted: ${links(row.leadId)}`,
  ].join('\n');
}

function funnelLines(row: FunnelRow, periods: PeriodNames): string[] {
  return [
    `${row.label}`,
    ...(['lastDay', 'last7Days'] as const).map((period) => {
      const f = row[period];
      const bands = SLA_BANDS.map((band) => `${BAND_SHORT_LABELS[band]} ${f.bands[band]}`).join(', ');
      const business = f.p50BusinessHours === null ? '' : ` (business hours: ${formatBusinessTime(f.p50BusinessHours)}, ${formatBusinessTime(f.p95BusinessHours)})`;
      return `  ${periodLabel(periods[period])}: ${plural(f.captured, 'lead')}, ${formatShare(f.withinSlaShare)} within SLA${f.outcomeKnown ? ` (${f.contactedInTime} of ${f.outcomeKnown})` : ''}, P50 ${formatOptionalDuration(f.p50Ms)}, P95 ${formatOptionalDuration(f.p95Ms)}${business}, ${f.missed} missed, ${[plural(f.deals, 'deal'), ...beyondTheLeads(f)].join(', ')}; elapsed bands: ${bands}`;
    }),
  ];
}

/** Nothing but the address names the person (they gave no name and none could be read from it), so it is the row's name. */
function nameIsAddress(row: LeadRow): boolean {
  return row.email !== undefined && row.name.toLowerCase() === row.email.toLowerCase();
}

/** The address and the phone as links, so a rep can write or call straight from the report. */
function contactLinks(row: LeadRow): SafeHtml {
  const phone = phoneOf(row);
  // A row named by its address already shows it: its mail link says what it does instead of repeating it.
  const address = row.email === undefined ? undefined : nameIsAddress(row) ? 'Send email' : breakableAfterDots(row.email);
  return html`${row.email === undefined ? '' : html`<span style="${SMALL}"><a href="${mailtoHref(row.email)}" style="${CONTACT_LINK}">${address}</a></span>`}${
    phone ? html`<span style="${SMALL}">${phone.dialable ? html`<a href="tel:${phone.dialable}" style="${CONTACT_LINK}">${phone.readable}</a>` : phone.readable}</span>` : ''
  }`;
}

/** The phone as the owner alert shows it; a lead read from the deadline index alone has no enrichment, so as typed. */
function phoneOf(row: LeadRow): { readable: string; dialable?: string } | undefined {
  return row.phone ? phoneForRep(row.phone, row.phoneE164) : undefined;
}

/**
 * "1 captured before 19 Nov", "2 captured before 19 Nov and 1 on 26 Nov": the sales report's overdue leads that the
 * marketing report's missed follow-ups leave out, because they were captured outside its 7 days.
 */
function overdueOutsideWeek(report: NightlyReport): string | undefined {
  const { capturedBefore, capturedAfter } = report.sales.overdueOutsideWeek;
  const before = capturedBefore ? `${capturedBefore} captured before ${formatDayMonth(report.marketing.last7Days.from)}` : '';
  const after = capturedAfter ? `${capturedAfter}${before ? '' : ' captured'} on ${formatDayMonth(report.reportDate)}` : '';
  return [before, after].filter(Boolean).join(' and ') || undefined;
}

function ownerName(row: LeadRow, config: Config): string {
  if (row.ownerId === undefined) return 'no owner';
  return config.salespeople.find((rep) => rep.id === row.ownerId)?.name ?? `${row.ownerId} (not in config)`;
}

function isOverdue(row: LeadRow): boolean {
  return row.overdueMs > 0;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** A share as a whole percentage; never "0%" for some or "100%" for not all: 5 of 3,183 in time reads "<1%". */
export function formatShare(share: number | null): string {
  if (share === null) return '—';
  const percent = Math.round(share * 100);
  if (percent === 0 && share > 0) return '<1%';
  if (percent === 100 && share < 1) return '>99%';
  return `${percent}%`;
}

function formatOptionalDuration(ms: number | null): string {
  return ms === null ? '—' : formatDuration(ms);
}

const DURATION_UNITS = [
  { ms: DAY_MS, name: 'd' },
  { ms: HOUR_MS, name: 'h' },
  { ms: MINUTE_MS, name: 'min' },
  { ms: SECOND_MS, name: 's' },
] as const;

/**
 * "45 s", "2 min", "4 h 30 min", "3 d 2 h": two units at most, which is all a reader takes in, the smaller one
 * rounded to the nearest (half up), so 23 h 59 min 40 s reads "1 d". Seconds only under a minute: "overdue 1 min 8 s"
 * is a precision nobody acts on, so 1 min 48 s reads "2 min".
 */
export function formatDuration(ms: number): string {
  const largest = DURATION_UNITS.findIndex((candidate) => candidate.ms <= ms);
  const index = largest === -1 ? DURATION_UNITS.length - 1 : largest;
  const unit = DURATION_UNITS[index]!;
  const smaller = DURATION_UNITS[index + 1];
  const precision = smaller && smaller.ms >= MINUTE_MS ? smaller : unit;
  const rounded = Math.round(Math.max(0, ms) / precision.ms) * precision.ms;
  const larger = DURATION_UNITS[index - 1];
  // Rounding can carry into the next unit: 59.6 s is "1 min", 59 min 40 s is "1 h", 23 h 59 min 40 s is "1 d".
  if (larger && rounded >= larger.ms) return formatDuration(rounded);
  const rest = precision === unit ? 0 : (rounded % unit.ms) / precision.ms;
  return `${Math.floor(rounded / unit.ms)} ${unit.name}${rest ? ` ${rest} ${precision.name}` : ''}`;
}

function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

const dayMonthFormatter = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short' });
const dayMonthYearFormatter = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' });
const shortDateFormatter = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short' });

/**
 * "as of Thu 26 Nov, 07:00 CET": the sales report, digests and escalations list what is overdue at the run, while the
 * marketing report sent with them covers the day before; "for Thu 26 Nov" beside "for Wed 25 Nov" read as two days.
 */
function asOf(report: NightlyReport): string {
  return `as of ${formatLocal(new Date(report.generatedAt), report.timezone)}`;
}

function formatDayMonth(date: string): string {
  return dayMonthFormatter.format(new Date(`${date}T00:00:00Z`));
}

function formatShortDate(date: string): string {
  return shortDateFormatter.format(new Date(`${date}T00:00:00Z`)).replace(',', '');
}

/** "19–25 Nov", "26 Nov – 2 Dec", "28 Dec 2026 – 3 Jan 2027": no more than the reader needs. */
function formatDayRange(from: string, to: string): string {
  const [fromYear, fromMonth] = from.split('-');
  const [toYear, toMonth] = to.split('-');
  const toDay = dayMonthFormatter.format(new Date(`${to}T00:00:00Z`));
  if (fromYear !== toYear) return `${dayMonthYearFormatter.format(new Date(`${from}T00:00:00Z`))} – ${dayMonthYearFormatter.format(new Date(`${to}T00:00:00Z`))}`;
  if (fromMonth !== toMonth) return `${dayMonthFormatter.format(new Date(`${from}T00:00:00Z`))} – ${toDay}`;
  return `${Number(from.slice(8))}–${toDay}`;
}
