import { randomBytes } from 'node:crypto';
import type { Config, Salesperson } from '../config/schema.ts';
import { awaitsImportAlert, contactLine, followUpClockStart, isSamePerson, type FollowUpAction, type Lead, type ScoreResult } from '../domain/lead.ts';
import { enrichSubmission } from '../domain/enrich.ts';
import { calendarOfRep, followUpDeadline } from '../domain/business-hours.ts';
import { scoreLead } from '../domain/score.ts';
import { absenceOf, absenceOnDueDay, continuityOwner, describeAbsence, dueDayOf, describeAssignment, organisationToday, pickByWeightedRoundRobin, roundRobinPool, routeLead, type AssignmentDecision } from '../domain/assign.ts';
import { ACTION_LINK_DAYS, createActionToken, type ActionActor } from '../domain/action-token.ts';
import { renderOwnerAlert, type OwnerAlert } from '../domain/render/owner-alert.ts';
import type { LeadStore } from '../adapters/lead-store/store.ts';
import type { Mailer } from '../adapters/mailer.ts';
import { countAlert } from '../adapters/metrics.ts';
import { logger } from '../adapters/logger.ts';
import { StorageUnavailableError } from '../errors.ts';
import { findForm } from './capture-lead.ts';

export interface ProcessDependencies {
  config: Config;
  store: LeadStore;
  mailer: Mailer;
  actionSecret: string;
  now: () => Date;
}

export type ProcessOutcome = 'alerted' | 'already-alerted' | 'alert-failed' | 'not-a-lead' | 'spam' | 'awaiting-import-digest';

const FOLLOW_UP_ACTIONS: FollowUpAction[] = ['contacted', 'qualified', 'disqualified', 'reassign'];

/**
 * Takes a captured lead to an alerted one: join it to the person's open lead, or enrich, score and assign it;
 * then send the owner's alert. Every step is idempotent, so a redelivered stream record finishes what an
 * earlier delivery started and never sends a second alert. A failed send throws (the record is retried)
 * unless this is the final attempt, which marks the alert failed for the nightly report to show.
 * An imported lead is placed, but its owner hears of it in the import's digest (`alertImportedLeads`).
 */
export async function processLead(leadId: string, deps: ProcessDependencies, options: { finalAttempt?: boolean } = {}): Promise<ProcessOutcome> {
  const lead = await placedLead(leadId, deps);
  if (!lead) return 'not-a-lead';
  if (lead.status === 'spam') return 'spam';
  if (!lead.alert || lead.alert.status === 'sent') return 'already-alerted';
  if (awaitsImportAlert(lead)) return 'awaiting-import-digest';
  return sendOwnerAlert(lead, deps, options.finalAttempt ?? false);
}

/**
 * The lead as it stands once placed: a new one is assigned or joined to the person's open lead first. Undefined
 * when there is no such lead, or capture withdrew it meanwhile (its address was over the rate limit).
 */
export async function placedLead(leadId: string, deps: ProcessDependencies, read?: Lead): Promise<Lead | undefined> {
  const lead = read ?? (await deps.store.getLead(leadId));
  if (lead?.status !== 'new') return lead;
  await assignOrMerge(lead, deps);
  return deps.store.getLead(leadId);
}

/** Each try reads the person's leads once; a write whose condition finds them changed sends it round again. */
const MAX_PLACEMENT_TRIES = 4;

/**
 * Every lead of the lead's person, itself included: the address's leads, and the leads across the email/phone divide
 * that reach the same line under no other name (a booth visitor who left only a phone, and the web form they sent
 * with an address and that phone). The indexes find numbers ending in the same digits; `isSamePerson` decides.
 */
