import { randomBytes } from 'node:crypto';
import type { Config } from '../config/schema.ts';
import { WAITING_STATUSES, type Lead } from '../domain/lead.ts';
import { addDays, localDate } from '../domain/business-hours.ts';
import { buildNightlyReport, reportWindow, type NightlyReport } from '../domain/report.ts';
import { renderEscalation, renderMarketingReport, renderRepDigest, renderSalesReport, type LeadLink } from '../domain/render/reports.ts';
import { ACTION_LINK_DAYS, createActionToken, type ActionActor } from '../domain/action-token.ts';
import type { EmailHealthStore } from '../adapters/lead-store/email-health.ts';
import type { LeadStore } from '../adapters/lead-store/store.ts';
import type { Mailer, OutgoingEmail } from '../adapters/mailer.ts';
import { logger } from '../adapters/logger.ts';
import { recordOverdue } from '../adapters/metrics.ts';

export interface NightlyReportDependencies {
  config: Config;
  store: LeadStore;
  mailer: Mailer;
  /** Signs the one-click "contacted" links in the reports. */
  actionSecret: string;
  /** The real clock: claim times and link expiry. The figures are taken as of the scheduled time. */
  now: () => Date;
  /** SES bounce and complaint marks for the sales report's "Email problems"; without it the section is left out. */
  emailHealth?: Pick<EmailHealthStore, 'marks'>;
}

export interface NightlyReportSummary {
  /** The org-local date of the run, YYYY-MM-DD: the idempotency key of every email in it. */
  reportDate: string;
  /** Leads past their first-contact deadline without a recorded contact. */
  overdue: number;
  /** Report kinds sent by this run: 'sales', 'marketing', 'digest#<repId>', 'escalation#<managerEmail>'. */
  sent: string[];
  /** Report kinds an earlier run for the same date already claimed. */
  skipped: string[];
}

/** Some emails of a run could not be sent; their claims are released, so a retry sends exactly those. */
export class NightlyReportSendError extends Error {
  override readonly name = 'NightlyReportSendError';
}

interface PlannedEmail {
  kind: string;
  /** Rendered only once the email is claimed: a rerun renders and signs nothing it will not send. */
  compose: () => Omit<OutgoingEmail, 'idempotencyKey'>;
}

const DAY_MS = 86_400_000;

/**
 * The nightly missed-follow-up run: read the overdue leads from the deadline index and the last 7 days from
 * the by-day index (Query only, never Scan), build the figures as of the scheduled time, and send the sales
 * report, the marketing report, one digest per rep with overdue leads and one escalation per manager.
 *
 * Each email is claimed for the report date before it is sent, so a retried or duplicated run sends nothing
 * twice. A failed send releases its claim and the run throws after trying the rest, so the Scheduler retry
 * sends only what is missing. A run that dies between claim and send loses that one email: at most once,
 * because a report sent twice teaches people to ignore it.
 */
export async function runNightlyReport({ scheduledTime }: { scheduledTime: Date }, deps: NightlyReportDependencies): Promise<NightlyReportSummary> {
  const { config, store, mailer } = deps;
  const { reportDate, report, leads } = await reportAsOf(scheduledTime, deps);
  // Counted before any email goes out: a run whose sends fail still knows how many leads are overdue.
  recordOverdue(report.sales.overdueCount);
  const linksFor = contactedLinks(leads, deps);

  const sent: string[] = [];
  const skipped: string[] = [];
  const failed: string[] = [];
  for (const { kind, compose } of plannedEmails(report, config, linksFor)) {
    if (!(await store.claimReport(reportDate, kind, deps.now()))) {
      skipped.push(kind);
      continue;
    }
    try {
      await mailer.send({ ...compose(), idempotencyKey: `report:${reportDate}:${kind}` });
      sent.push(kind);
    } catch (error) {
      await store.releaseReport(reportDate, kind);
      failed.push(kind);
      // The error's message can quote addresses (SES names unverified identities), so only its name is logged.
      logger.error('nightly report email failed; released for the retry', { reportDate, report: kindForLogs(kind), errorName: (error as Error).name });
    }
  }
  if (failed.length) {
    throw new NightlyReportSendError(
      `${failed.length} of ${failed.length + sent.length} nightly report emails for ${reportDate} could not be sent (${failed.map(kindForLogs).join(', ')}); a retry sends only those`,
    );
  }
  return { reportDate, overdue: report.sales.overdueCount, sent, skipped };
}

