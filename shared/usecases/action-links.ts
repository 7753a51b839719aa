import { verifyActionToken, type ActionTokenPayload } from '../domain/action-token.ts';
import { renderActionConfirmPage, renderActionResultPage, type ActedBy, type ActionLeadSummary, type EarlierContact, type ExpiredLink, type ManagerContact } from '../domain/render/action-page.ts';
import type { Config } from '../config/schema.ts';
import { repName } from '../domain/assign.ts';
import { formatLocal } from '../domain/business-hours.ts';
import { contactLine, WAITING_STATUSES, type Activity, type Lead } from '../domain/lead.ts';
import { ActionLinkAlreadyUsedError } from '../adapters/lead-store/store.ts';
import { HttpError } from '../errors.ts';
import { chooseNewOwner, recordFollowUp, type FollowUpResult } from './record-follow-up.ts';
import type { ProcessDependencies } from './process-lead.ts';

export interface ActionPage {
  statusCode: number;
  html: string;
}

type Verified = { ok: true; payload: ActionTokenPayload; lead: Lead } | { ok: false; page: ActionPage };

/**
 * GET on a one-click link only shows what the link would do: mail scanners prefetch GET links, and a
 * prefetch must never record a follow-up. Only the POST from the confirmation page changes anything.
 */
export async function showActionLink(token: string, deps: ProcessDependencies): Promise<ActionPage> {
  const verified = await verify(token, deps);
  if (!verified.ok) return verified.page;
  const { payload, lead } = verified;
  if (await deps.store.actionLinkUsed(payload.leadId, payload.nonce)) return alreadyUsedPage(payload, lead, deps);
  if (!heldByOwner(payload, lead, deps.config)) return movedPage(lead, deps);
  if (payload.action === 'reassign') {
    try {
      chooseNewOwner(lead, payload.repId, deps.config, deps.now());
    } catch (error) {
      if (error instanceof HttpError && error.statusCode < 500) return refusedPage(payload, lead, error, deps);
      throw error;
    }
  }
  const actedBy = actedByOf(payload, lead, deps.config);
  const earlierContact = earlierContactOf(payload, lead, deps.config);
  const otherVerdict = otherVerdictOf(payload, lead, deps.config);
  return {
    statusCode: 200,
    html: renderActionConfirmPage({ action: payload.action, lead: summary(lead), organisation: deps.config.organisation.name, ...(actedBy ? { actedBy } : {}), ...(earlierContact ? { earlierContact } : {}), ...(otherVerdict ? { otherVerdict } : {}) }),
  };
}

/**
 * A link acts for the rep it was issued for, and only while that rep owns the lead: after a reassignment the old
 * owner's links would otherwise record their follow-ups on someone else's lead, or hand it on again in the
 * new owner's name. The owner read here is also a condition of the write, so a reassignment in between wins.
 * A report recipient's link (a manager's escalation, the sales report) records its recipient as who acted, on the
 * owner's behalf; the owner stays.
 */
export async function useActionLink(token: string, note: string | undefined, deps: ProcessDependencies): Promise<ActionPage> {
  const verified = await verify(token, deps);
  if (!verified.ok) return verified.page;
  const { payload, lead } = verified;
  const organisation = deps.config.organisation.name;
  if (!heldByOwner(payload, lead, deps.config)) {
    // A "Not mine" link that already did its work finds the lead with someone else: that is a replay.
    return (await deps.store.actionLinkUsed(payload.leadId, payload.nonce)) ? alreadyUsedPage(payload, lead, deps) : movedPage(lead, deps);
  }
  let recorded: FollowUpResult;
  try {
    recorded = await recordFollowUp(
      {
        leadId: payload.leadId, action: payload.action, by: payload.actor?.address ?? payload.repId, ...(payload.actor && ownedByLinksRep(payload, lead) ? { onBehalfOf: payload.repId } : {}),
        note, via: 'email-link', usedLink: { nonce: payload.nonce, ownerId: lead.ownerId },
      },
      deps,
    );
  } catch (error) {
    if (error instanceof ActionLinkAlreadyUsedError) return alreadyUsedPage(payload, lead, deps);
    // Refusals are written to be shown ("nobody else is available…"); the page says which one it was.
    if (error instanceof HttpError && error.statusCode < 500) return refusedPage(payload, lead, error, deps);
    throw error;
  }
  const { reassignedTo, activity } = recorded;
  const actedBy = actedByOf(payload, lead, deps.config);
  const earlierContact = earlierContactOf(payload, lead, deps.config);
  return {
    statusCode: 200,
    html: renderActionResultPage({
      kind: 'done', action: payload.action, lead: summary(lead), ...(actedBy ? { actedBy } : {}), ...(earlierContact ? { earlierContact } : {}), ...(reassignedTo ? { reassignedTo } : {}), ...(activity.note ? { note: activity.note } : {}),
    }, organisation),
  };
}

