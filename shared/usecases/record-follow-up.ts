import type { Config } from '../config/schema.ts';
import { HttpError } from '../errors.ts';
import { followUpClockStart, WAITING_STATUSES, type Activity, type FollowUpAction, type Lead } from '../domain/lead.ts';
import { calendarOfRep, followUpDeadline } from '../domain/business-hours.ts';
import { describeAssignment, organisationToday, pickByWeightedRoundRobin, repName, routeLead, type AssignmentDecision } from '../domain/assign.ts';
import { enrichSubmission } from '../domain/enrich.ts';
import type { FollowUp } from '../adapters/lead-store/store.ts';
import { logger } from '../adapters/logger.ts';
import { recordTimeToFirstContact } from '../adapters/metrics.ts';
import { findForm } from './capture-lead.ts';
import { sendOwnerAlert, type ProcessDependencies } from './process-lead.ts';

export interface FollowUpRequest {
  leadId: string;
  action: FollowUpAction | 'note';
  /** A salesperson id, or for API callers and report recipients any actor name. */
  by: string;
  /** The owner `by` acted for, when `by` is not that owner (a report recipient's link). */
  onBehalfOf?: string;
  note?: string;
  via: Activity['via'];
  /** Set for one-click links: burnt with the update, so a replay is refused. */
  usedLink?: FollowUp['usedLink'];
}

export interface FollowUpResult {
  lead: Lead;
  /** What was recorded, its note as kept (trimmed, at most 2000 characters). */
  activity: Activity;
  /** For a reassignment, the new owner's name. */
  reassignedTo?: string;
}

const MAX_NOTE = 2000;

/** Reassigning alerts the new owner, which needs the link-signing secret; the other actions do not. */
export type FollowUpDependencies = Omit<ProcessDependencies, 'actionSecret'> & { actionSecret?: string };

/**
 * Records what a rep did about a lead: from an action link, the CLI or the CRM activities API alike.
 * First contact is stamped once and takes the lead out of the waiting set. "Contacted" never moves a qualified or
 * disqualified lead back; qualified and disqualified are verdicts, and the latest one counts.
 */
export async function recordFollowUp(request: FollowUpRequest, deps: FollowUpDependencies): Promise<FollowUpResult> {
  const { store, config, now } = deps;
  const lead = await store.getLead(request.leadId);
  if (!lead) throw new HttpError(404, `lead "${request.leadId.slice(0, 64)}" does not exist`, { code: 'unknown_lead' });
  if (lead.status === 'spam' || lead.status === 'merged') {
    const why = lead.status === 'spam' ? 'was stored as spam and takes no follow-ups' : `is merged into ${lead.mergedInto}; record follow-ups on that lead`;
    throw new HttpError(409, `lead ${lead.leadId} ${why}`, { code: 'not_actionable' });
  }
  const note = request.note?.trim().slice(0, MAX_NOTE) || undefined;
  // A colleague who records a follow-up (`contacted --by`, a CRM naming another rep) acts for the owner, and says so.
  const colleagueOfOwner = lead.ownerId !== undefined && request.by !== lead.ownerId && config.salespeople.some((rep) => rep.id === request.by);
  const onBehalfOf = request.onBehalfOf ?? (colleagueOfOwner ? lead.ownerId : undefined);
  const activity: Activity = {
    at: now().toISOString(), by: request.by, ...(onBehalfOf ? { onBehalfOf } : {}), action: request.action, ...(note ? { note } : {}), via: request.via,
  };
  const followUp: FollowUp = { leadId: lead.leadId, activity, firstContact: false, usedLink: request.usedLink };

  switch (request.action) {
    case 'contacted':
      followUp.firstContact = true;
      if (lead.status === 'open' || lead.status === 'new') followUp.status = 'contacted';
      break;
    case 'qualified':
      followUp.firstContact = true;
      followUp.status = 'qualified';
      break;
    case 'disqualified':
      followUp.status = 'disqualified';
      break;
    case 'reassign': {
      if (!deps.actionSecret) throw new HttpError(400, 'reassign from the owner\'s alert: it needs to alert the new owner', { code: 'unsupported_action' });
      const newOwner = chooseNewOwner(lead, request.by, config, now());
      const movedDeadline = deadlineOnNewOwnersCalendar(lead, newOwner.ownerId, config);
      followUp.newOwner = movedDeadline ? { ...newOwner, followUpDeadline: movedDeadline } : newOwner;
      break;
    }
    case 'note':
      break;
  }

  try {
    await store.recordFollowUp(followUp);
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException' || (error as Error).name === 'TransactionCanceledException') {
      throw new HttpError(409, `lead ${lead.leadId} changed while recording; nothing was recorded, please retry`, { code: 'conflict' });
    }
    throw error;
  }
  const updated = (await store.getLead(lead.leadId))!;
  // firstContactAt is stamped once: only the follow-up that stamped it measures the time to first contact.
  if (followUp.firstContact && updated.firstContactAt === activity.at) recordTimeToFirstContact((Date.parse(activity.at) - Date.parse(lead.receivedAt)) / 60_000);
  if (!followUp.newOwner || !deps.actionSecret) return { lead: updated, activity };

  // The reassignment is recorded whatever happens next; a failed alert stays pending and shows in the nightly report.
  await sendOwnerAlert(updated, { ...deps, actionSecret: deps.actionSecret }, false).catch((error: unknown) => logger.error('alert to the new owner failed', { leadId: lead.leadId, error }));
  return { lead: updated, activity, reassignedTo: config.salespeople.find((rep) => rep.id === followUp.newOwner?.ownerId)?.name };
}

