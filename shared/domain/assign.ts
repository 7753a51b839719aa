/**
 * Who owns a lead, as pure steps the process use case runs in order:
 * continuity (`continuityOwner`) → config rules (`routeLead`) → weighted round robin within a
 * team (`pickByWeightedRoundRobin`, fed by an atomic counter) → fallback owner; then
 * `describeAssignment` says why in words a rep understands.
 */
import type { AssignmentRule, Config, FormConfig, Salesperson } from '../config/schema.ts';
import { addDays, localDate } from './business-hours.ts';
import type { Enrichment, Lead, LeadStatus } from './lead.ts';

export interface RoundRobinCandidate {
  repId: string;
  weight: number;
}

export type Route =
  | { kind: 'rep'; repId: string; reason: string }
  | {
      kind: 'team';
      teamId: string;
      ruleName: string;
      /** What the lead matched on, for the reason: "DE", "score 72 ≥ 60". */
      matchedOn: string[];
      /** Available members in config order: those whose territories cover the lead's country, if any do. */
      candidates: RoundRobinCandidate[];
      /** The lead's country, when only some available members cover it and the candidates are those. */
      coveredCountry?: string;
    }
  | { kind: 'fallback'; repId: string; reason: string };

export interface RoundRobinPick {
  repId: string;
  /** Position in the weight-expanded rotation: counterValue mod `of`, from 0. */
  slot: number;
  /** Total weight of the candidates: the length of one full rotation. */
  of: number;
}

export interface ContinuityOwner {
  repId: string;
  basis: 'person' | 'domain';
  /** The earlier lead whose owner keeps this one. */
  leadId: string;
  reason: string;
}

export interface Assignment {
  ownerId: string;
  ownerReason: string;
}

/**
 * True when the rep is active and away neither `today` nor on `dueDay` (YYYY-MM-DD, org timezone), the day the lead's
 * first contact is due: a lead that comes in on Saturday and is due on Monday must not go to a rep whose holiday
 * starts on Monday.
 */
export function isAvailable(rep: Salesperson, today: string, dueDay = today): boolean {
  return rep.active && !rep.away.some((period) => holds(period, today) || holds(period, dueDay));
}

const holds = (period: { from: string; to: string }, day: string) => period.from <= day && day <= period.to;

/** The day a lead's first contact is due, in the organisation's calendar, and never before today (an old scan's). */
export function dueDayOf(followUpDeadline: string, today: string, config: Config): string {
  const due = localDate(new Date(followUpDeadline), config.organisation.timezone);
  return due > today ? due : today;
}

/** An away period that starts after today and holds `dueDay`: "away from Mon 30 Nov until Fri 4 Dec". */
export function absenceOnDueDay(rep: Salesperson, today: string, dueDay: string): string | undefined {
  const period = rep.away.find((candidate) => candidate.from > today && holds(candidate, dueDay));
  return period && `away from ${ABSENCE_END.format(new Date(`${period.from}T12:00:00Z`))} until ${ABSENCE_END.format(new Date(`${period.to}T12:00:00Z`))}`;
}

/** On `today`: the last day of the away period that holds it, 'inactive' for a rep taken out of assignment, or undefined for a rep at work. */
export function absenceOf(rep: Salesperson, today: string): string | undefined {
  if (!rep.active) return 'inactive';
  return rep.away.filter((period) => period.from <= today && today <= period.to).map((period) => period.to).sort().at(-1);
}

/** An absence as emails name it: "away until Wed 2 Dec", "no longer active". */
export function describeAbsence(absence: string): string {
  return absence === 'inactive' ? 'no longer active' : `away until ${ABSENCE_END.format(new Date(`${absence}T12:00:00Z`))}`;
}

const ABSENCE_END = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short' });

function repById(config: Config, repId: string): Salesperson | undefined {
  return config.salespeople.find((rep) => rep.id === repId);
}

/** A rep's name from config, or the id itself for one who is no longer configured. */
export function repName(config: Config, repId: string): string {
  return repById(config, repId)?.name ?? repId;
}

/** The organisation's calendar date for the clock's instant: the day away periods are checked against. */
export function organisationToday(now: Date, config: Config): string {
  return localDate(now, config.organisation.timezone);
}

// ---------------------------------------------------------------- rules

export interface RouteInput {
  lead: Pick<Lead, 'formId'>;
  enrichment: Pick<Enrichment, 'country'>;
  score: number;
  form: FormConfig;
  config: Config;
  /** YYYY-MM-DD in the organisation's timezone. */
  today: string;
  /** The day the lead's first contact is due (`dueDayOf`); a rep away then is skipped. Default: today. */
  dueDay?: string;
}