async function verify(token: string, deps: ProcessDependencies): Promise<Verified> {
  const organisation = deps.config.organisation.name;
  const result = verifyActionToken(token, deps.actionSecret, deps.now());
  if (!result.ok && result.reason === 'expired') {
    const lead = await deps.store.getLead(result.payload.leadId);
    const link = lead ? expiredLinkOf(result.payload, lead, deps) : undefined;
    return { ok: false, page: { statusCode: 410, html: renderActionResultPage({ kind: 'expired', ...(link ? { link } : {}) }, organisation) } };
  }
  if (!result.ok) return { ok: false, page: { statusCode: 400, html: renderActionResultPage({ kind: 'invalid' }, organisation) } };
  const lead = await deps.store.getLead(result.payload.leadId);
  if (!lead) return { ok: false, page: { statusCode: 404, html: renderActionResultPage({ kind: 'gone' }, organisation) } };
  return { ok: true, payload: result.payload, lead };
}

/**
 * An expired link of ours still names its lead and rep truthfully, so its page can point the rep to what works now:
 * the next digest's fresh link for a lead still overdue with them, their manager, the CLI. A report recipient's link
 * is read by that recipient, so it names no manager and no rep to record for.
 */
function expiredLinkOf(payload: ActionTokenPayload, lead: Lead, { config, now }: ProcessDependencies): ExpiredLink {
  const forRep = !payload.actor;
  const overdueWithRep = WAITING_STATUSES.has(lead.status) && Date.parse(lead.followUpDeadline) <= now().getTime() && ownedByLinksRep(payload, lead);
  // What happened since tells the reader there is nothing left to record: no next steps then.
  const nowWithOther = lead.ownerId !== undefined && !heldByOwner(payload, lead, config) ? repName(config, lead.ownerId) : undefined;
  const contacted = earlierContactOf(payload, lead, config);
  const since = nowWithOther ? { nowWith: nowWithOther } : contacted ? { contacted } : undefined;
  const manager = forRep && !since ? managerOf(config, payload.repId) : undefined;
  return {
    action: payload.action, leadId: lead.leadId, lead: summary(lead), inNextDigest: forRep && overdueWithRep,
    ...(since ? { since } : {}), ...(manager ? { manager } : {}), ...(forRep && !since ? { repId: payload.repId } : {}),
  };
}

/** A rep's manager: by name too when the manager's address is also a configured rep's. */
function managerOf(config: Config, repId: string): ManagerContact | undefined {
  const managerEmail = config.salespeople.find((rep) => rep.id === repId)?.managerEmail;
  if (!managerEmail) return undefined;
  const name = config.salespeople.find((rep) => rep.email === managerEmail)?.name;
  return name ? { name, email: managerEmail } : { email: managerEmail };
}

/**
 * A lead with no owner, or with one who is no longer a salesperson, gets its digest link signed for the
 * fallback owner (nightly report); such a link may act on it.
 */
function heldByOwner(payload: ActionTokenPayload, lead: Lead, config: Config): boolean {
  return lead.ownerId === payload.repId || !config.salespeople.some((rep) => rep.id === lead.ownerId);
}

/** Whether the lead's owner is the rep the link was issued for (not the fallback owner standing in for none). */
function ownedByLinksRep(payload: ActionTokenPayload, lead: Lead): boolean {
  return lead.ownerId === payload.repId;
}

/** Who a report recipient's link records as acting, for the pages; undefined for a rep's own link. */
function actedByOf(payload: ActionTokenPayload, lead: Lead, config: Config): ActedBy | undefined {
  if (!payload.actor) return undefined;
  return { name: actorName(config, payload.actor.address), role: payload.actor.role, ...(ownedByLinksRep(payload, lead) ? { onBehalfOf: repName(config, payload.repId) } : {}) };
}

/**
 * For "Contacted" on a lead whose first contact is already recorded (a colleague's `contacted --by`, the CRM, a
 * manager's link): who and when, so the owner does not take it for a lead still waiting on them.
 */
function earlierContactOf(payload: ActionTokenPayload, lead: Lead, config: Config): EarlierContact | undefined {
  if (payload.action !== 'contacted' || !lead.firstContactAt) return undefined;
  const by = lead.firstContactBy === undefined ? 'someone' : actorForReader(payload, lead.firstContactBy, config);
  return { at: formatLocal(new Date(lead.firstContactAt), config.organisation.timezone), by };
}