/** The report as of `scheduledTime`, from the deadline index and the by-day index alone. */
async function reportAsOf(scheduledTime: Date, { config, store, emailHealth }: Pick<NightlyReportDependencies, 'config' | 'store' | 'emailHealth'>): Promise<{ reportDate: string; report: NightlyReport; leads: ReadonlyArray<Pick<Lead, 'leadId' | 'ownerId'>> }> {
  const reportDate = localDate(scheduledTime, config.organisation.timezone);
  const [overdue, window7d, healthMarks] = await Promise.all([
    store.waitingDueBy(scheduledTime).then((leads) => leads.filter((lead) => WAITING_STATUSES.has(lead.status))),
    // Through the run's own time, not only the 7-day window: a lead captured on the report date and contacted since
    // left the deadline index, and a run for an earlier time (a retry, a re-run) must still list it as it stood then.
    leadsCapturedIn({ from: reportWindow(reportDate, config.organisation.timezone).from, to: scheduledTime }, store),
    emailHealth?.marks() ?? [],
  ]);
  const report = buildNightlyReport({ reportDate, now: scheduledTime, config, overdue, window7d, emailHealth: healthMarks });
  return { reportDate, report, leads: [...overdue, ...window7d] };
}

/** One email of a preview: what it would say, to whom, with its links left out. */
export interface PreviewedEmail {
  kind: string;
  email: Omit<OutgoingEmail, 'idempotencyKey'>;
}

/**
 * Every email a run as of `scheduledTime` would send, rendered and neither claimed nor sent: a date's reports go
 * out once, and an import loaded after them (a show's badge scans) can then only be seen this way. Its links are
 * placeholders, so a preview written to disk signs no link that would record anything.
 */
export async function previewNightlyReport({ scheduledTime }: { scheduledTime: Date }, deps: Pick<NightlyReportDependencies, 'config' | 'store' | 'emailHealth'>): Promise<{ reportDate: string; emails: PreviewedEmail[] }> {
  const { reportDate, report } = await reportAsOf(scheduledTime, deps);
  const placeholder: LinksFor = () => (leadId) => `${deps.config.publicBaseUrl.replace(/\/$/, '')}/actions/preview-only-${encodeURIComponent(leadId)}`;
  return { reportDate, emails: plannedEmails(report, deps.config, placeholder).map(({ kind, compose }) => ({ kind, email: compose() })) };
}

/** Every lead captured in [from, to), one by-day Query per org-local day the window touches. */
async function leadsCapturedIn(window: { from: Date; to: Date }, store: LeadStore): Promise<Lead[]> {
  const lastDay = store.dayOf(new Date(window.to.getTime() - 1));
  const days: string[] = [];
  for (let day = store.dayOf(window.from); day <= lastDay; day = addDays(day, 1)) days.push(day);
  const perDay = await Promise.all(days.map((day) => store.leadsCapturedOn(day)));
  return perDay.flat().filter((lead) => {
    const receivedAt = Date.parse(lead.receivedAt);
    return receivedAt >= window.from.getTime() && receivedAt < window.to.getTime();
  });
}

/** One email's links: the actor is its recipient, or absent for the rep's own digest. */
type LinksFor = (actor?: ActionActor) => LeadLink;