/**
 * A lead still waiting for first contact is due on its new owner's calendar, counted from its arrival as at assignment;
 * undefined when that is the deadline it has (the same calendar), so the reassignment writes nothing more. A lead
 * already contacted keeps its deadline: its first contact was measured against the owner who made it.
 */
function deadlineOnNewOwnersCalendar(lead: Lead, ownerId: string, config: Config): string | undefined {
  if (!WAITING_STATUSES.has(lead.status)) return undefined;
  const deadline = followUpDeadline(followUpClockStart(lead), findForm(config, lead.formId).firstContactDeadline, calendarOfRep(config, ownerId)).toISOString();
  return deadline === lead.followUpDeadline ? undefined : deadline;
}

/**
 * The same rules as a fresh lead, with the rep who declined it taken out of the running. Throws 409 when nobody
 * else can take it; the confirmation page asks first, so a rep is not offered a reassignment that cannot happen.
 */
export function chooseNewOwner(lead: Lead, declinedBy: string, config: Config, now: Date): NonNullable<FollowUp['newOwner']> {
  const currentOwner = lead.ownerId ?? declinedBy;
  // Everyone who said "not mine" before stays out too, or a lead two reps declined would bounce between them.
  const declined = new Set([currentOwner, ...(lead.activities ?? []).filter((activity) => activity.action === 'reassign').map((activity) => activity.by)]);
  const without: Config = { ...config, salespeople: config.salespeople.map((rep) => (declined.has(rep.id) ? { ...rep, active: false } : rep)) };
  const form = findForm(config, lead.formId);
  const enrichment = lead.enrichment ?? enrichSubmission(lead, form);
  const route = routeLead({ lead, enrichment, score: lead.score ?? 0, form, config: without, today: organisationToday(now, config) });
  let decision: AssignmentDecision;
  if (route.kind === 'team') {
    // Reassignment does not advance the shared counter: it would shift every rep's next lead.
    decision = { route, pick: pickByWeightedRoundRobin(route.candidates, Math.floor(Date.parse(lead.receivedAt) / 1000)) };
  } else {
    decision = { route };
  }
  const { ownerId, ownerReason } = describeAssignment(decision, without);
  if (declined.has(ownerId)) {
    throw new HttpError(409, 'nobody else is available to take this lead; ask your manager to reassign it', { code: 'no_other_owner' });
  }
  // Reps who declined it earlier are out of the running too, which the rest of the reason does not say.
  const earlier = [...declined].filter((repId) => repId !== currentOwner && config.salespeople.some((rep) => rep.id === repId)).map((repId) => repName(config, repId));
  const asDid = earlier.length ? ` (as did ${earlier.join(' and ')} before)` : '';
  return { ownerId, ownerReason: `Reassigned: ${repName(config, currentOwner)} said "not mine"${asDid}. ${ownerReason}` };
}