async function leadsOfSamePerson(lead: Lead, store: Pick<LeadStore, 'leadsOfPerson' | 'leadsSharingPhone' | 'getLead'>): Promise<Lead[]> {
  const [byPersonKey, byPhone] = await Promise.all([store.leadsOfPerson(lead.contact), store.leadsSharingPhone(lead.contact)]);
  const found = [...byPersonKey, ...byPhone].filter((other) => isSamePerson(lead.contact, other.contact));
  // A submission of theirs joined to a lead stored under another key (the booth lead that left only a phone) leads
  // to it: their next web form, which gives no phone, joins it too.
  const elsewhere = new Set(found.flatMap((other) => (other.mergedInto && !found.some((known) => known.leadId === other.mergedInto) ? [other.mergedInto] : [])));
  const targets = await Promise.all([...elsewhere].map((leadId) => store.getLead(leadId)));
  return [...found, ...targets.filter((target): target is Lead => target !== undefined)].sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
}

/**
 * Makes a new lead either the person's lead or a submission joined to it. The first of a person's submissions
 * becomes the lead whatever order the stream delivers them in (an import writes rows side by side, and a slow
 * write lands late), so two submissions never become two open leads, as they would if each were decided alone.
 */
async function assignOrMerge(lead: Lead, deps: ProcessDependencies): Promise<void> {
  // A lead from the capture API holds its raw payload until it is placed, and placing it drops it from the lead item;
  // an imported row has none.
  if (!lead.importedAt) await deps.store.setRawPayloadApart(lead.leadId);
  let current: Lead | undefined = lead;
  for (let attempt = 1; attempt <= MAX_PLACEMENT_TRIES; attempt++) {
    if (await placeLead(current, deps)) return;
    current = await deps.store.getLead(lead.leadId);
    if (current?.status !== 'new') return;
  }
  throw new Error(`lead ${lead.leadId}: the person's other leads kept changing while it was placed; retrying`);
}

/** One decision from one read; false when its write found the person's leads had moved on, or it placed an earlier one first. */
async function placeLead(lead: Lead, deps: ProcessDependencies): Promise<boolean> {
  const { config, store, now } = deps;
  const personLeads = (await leadsOfSamePerson(lead, store)).filter((other) => other.leadId !== lead.leadId);
  const openLead = personLeads
    .filter((other) => other.status === 'open' || other.status === 'contacted')
    .sort((a, b) => b.receivedAt.localeCompare(a.receivedAt))[0];
  if (openLead) return store.mergeIntoLead(openLead, lead, raisedScore(openLead, lead, personLeads, config));

  const firstUnplaced = personLeads.filter((other) => other.status === 'new' && arrivedBefore(other, lead)).sort((a, b) => (arrivedBefore(a, b) ? -1 : 1))[0];
  if (firstUnplaced && (await placedOnItsBehalf(firstUnplaced, deps))) return false;

  const form = findForm(config, lead.formId);
  const enrichment = enrichSubmission(lead, form);
  const earlier = personLeads.filter((other) => other.status !== 'spam' && other.receivedAt < lead.receivedAt);
  const score = scoreLead({ submission: lead, enrichment, form, priorSubmissions: earlier.length, scoring: config.scoring });
  const today = organisationToday(now(), config);
  const dueDay = dueDayOf(lead.followUpDeadline, today, config);
  const windowStart = new Date(now().getTime() - config.assignment.continuityWindowDays * 86_400_000);
  const domainLeads = !enrichment.emailDomain || enrichment.isFreeMail || enrichment.isDisposable ? [] : await store.leadsByDomainSince(enrichment.emailDomain, windowStart);

  const continuity = continuityOwner({
    leadId: lead.leadId, person: contactLine(lead.contact), enrichment, personLeads, domainLeads,
    windowDays: config.assignment.continuityWindowDays, config, today, dueDay,
  });
  let decision: AssignmentDecision;
  if (continuity) {
    decision = { continuity };
  } else {
    const route = routeLead({ lead, enrichment, score: score.score, form, config, today, dueDay });
    if (route.kind === 'team') {
      const pool = roundRobinPool(route);
      decision = { route, pick: pickByWeightedRoundRobin(route.candidates, pool ? await store.nextRoundRobinValue(pool) : 0) };
    } else {
      decision = { route };
    }
  }
  const { ownerId, ownerReason } = describeAssignment(decision, config);
  // Capture counted the deadline on the organisation's clock; an owner whose team works elsewhere has it on theirs.
  const ownersDeadline = followUpDeadline(followUpClockStart(lead), form.firstContactDeadline, calendarOfRep(config, ownerId)).toISOString();
  return store.recordAssignment(lead.leadId, {
    enrichment, score: score.score, scoreReasons: score.reasons, ownerId, ownerReason,
    ...(ownersDeadline !== lead.followUpDeadline ? { followUpDeadline: ownersDeadline } : {}),
  });
}