/**
 * For a verdict link (Qualified, Not a fit) on a lead that has the other verdict: which, when and by whom, so a rep
 * who reopens a closed lead, or closes a deal, does it knowingly.
 */
function otherVerdictOf(payload: ActionTokenPayload, lead: Lead, config: Config): string | undefined {
  const other = payload.action === 'qualified' && lead.status === 'disqualified' ? 'disqualified' : payload.action === 'disqualified' && lead.status === 'qualified' ? 'qualified' : undefined;
  if (!other) return undefined;
  const verdict = lead.activities?.findLast((activity) => activity.action === other);
  const when = verdict ? ` on ${formatLocal(new Date(verdict.at), config.organisation.timezone)} by ${actorForReader(payload, verdict.by, config)}` : '';
  return `${other === 'disqualified' ? 'closed as not a fit' : 'marked as qualified'}${when}`;
}

/** Who acted, as the link's reader reads it: "you" when it was the reader (the link's recipient), else by name. */
function actorForReader(payload: ActionTokenPayload, by: string, config: Config): string {
  return by === (payload.actor?.address ?? payload.repId) ? 'you' : actorName(config, by);
}

/** A rep by their name, whether recorded by id or by address (a manager who is also a rep); anyone else as recorded. */
function actorName(config: Config, by: string): string {
  return config.salespeople.find((rep) => rep.id === by || rep.email === by)?.name ?? by;
}

/**
 * The store keeps used nonces, not which activity each link recorded; the link's action by email link, most
 * recently, by the link's rep or on their behalf (one lead's links in a nightly run share a nonce), is that
 * activity. A lead read before the write that beat this one has none yet.
 */
function alreadyUsedPage(payload: ActionTokenPayload, lead: Lead, deps: ProcessDependencies): ActionPage {
  const { config } = deps;
  const actedFor = (activity: Activity) => activity.by === payload.repId || activity.onBehalfOf === payload.repId || activity.by === payload.actor?.address;
  const used = lead.activities?.findLast((activity) => activity.action === payload.action && activity.via === 'email-link' && actedFor(activity));
  const recorded = used
    ? { usedAt: formatLocal(new Date(used.at), config.organisation.timezone), usedBy: `${actorForReader(payload, used.by, config)}${used.onBehalfOf ? `, on behalf of ${repName(config, used.onBehalfOf)}` : ''}` }
    : {};
  // A used "Not mine" says where the lead went, which is what its rep wants to know.
  const nowWith = payload.action === 'reassign' && lead.ownerId && lead.ownerId !== payload.repId ? { nowWith: repName(config, lead.ownerId) } : {};
  return { statusCode: 409, html: renderActionResultPage({ kind: 'already-used', action: payload.action, lead: summary(lead), ...recorded, ...nowWith }, config.organisation.name) };
}

/**
 * "Nobody else is available … ask your manager" comes with the manager's address, for a rep's own link. A manager
 * (or a report recipient) using the link is the one a rep would ask: they are told where the lead stays instead.
 */
function refusedPage(payload: ActionTokenPayload, lead: Lead, error: HttpError, deps: ProcessDependencies): ActionPage {
  const nobodyElse = error.details.code === 'no_other_owner';
  const manager = nobodyElse && !payload.actor ? managerOf(deps.config, payload.repId) : undefined;
  const reason = nobodyElse && payload.actor
    ? `nobody else can take this lead by the assignment rules: every rep who could is away or has already said "not mine". It stays with ${repName(deps.config, lead.ownerId ?? payload.repId)}; Handoff cannot hand a lead to a rep you choose`
    : error.message;
  return { statusCode: error.statusCode, html: renderActionResultPage({ kind: 'refused', lead: summary(lead), reason, ...(manager ? { manager } : {}) }, deps.config.organisation.name) };
}

/** Only for a lead whose owner is a configured rep other than the link's (see heldByOwner). */
function movedPage(lead: Lead, deps: ProcessDependencies): ActionPage {
  const ownerName = repName(deps.config, lead.ownerId!);
  return { statusCode: 409, html: renderActionResultPage({ kind: 'moved', lead: summary(lead), ownerName }, deps.config.organisation.name) };
}

function summary(lead: Lead): ActionLeadSummary {
  const displayName = lead.enrichment?.displayName ?? ([lead.contact.firstName, lead.contact.lastName].filter(Boolean).join(' ') || lead.contact.name || contactLine(lead.contact));
  const companyName = lead.enrichment?.companyName ?? lead.contact.company;
  return { displayName, ...(companyName ? { companyName } : {}), contactLine: contactLine(lead.contact) };
}