/** The conditions the lead met, or undefined when one of the rule's conditions fails. */
function matchRule(rule: AssignmentRule, input: RouteInput): string[] | undefined {
  const { when } = rule;
  const matchedOn: string[] = [];
  if (when.formIds && !when.formIds.includes(input.lead.formId)) return undefined;
  if (when.formKind && when.formKind !== input.form.kind) return undefined;
  if (when.countries) {
    const country = input.enrichment.country;
    if (!country || !when.countries.includes(country)) return undefined;
    matchedOn.push(country);
  }
  if (when.minScore !== undefined) {
    if (input.score < when.minScore) return undefined;
    matchedOn.push(`score ${input.score} ≥ ${when.minScore}`);
  }
  return matchedOn;
}

/**
 * The first rule whose conditions all match and that still has someone available wins; a rule
 * naming an absent rep, or a team with nobody available, falls through to the next rule.
 */
export function routeLead(input: RouteInput): Route {
  const { config, today, dueDay } = input;
  const skipped: string[] = [];
  for (const rule of config.assignment.rules) {
    const matchedOn = matchRule(rule, input);
    if (!matchedOn) continue;
    const label = withMatch(rule.name, matchedOn);
    if ('rep' in rule.assignTo) {
      const rep = repById(config, rule.assignTo.rep);
      if (rep && isAvailable(rep, today, dueDay)) return { kind: 'rep', repId: rep.id, reason: `${label} → ${rep.name}` };
      skipped.push(`${label}: ${rep?.name ?? rule.assignTo.rep} is unavailable`);
      continue;
    }
    const teamId = rule.assignTo.team;
    const available = config.salespeople.filter((rep) => rep.team === teamId && isAvailable(rep, today, dueDay));
    // A rep's territories pick within the team; when nobody available covers the country, the whole team shares it.
    const country = input.enrichment.country;
    const covering = country ? available.filter((rep) => rep.territories.includes(country)) : [];
    const narrowed = covering.length > 0 && covering.length < available.length;
    const candidates = (narrowed ? covering : available).map((rep) => ({ repId: rep.id, weight: rep.weight }));
    if (candidates.length) return { kind: 'team', teamId, ruleName: rule.name, matchedOn, candidates, ...(narrowed ? { coveredCountry: country } : {}) };
    const teamName = config.teams.find((team) => team.id === teamId)?.name ?? teamId;
    skipped.push(`${label}: nobody in ${teamName} is available`);
  }
  const repId = config.assignment.fallbackOwner;
  const why = skipped.length ? skipped.join('; ') : 'No assignment rule matched';
  return { kind: 'fallback', repId, reason: `${why} → fallback owner ${repName(config, repId)}` };
}

function withMatch(ruleName: string, matchedOn: string[]): string {
  return matchedOn.length ? `${ruleName} (${matchedOn.join(', ')})` : ruleName;
}

// ---------------------------------------------------------------- round robin

/**
 * The counter a team route takes its turn from, or undefined when it has one candidate and so no choice to rotate.
 * Reps who cover a country share that country's leads in a rotation of their own: drawing those from the team's
 * counter would use up team members' turns on leads they could not take.
 */
export function roundRobinPool(route: Extract<Route, { kind: 'team' }>): string | undefined {
  if (route.candidates.length === 1) return undefined;
  return route.coveredCountry ? `${route.teamId}/${route.coveredCountry}` : route.teamId;
}

/**
 * Deterministic weighted round robin: the candidates are laid out in layers (everyone once, then
 * everyone with weight ≥ 2 again, …) so heavy reps are spread through the rotation, and the
 * counter value picks the slot. Distinct counter values 1..N give each rep exactly its weight's
 * share of every full rotation.
 */
export function pickByWeightedRoundRobin(candidates: readonly RoundRobinCandidate[], counterValue: number): RoundRobinPick {
  if (!candidates.length) throw new Error('round robin needs at least one candidate');
  if (!Number.isSafeInteger(counterValue)) throw new Error('round robin counter must be an integer');
  const maxWeight = Math.max(...candidates.map((candidate) => candidate.weight));
  const rotation: string[] = [];
  for (let layer = 0; layer < maxWeight; layer++) {
    for (const candidate of candidates) if (candidate.weight > layer) rotation.push(candidate.repId);
  }
  const of = rotation.length;
  const slot = ((counterValue % of) + of) % of;
  return { repId: rotation[slot] as string, slot, of };
}

// ---------------------------------------------------------------- continuity