/**
 * A lead's score is the best of its submissions', each scored as it came in, with the visits before it: a person
 * who downloaded a paper and now asks for a demo outranks the paper download. Undefined when this visit scores no higher.
 */
function raisedScore(openLead: Lead, submission: Lead, personLeads: Lead[], config: Config): ScoreResult | undefined {
  const form = findForm(config, submission.formId);
  const earlier = personLeads.filter((other) => other.status !== 'spam' && other.receivedAt < submission.receivedAt);
  const visit = scoreLead({ submission, enrichment: enrichSubmission(submission, form), form, priorSubmissions: earlier.length, scoring: config.scoring });
  return visit.score > (openLead.score ?? 0) ? visit : undefined;
}

function arrivedBefore(a: Lead, b: Lead): boolean {
  return a.receivedAt < b.receivedAt || (a.receivedAt === b.receivedAt && a.leadId < b.leadId);
}

/**
 * Places the person's earlier, still unplaced submission first, so that this one can join it. Its own stream
 * record then finds it placed and only sends its alert. If it cannot be placed (it failed on its own and waits in
 * the failure queue), this lead is placed without it rather than held back; an outage is retried as usual.
 */
async function placedOnItsBehalf(earlier: Lead, deps: ProcessDependencies): Promise<boolean> {
  try {
    await assignOrMerge(earlier, deps);
    return true;
  } catch (error) {
    if (error instanceof StorageUnavailableError) throw error;
    logger.warn('an earlier submission of the same person could not be placed first', { leadId: earlier.leadId, error });
    return false;
  }
}

/**
 * Renders and sends the alert for a lead (or, for a merged submission, for the open lead it joined).
 * Exported for the follow-up use case: a reassigned lead alerts its new owner the same way.
 */
export async function sendOwnerAlert(lead: Lead, deps: ProcessDependencies, finalAttempt: boolean, fromImport: { scanTimeColumns?: readonly string[] } = {}): Promise<ProcessOutcome> {
  const { config, store, mailer, now } = deps;
  const subject = lead.mergedInto ? await store.getLead(lead.mergedInto) : lead;
  const owner = config.salespeople.find((rep) => rep.id === subject?.ownerId);
  if (!subject?.enrichment || !owner || !lead.alert) {
    await store.markAlertAttemptFailed(lead.leadId, 'lead has no owner or enrichment to alert about', true);
    countAlert('failed');
    return 'alert-failed';
  }
  const personLeads = (await leadsOfSamePerson(subject, store)).filter((other) => other.leadId !== subject.leadId && other.status !== 'spam');
  const joinedSubmissions = personLeads.filter((other) => other.mergedInto === subject.leadId);
  const history = personLeads.filter((other) => other.mergedInto !== subject.leadId);
  const { away, managerCopy } = awayOwner(owner, config, now(), subject.followUpDeadline);
  const alertFor = (actionLinks: Record<FollowUpAction, string>, awayNotice: string | undefined, forManager = false) => renderOwnerAlert({
    lead: subject,
    enrichment: subject.enrichment!,
    score: { score: subject.score ?? 0, reasons: subject.scoreReasons ?? [] },
    owner,
    ownerReason: subject.ownerReason ?? '',
    kind: lead.alert!.kind,
    history,
    joinedSubmissions,
    actionLinks,
    config,
    deadline: subject.followUpDeadline,
    now: now(),
    ...(awayNotice ? { awayNotice } : {}),
    forManager,
    ...(fromImport.scanTimeColumns ? { scanTimeColumns: fromImport.scanTimeColumns } : {}),
  });
  const alert = alertFor(
    actionLinksFor(subject.leadId, owner.id, deps),
    away === undefined ? undefined : `You are marked ${away}${managerCopy ? `, so your manager (${owner.managerEmail}) gets a copy of this alert` : ''}.`,
  );
  try {
    await mailer.send({ to: [owner.email], replyTo: alert.replyTo, subject: alert.subject, html: alert.html, text: alert.text, idempotencyKey: `alert:${lead.leadId}:${lead.alert.kind}` });
  } catch (error) {
    await store.markAlertAttemptFailed(lead.leadId, `email could not be sent: ${(error as Error).name}`, finalAttempt);
    if (!finalAttempt) throw error;
    countAlert('failed');
    return 'alert-failed';
  }
  if (await store.markAlertSent(lead.leadId, now())) countAlert('sent');
  if (managerCopy) await sendManagerCopy(lead, owner, away, alertFor, deps);
  return 'alerted';
}

