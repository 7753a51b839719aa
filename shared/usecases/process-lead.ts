import { randomBytes } from 'node:crypto';
import type { Config } from '../config/schema.ts';
import type { FollowUpAction, Lead } from '../domain/lead.ts';
import { enrichSubmission } from '../domain/enrich.ts';
import { scoreLead } from '../domain/score.ts';
import { continuityOwner, describeAssignment, organisationToday, pickByWeightedRoundRobin, routeLead, type AssignmentDecision } from '../domain/assign.ts';
import { ACTION_LINK_DAYS, createActionToken } from '../domain/action-token.ts';
import { renderOwnerAlert } from '../domain/render/owner-alert.ts';
import type { LeadStore } from '../adapters/lead-store/store.ts';
import type { Mailer } from '../adapters/mailer.ts';
import { countAlert } from '../adapters/metrics.ts';
import { findForm } from './capture-lead.ts';

export interface ProcessDependencies {
  config: Config;
  store: LeadStore;
  mailer: Mailer;
  actionSecret: string;
  now: () => Date;
}

export type ProcessOutcome = 'alerted' | 'already-alerted' | 'alert-failed' | 'not-a-lead' | 'spam';

const FOLLOW_UP_ACTIONS: FollowUpAction[] = ['contacted', 'qualified', 'disqualified', 'reassign'];

/**
 * Takes a captured lead to an alerted one: join it to the person's open lead, or enrich, score and assign it;
 * then send the owner's alert. Every step is idempotent, so a redelivered stream record finishes what an
 * earlier delivery started and never sends a second alert. A failed send throws (the record is retried)
 * unless this is the final attempt, which marks the alert failed for the nightly report to show.
 */
export async function processLead(leadId: string, deps: ProcessDependencies, options: { finalAttempt?: boolean } = {}): Promise<ProcessOutcome> {
  let lead = await deps.store.getLead(leadId);
  if (!lead) return 'not-a-lead';
  if (lead.status === 'spam') return 'spam';
  if (lead.status === 'new') {
    await assignOrMerge(lead, deps);
    // Gone when capture withdrew it meanwhile (its address was over the rate limit): nothing to alert.
    const assigned = await deps.store.getLead(leadId);
    if (!assigned) return 'not-a-lead';
    lead = assigned;
  }
  if (!lead.alert || lead.alert.status === 'sent') return 'already-alerted';
  return sendOwnerAlert(lead, deps, options.finalAttempt ?? false);
}

async function assignOrMerge(lead: Lead, deps: ProcessDependencies): Promise<void> {
  const { config, store, now } = deps;
  const personLeads = (await store.leadsByEmail(lead.contact.email)).filter((other) => other.leadId !== lead.leadId);
  const openLead = personLeads
    .filter((other) => (other.status === 'open' || other.status === 'contacted') && other.receivedAt <= lead.receivedAt)
    .sort((a, b) => b.receivedAt.localeCompare(a.receivedAt))[0];
  if (openLead) {
    await store.mergeIntoLead(openLead, lead);
    return;
  }

  const form = findForm(config, lead.formId);
  const enrichment = enrichSubmission(lead, form);
  const earlier = personLeads.filter((other) => other.status !== 'spam' && other.receivedAt < lead.receivedAt);
  const score = scoreLead({ submission: lead, enrichment, form, priorSubmissions: earlier.length, scoring: config.scoring });
  const today = organisationToday(now(), config);
  const windowStart = new Date(now().getTime() - config.assignment.continuityWindowDays * 86_400_000);
  const domainLeads = enrichment.isFreeMail || enrichment.isDisposable ? [] : await store.leadsByDomainSince(enrichment.emailDomain, windowStart);

  const continuity = continuityOwner({
    leadId: lead.leadId, email: lead.contact.email, enrichment, personLeads, domainLeads,
    windowDays: config.assignment.continuityWindowDays, config, today,
  });
  let decision: AssignmentDecision;
  if (continuity) {
    decision = { continuity };
  } else {
    const route = routeLead({ lead, enrichment, score: score.score, form, config, today });
    decision = route.kind === 'team'
      ? { route, pick: pickByWeightedRoundRobin(route.candidates, await store.nextRoundRobinValue(route.teamId)) }
      : { route };
  }
  const { ownerId, ownerReason } = describeAssignment(decision, config);
  await store.recordAssignment(lead.leadId, { enrichment, score: score.score, scoreReasons: score.reasons, ownerId, ownerReason });
}

/**
 * Renders and sends the alert for a lead (or, for a merged submission, for the open lead it joined).
 * Exported for the follow-up use case: a reassigned lead alerts its new owner the same way.
 */
export async function sendOwnerAlert(lead: Lead, deps: ProcessDependencies, finalAttempt: boolean): Promise<ProcessOutcome> {
  const { config, store, mailer, now } = deps;
  const subject = lead.mergedInto ? await store.getLead(lead.mergedInto) : lead;
  const owner = config.salespeople.find((rep) => rep.id === subject?.ownerId);
  if (!subject?.enrichment || !owner || !lead.alert) {
    await store.markAlertAttemptFailed(lead.leadId, 'lead has no owner or enrichment to alert about', true);
    countAlert('failed');
    return 'alert-failed';
  }
  const personLeads = (await store.leadsByEmail(subject.contact.email)).filter((other) => other.leadId !== subject.leadId && other.status !== 'spam');
  const joinedSubmissions = personLeads.filter((other) => other.mergedInto === subject.leadId);
  const history = personLeads.filter((other) => other.mergedInto !== subject.leadId);
  const expiresAt = new Date(now().getTime() + ACTION_LINK_DAYS * 86_400_000);
  const actionLinks = Object.fromEntries(FOLLOW_UP_ACTIONS.map((action) => {
    const token = createActionToken({ leadId: subject.leadId, action, repId: owner.id, expiresAt, nonce: randomBytes(12).toString('base64url') }, deps.actionSecret);
    return [action, `${config.publicBaseUrl.replace(/\/$/, '')}/actions/${token}`];
  })) as Record<FollowUpAction, string>;

  const alert = renderOwnerAlert({
    lead: subject,
    enrichment: subject.enrichment,
    score: { score: subject.score ?? 0, reasons: subject.scoreReasons ?? [] },
    owner,
    ownerReason: subject.ownerReason ?? '',
    kind: lead.alert.kind,
    history,
    joinedSubmissions,
    actionLinks,
    config,
    deadline: subject.followUpDeadline,
  });
  try {
    await mailer.send({ to: [owner.email], replyTo: alert.replyTo, subject: alert.subject, html: alert.html, text: alert.text, idempotencyKey: `alert:${lead.leadId}:${lead.alert.kind}` });
  } catch (error) {
    await store.markAlertAttemptFailed(lead.leadId, `email could not be sent: ${(error as Error).name}`, finalAttempt);
    if (!finalAttempt) throw error;
    countAlert('failed');
    return 'alert-failed';
  }
  if (await store.markAlertSent(lead.leadId, now())) countAlert('sent');
  return 'alerted';
}