const OWNED_STATUSES: ReadonlySet<LeadStatus> = new Set(['open', 'contacted', 'qualified', 'disqualified']);
const OPEN_STATUSES: ReadonlySet<LeadStatus> = new Set(['open', 'contacted', 'qualified']);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface ContinuityInput {
  /** The lead being assigned; it is ignored if the queries return it too. */
  leadId: string;
  /** How the person is named in the reason: their address, or a phone-only lead's phone (`contactLine`). */
  person: string;
  enrichment: Pick<Enrichment, 'emailDomain' | 'isFreeMail' | 'isDisposable'>;
  /** Earlier leads from the same person (`personKeyOf`). */
  personLeads: readonly Lead[];
  /** Leads from the same email domain. */
  domainLeads: readonly Lead[];
  windowDays: number;
  config: Config;
  /** YYYY-MM-DD in the organisation's timezone. */
  today: string;
  /** The day the lead's first contact is due (`dueDayOf`). Default: today. */
  dueDay?: string;
}

/**
 * Keeps an account with the rep who already works it: first the owner of this person's latest
 * lead, then the owner of the latest other open lead from the same company domain, both within
 * the window. A shared free-mail or throwaway domain says nothing about the company, so it never
 * gives domain continuity. An owner who left or is away does not keep the lead.
 */
export function continuityOwner(input: ContinuityInput): ContinuityOwner | null {
  const { config, today, dueDay } = input;
  const timezone = config.organisation.timezone;
  const windowStart = addDays(today, -input.windowDays);
  const inWindow = (lead: Lead) => localDate(new Date(lead.receivedAt), timezone) >= windowStart;
  const newestFirst = (leads: readonly Lead[]) => [...leads].sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
  const ownerAvailable = (lead: Lead) => {
    const rep = lead.ownerId ? repById(config, lead.ownerId) : undefined;
    return rep !== undefined && isAvailable(rep, today, dueDay);
  };
  const eligible = (lead: Lead, statuses: ReadonlySet<LeadStatus>) =>
    lead.leadId !== input.leadId && statuses.has(lead.status) && inWindow(lead) && ownerAvailable(lead);

  const personLead = newestFirst(input.personLeads).find((lead) => eligible(lead, OWNED_STATUSES));
  if (personLead?.ownerId) {
    const when = shortDate(localDate(new Date(personLead.receivedAt), timezone));
    return {
      repId: personLead.ownerId,
      basis: 'person',
      leadId: personLead.leadId,
      reason: `Continuity: ${repName(config, personLead.ownerId)} already owns ${input.person}'s lead from ${when}`,
    };
  }

  const { emailDomain, isFreeMail, isDisposable } = input.enrichment;
  if (!emailDomain || isFreeMail || isDisposable) return null;
  const domainLead = newestFirst(input.domainLeads).find((lead) => eligible(lead, OPEN_STATUSES));
  if (!domainLead?.ownerId) return null;
  return {
    repId: domainLead.ownerId,
    basis: 'domain',
    leadId: domainLead.leadId,
    reason: `Continuity: ${repName(config, domainLead.ownerId)} already owns another open lead from ${emailDomain}`,
  };
}

/** "2026-11-12" → "12 Nov". */
function shortDate(date: string): string {
  const [, month, day] = date.split('-').map(Number) as [number, number, number];
  return `${day} ${MONTHS[month - 1]}`;
}

// ---------------------------------------------------------------- description

export type AssignmentDecision =
  | { continuity: ContinuityOwner }
  | { route: Extract<Route, { kind: 'rep' | 'fallback' }> }
  | { route: Extract<Route, { kind: 'team' }>; pick: RoundRobinPick };

/** The owner and, in a rep's words, why: "Territory EMEA (DE) → Ana Silva (round robin 3 of 4)". */
export function describeAssignment(decision: AssignmentDecision, config: Config): Assignment {
  if ('continuity' in decision) return { ownerId: decision.continuity.repId, ownerReason: decision.continuity.reason };
  if (!('pick' in decision)) return { ownerId: decision.route.repId, ownerReason: decision.route.reason };
  const { route, pick } = decision;
  const rule = withMatch(route.ruleName, route.matchedOn);
  const roundRobin = `round robin ${pick.slot + 1} of ${pick.of}`;
  const how = route.candidates.length === 1 ? (route.coveredCountry ? `covers ${route.coveredCountry}` : 'the only one available')
    : route.coveredCountry ? `covers ${route.coveredCountry}; ${roundRobin}`
    : roundRobin;
  return { ownerId: pick.repId, ownerReason: `${rule} → ${repName(config, pick.repId)} (${how})` };
}