/**
 * Whether the owner is away today ("away until Wed 2 Dec") or on the day the lead is due ("away from Mon 30 Nov until
 * Fri 4 Dec": the only rep who could take it), and whether their manager, someone else, gets a copy.
 */
export function awayOwner(owner: Salesperson, config: Config, now: Date, followUpDeadline?: string): { away: undefined; managerCopy: false } | { away: string; managerCopy: boolean } {
  const today = organisationToday(now, config);
  const absence = absenceOf(owner, today);
  const away = absence !== undefined ? describeAbsence(absence) : followUpDeadline && absenceOnDueDay(owner, today, dueDayOf(followUpDeadline, today, config));
  if (!away) return { away: undefined, managerCopy: false };
  return { away, managerCopy: owner.managerEmail.toLowerCase() !== owner.email.toLowerCase() };
}

/**
 * The rule that keeps new leads from a rep who is away (assign.ts) cannot keep a returning person from the rep who owns
 * their lead, nor a lead from the fallback owner when nobody else is there: the rep's manager gets a copy, whose
 * buttons record the manager, on the rep's behalf. Best effort, after the rep's alert is marked sent: a retry must not
 * send the rep's alert twice for the sake of the copy.
 */
async function sendManagerCopy(lead: Lead, owner: Salesperson, away: string, alertFor: (links: Record<FollowUpAction, string>, notice: string, forManager: boolean) => OwnerAlert, deps: ProcessDependencies): Promise<void> {
  const copy = alertFor(
    actionLinksFor(lead.mergedInto ?? lead.leadId, owner.id, deps, { role: 'manager', address: owner.managerEmail }),
    `${owner.name} is marked ${away}, so you get this copy as their manager. Its buttons record you, on ${owner.name}'s behalf.`,
    true,
  );
  try {
    await deps.mailer.send({ to: [owner.managerEmail], replyTo: copy.replyTo, subject: `[Copy for ${owner.name}] ${copy.subject}`, html: copy.html, text: copy.text, idempotencyKey: `alert-copy:${lead.leadId}:${lead.alert!.kind}` });
  } catch (error) {
    logger.warn('the manager\'s copy of an alert to an away rep could not be sent', { leadId: lead.leadId, ownerId: owner.id, error });
  }
}

/** The four one-click follow-up links an owner gets for a lead: signed for them, single use, valid for `ACTION_LINK_DAYS`. */
export function actionLinksFor(leadId: string, ownerId: string, { config, actionSecret, now }: Pick<ProcessDependencies, 'config' | 'actionSecret' | 'now'>, actor?: ActionActor): Record<FollowUpAction, string> {
  const expiresAt = new Date(now().getTime() + ACTION_LINK_DAYS * 86_400_000);
  return Object.fromEntries(FOLLOW_UP_ACTIONS.map((action) => {
    const token = createActionToken({ leadId, action, repId: ownerId, ...(actor ? { actor } : {}), expiresAt, nonce: randomBytes(12).toString('base64url') }, actionSecret);
    return [action, `${config.publicBaseUrl.replace(/\/$/, '')}/actions/${token}`];
  })) as Record<FollowUpAction, string>;
}