/**
 * A fresh single-use "contacted" link per lead and recipient, all of one lead's sharing one nonce: once the owner
 * uses it from their digest, the same lead's link in the sales report or an escalation shows "already used". The
 * link acts for the lead's owner, or the configured fallback owner for a lead nobody (still configured) owns; a
 * report recipient's link records the contact as theirs, on that rep's behalf.
 */
function contactedLinks(leads: ReadonlyArray<Pick<Lead, 'leadId' | 'ownerId'>>, { config, actionSecret, now }: NightlyReportDependencies): LinksFor {
  const expiresAt = new Date(now().getTime() + ACTION_LINK_DAYS * DAY_MS);
  const baseUrl = config.publicBaseUrl.replace(/\/$/, '');
  const repIds = new Set(config.salespeople.map((rep) => rep.id));
  const ownerByLead = new Map(leads.map((lead) => [lead.leadId, lead.ownerId]));
  const nonces = new Map<string, string>();
  const issued = new Map<string, string>();
  return (actor) => (leadId) => {
    const linkKey = `${leadId}\n${actor?.role ?? ''}\n${actor?.address ?? ''}`;
    let link = issued.get(linkKey);
    if (!link) {
      const ownerId = ownerByLead.get(leadId);
      const repId = ownerId !== undefined && repIds.has(ownerId) ? ownerId : config.assignment.fallbackOwner;
      const nonce = nonces.get(leadId) ?? randomBytes(12).toString('base64url');
      nonces.set(leadId, nonce);
      const token = createActionToken({ leadId, action: 'contacted', repId, ...(actor ? { actor } : {}), expiresAt, nonce }, actionSecret);
      link = `${baseUrl}/actions/${token}`;
      issued.set(linkKey, link);
    }
    return link;
  };
}

function plannedEmails(report: NightlyReport, config: Config, linksFor: LinksFor): PlannedEmail[] {
  const salesLinks = linksFor({ role: 'sales-report', address: config.reports.salesRecipients.join(', ') });
  return [
    {
      kind: 'sales',
      compose: () => {
        const { csv, ...email } = renderSalesReport(report, config, salesLinks);
        // A quiet report has no overdue rows, so it goes without an empty attachment.
        return withCsv({ to: config.reports.salesRecipients, ...email, ...(report.quiet ? {} : { csv }) }, `overdue-leads-${report.reportDate}.csv`);
      },
    },
    { kind: 'marketing', compose: () => ({ to: config.reports.marketingRecipients, ...renderMarketingReport(report, config) }) },
    ...report.sales.byRep.map((digest) => ({
      kind: `digest#${digest.rep.id}`,
      compose: () => withCsv({ to: [digest.rep.email], ...renderRepDigest(report, digest, config, linksFor()) }, `your-overdue-leads-${report.reportDate}.csv`),
    })),
    ...report.escalations.map((escalation) => ({
      kind: `escalation#${escalation.managerEmail}`,
      compose: () => withCsv({ to: [escalation.managerEmail], ...renderEscalation(report, escalation, config, linksFor({ role: 'manager', address: escalation.managerEmail })) }, `escalated-leads-${report.reportDate}.csv`),
    })),
  ];
}

/** A report email with its leads as a CSV attachment, when it has one (a digest or escalation only when it lists some). */
function withCsv({ csv, ...email }: Omit<OutgoingEmail, 'idempotencyKey'> & { csv?: string }, filename: string): Omit<OutgoingEmail, 'idempotencyKey'> {
  // The byte-order mark tells Excel the file is UTF-8; without it "Zoë" and "李" open garbled.
  return csv === undefined ? email : { ...email, attachments: [{ filename, content: `\uFEFF${csv}`, contentType: 'text/csv; charset=utf-8' }] };
}

/** Escalations are keyed by the manager's address, which stays out of the logs. */
function kindForLogs(kind: string): string {
  return kind.startsWith('escalation#') ? 'escalation' : kind;
}
