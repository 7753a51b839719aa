import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';
import {
  continuityOwner,
  describeAssignment,
  isAvailable,
  organisationToday,
  pickByWeightedRoundRobin,
  roundRobinPool,
  routeLead,
  type ContinuityInput,
  type RouteInput,
} from '../../shared/domain/assign.ts';
import type { Lead } from '../../shared/domain/lead.ts';

const config = loadConfig(new URL('../../handoff.config.json', import.meta.url).pathname);
const demoForm = config.forms.find((form) => form.id === 'demo-request')!;
const boothForm = config.forms.find((form) => form.id === 'data-summit-booth')!;
const TODAY = '2026-11-26';
// Jonas is away from 2026-12-21 to 2027-01-03 in the example config.
const JONAS_AWAY = '2026-12-28';

function withConfig(change: (draft: Config) => void): Config {
  const draft = structuredClone(config);
  change(draft);
  return draft;
}

function route(overrides: Partial<RouteInput> & { country?: string; formId?: string }) {
  const { country, formId, ...rest } = overrides;
  return routeLead({
    lead: { formId: formId ?? 'demo-request' },
    enrichment: country ? { country } : {},
    score: 50,
    form: formId === 'data-summit-booth' ? boothForm : demoForm,
    config,
    today: TODAY,
    ...rest,
  });
}

describe('organisationToday and isAvailable', () => {
  it('takes the date in the organisation timezone, not UTC', () => {
    expect(organisationToday(new Date('2026-12-20T23:30:00Z'), config)).toBe('2026-12-21');
    expect(organisationToday(new Date('2026-12-20T22:30:00Z'), config)).toBe('2026-12-20');
  });

  it.each([
    ['2026-12-20', true],
    ['2026-12-21', false],
    ['2027-01-03', false],
    ['2027-01-04', true],
  ])('Jonas is available on %s: %s', (today, expected) => {
    expect(isAvailable(config.salespeople.find((rep) => rep.id === 'jonas')!, today)).toBe(expected);
  });
});

describe('routeLead', () => {
  it('sends a booth lead to the event rule before territory, with all available EMEA reps as candidates', () => {
    expect(route({ formId: 'data-summit-booth', country: 'US' })).toEqual({
      kind: 'team',
      teamId: 'emea',
      ruleName: 'Booth leads from Data Summit go to the event team',
      matchedOn: [],
      candidates: [{ repId: 'ana', weight: 1 }, { repId: 'jonas', weight: 1 }],
    });
  });

  it('routes by territory and carries the weights', () => {
    expect(route({ country: 'US' })).toMatchObject({
      kind: 'team',
      teamId: 'americas',
      ruleName: 'Territory Americas',
      matchedOn: ['US'],
      candidates: [{ repId: 'maya', weight: 2 }, { repId: 'diego', weight: 1 }],
    });
  });

  it('within the team, gives a lead to the reps whose territories cover its country', () => {
    // Americas: Maya covers US and CA, Diego US, MX and BR.
    expect(route({ country: 'CA' })).toMatchObject({ kind: 'team', candidates: [{ repId: 'maya', weight: 2 }], coveredCountry: 'CA' });
    expect(route({ country: 'BR' })).toMatchObject({ kind: 'team', candidates: [{ repId: 'diego', weight: 1 }], coveredCountry: 'BR' });
    // EMEA: Ana covers ES, Jonas GB; nobody covers IT, so the whole team shares it.
    expect(route({ country: 'GB' })).toMatchObject({ candidates: [{ repId: 'jonas', weight: 1 }] });
    const italy = route({ country: 'IT' });
    expect(italy).toMatchObject({ candidates: [{ repId: 'ana', weight: 1 }, { repId: 'jonas', weight: 1 }] });
    expect(italy).not.toHaveProperty('coveredCountry');
  });

  it('gives the whole team a country whose only covering rep is away', () => {
    expect(route({ country: 'GB', today: JONAS_AWAY })).toMatchObject({ candidates: [{ repId: 'ana', weight: 1 }] });
    expect(route({ country: 'FR', today: JONAS_AWAY })).not.toHaveProperty('coveredCountry');
  });

  it('skips a rep who is away', () => {
    const result = route({ country: 'DE', today: JONAS_AWAY });
    expect(result.kind === 'team' && result.candidates).toEqual([{ repId: 'ana', weight: 1 }]);
  });

  it('skips a rep whose time away starts before the lead is due: the Friday-before-holiday lead', () => {
    // Jonas's holiday starts Mon 21 Dec; a lead from Sat 19 Dec due on the Monday goes to Ana.
    const dueOnHisFirstDayAway = route({ country: 'DE', today: '2026-12-19', dueDay: '2026-12-21' });
    expect(dueOnHisFirstDayAway.kind === 'team' && dueOnHisFirstDayAway.candidates).toEqual([{ repId: 'ana', weight: 1 }]);
    const dueTheDayBefore = route({ country: 'DE', today: '2026-12-18', dueDay: '2026-12-18' });
    expect(dueTheDayBefore.kind === 'team' && dueTheDayBefore.candidates.map((candidate) => candidate.repId).sort()).toEqual(['ana', 'jonas']);
  });

  it('skips an inactive rep', () => {
    const inactiveAna = withConfig((draft) => {
      draft.salespeople.find((rep) => rep.id === 'ana')!.active = false;
    });
    const result = route({ country: 'DE', config: inactiveAna });
    expect(result.kind === 'team' && result.candidates).toEqual([{ repId: 'jonas', weight: 1 }]);
  });

  it('falls back when no rule matches, or the lead has no country', () => {
    expect(route({ country: 'JP' })).toEqual({ kind: 'fallback', repId: 'ana', reason: 'No assignment rule matched → fallback owner Ana Silva' });
    expect(route({})).toMatchObject({ kind: 'fallback', repId: 'ana' });
  });

  it('requires every condition of a rule, including the minimum score', () => {
    const hotLeads = withConfig((draft) => {
      draft.assignment.rules.unshift({ name: 'Hot website leads', when: { formKind: 'website', countries: ['US'], minScore: 70 }, assignTo: { rep: 'diego' } });
    });
    expect(route({ config: hotLeads, country: 'US', score: 72 })).toEqual({ kind: 'rep', repId: 'diego', reason: 'Hot website leads (US, score 72 ≥ 70) → Diego Ramos' });
    expect(route({ config: hotLeads, country: 'US', score: 69 })).toMatchObject({ kind: 'team', teamId: 'americas' });
    expect(route({ config: hotLeads, country: 'CA', score: 90 })).toMatchObject({ kind: 'team', teamId: 'americas' });
    expect(route({ config: hotLeads, country: 'US', score: 90, formId: 'data-summit-booth' })).toMatchObject({ kind: 'team', teamId: 'emea' });
  });

  it('falls through a rule naming a rep who is away', () => {
    const jonasForGermany = withConfig((draft) => {
      draft.assignment.rules.unshift({ name: 'Germany is Jonas', when: { countries: ['DE'] }, assignTo: { rep: 'jonas' } });
    });
    expect(route({ config: jonasForGermany, country: 'DE' })).toEqual({ kind: 'rep', repId: 'jonas', reason: 'Germany is Jonas (DE) → Jonas Weber' });
    expect(route({ config: jonasForGermany, country: 'DE', today: JONAS_AWAY })).toMatchObject({ kind: 'team', teamId: 'emea', candidates: [{ repId: 'ana', weight: 1 }] });
  });

  it('falls through a team with nobody available, and says why in the fallback reason', () => {
    const emeaAway = withConfig((draft) => {
      for (const rep of draft.salespeople) if (rep.team === 'emea') rep.away.push({ from: '2026-11-20', to: '2026-11-30' });
      draft.assignment.fallbackOwner = 'maya';
    });
    expect(route({ config: emeaAway, country: 'DE' })).toEqual({
      kind: 'fallback',
      repId: 'maya',
      reason: 'Territory EMEA (DE): nobody in EMEA Sales is available → fallback owner Maya Johnson',
    });
  });
});

describe('pickByWeightedRoundRobin', () => {
  const candidates = [{ repId: 'maya', weight: 2 }, { repId: 'diego', weight: 1 }, { repId: 'ana', weight: 1 }];

  it('lays weights out in layers so a heavy rep is spread through the rotation', () => {
    const rotation = [0, 1, 2, 3].map((counter) => pickByWeightedRoundRobin(candidates, counter));
    expect(rotation).toEqual([
      { repId: 'maya', slot: 0, of: 4 },
      { repId: 'diego', slot: 1, of: 4 },
      { repId: 'ana', slot: 2, of: 4 },
      { repId: 'maya', slot: 3, of: 4 },
    ]);
  });

  it('is deterministic and wraps around', () => {
    expect(pickByWeightedRoundRobin(candidates, 4)).toEqual(pickByWeightedRoundRobin(candidates, 0));
    expect(pickByWeightedRoundRobin(candidates, 1_000_001)).toEqual({ repId: 'diego', slot: 1, of: 4 });
  });

  it('rejects an empty pool and a non-integer counter', () => {
    expect(() => pickByWeightedRoundRobin([], 1)).toThrow(/at least one candidate/);
    expect(() => pickByWeightedRoundRobin(candidates, 1.5)).toThrow(/integer/);
  });

  it('spreads any N consecutive counter values exactly by weight, skipping nobody', () => {
    const pool = fc.uniqueArray(fc.record({ repId: fc.string({ minLength: 1, maxLength: 8 }), weight: fc.integer({ min: 1, max: 10 }) }), {
      minLength: 1,
      maxLength: 8,
      selector: (candidate) => candidate.repId,
    });
    fc.assert(
      fc.property(pool, fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 5 }), (reps, start, rotations) => {
        const total = reps.reduce((sum, rep) => sum + rep.weight, 0);
        const counts = new Map<string, number>();
        for (let counter = start; counter < start + total * rotations; counter++) {
          const { repId } = pickByWeightedRoundRobin(reps, counter);
          counts.set(repId, (counts.get(repId) ?? 0) + 1);
        }
        for (const rep of reps) expect(counts.get(rep.repId)).toBe(rep.weight * rotations);
      }),
      { numRuns: 500 },
    );
  });
});

function lead(overrides: Partial<Lead> & { leadId: string; email: string }): Lead {
  const { email, ...rest } = overrides;
  return {
    formId: 'demo-request',
    formKind: 'website',
    receivedAt: '2026-11-12T10:00:00.000Z',
    contact: { email, emailDisplay: email },
    answers: {},
    tracking: { utm: {} },
    status: 'open',
    followUpDeadline: '2026-11-12T14:00:00.000Z',
    ownerId: 'ana',
    ...rest,
  };
}

describe('continuityOwner', () => {
  const business = { emailDomain: 'acme.com', isFreeMail: false, isDisposable: false };
  const base: ContinuityInput = {
    leadId: 'new-lead',
    person: 'jane@acme.com',
    enrichment: business,
    personLeads: [],
    domainLeads: [],
    windowDays: 90,
    config,
    today: TODAY,
  };

  it('keeps the owner of the person’s latest lead, dated in the organisation timezone', () => {
    const personLeads = [
      lead({ leadId: 'older', email: 'jane@acme.com', ownerId: 'diego', status: 'disqualified', receivedAt: '2026-10-01T10:00:00.000Z' }),
      lead({ leadId: 'latest', email: 'jane@acme.com', ownerId: 'ana', status: 'contacted', receivedAt: '2026-11-11T23:30:00.000Z' }),
    ];
    expect(continuityOwner({ ...base, personLeads })).toEqual({
      repId: 'ana',
      basis: 'person',
      leadId: 'latest',
      reason: "Continuity: Ana Silva already owns jane@acme.com's lead from 12 Nov",
    });
  });

  it('keeps the owner of another open lead from the same company domain', () => {
    const domainLeads = [lead({ leadId: 'colleague', email: 'bob@acme.com', ownerId: 'maya', status: 'qualified' })];
    expect(continuityOwner({ ...base, domainLeads })).toEqual({
      repId: 'maya',
      basis: 'domain',
      leadId: 'colleague',
      reason: 'Continuity: Maya Johnson already owns another open lead from acme.com',
    });
  });

  it('prefers the person over the domain', () => {
    const personLeads = [lead({ leadId: 'own', email: 'jane@acme.com', ownerId: 'diego', receivedAt: '2026-10-01T10:00:00.000Z' })];
    const domainLeads = [lead({ leadId: 'colleague', email: 'bob@acme.com', ownerId: 'maya' })];
    expect(continuityOwner({ ...base, personLeads, domainLeads })?.repId).toBe('diego');
  });

  it('never gives domain continuity for free-mail or disposable domains', () => {
    const domainLeads = [lead({ leadId: 'stranger', email: 'bob@gmail.com', ownerId: 'maya' })];
    expect(continuityOwner({ ...base, person: 'jane@gmail.com', enrichment: { emailDomain: 'gmail.com', isFreeMail: true, isDisposable: false }, domainLeads })).toBeNull();
    expect(continuityOwner({ ...base, person: 'x@mailinator.com', enrichment: { emailDomain: 'mailinator.com', isFreeMail: false, isDisposable: true }, domainLeads })).toBeNull();
  });

  it('still keeps a free-mail person with their own rep', () => {
    const personLeads = [lead({ leadId: 'own', email: 'jane@gmail.com', ownerId: 'maya' })];
    const result = continuityOwner({ ...base, person: 'jane@gmail.com', enrichment: { emailDomain: 'gmail.com', isFreeMail: true, isDisposable: false }, personLeads });
    expect(result).toMatchObject({ repId: 'maya', basis: 'person' });
  });

  it('ignores leads outside the window', () => {
    const old = { receivedAt: '2026-08-27T10:00:00.000Z' };
    const edge = { receivedAt: '2026-08-28T10:00:00.000Z' };
    expect(continuityOwner({ ...base, domainLeads: [lead({ leadId: 'old', email: 'bob@acme.com', ...old })] })).toBeNull();
    expect(continuityOwner({ ...base, domainLeads: [lead({ leadId: 'edge', email: 'bob@acme.com', ...edge })] })?.repId).toBe('ana');
  });

  it('ignores domain leads that are closed, spam, merged or not yet owned, and the lead being assigned', () => {
    const domainLeads = [
      lead({ leadId: 'closed', email: 'a@acme.com', status: 'disqualified' }),
      lead({ leadId: 'spam', email: 'b@acme.com', status: 'spam' }),
      lead({ leadId: 'merged', email: 'c@acme.com', status: 'merged' }),
      lead({ leadId: 'unowned', email: 'd@acme.com', status: 'new', ownerId: undefined }),
      lead({ leadId: 'new-lead', email: 'jane@acme.com', ownerId: 'maya' }),
    ];
    expect(continuityOwner({ ...base, domainLeads })).toBeNull();
  });

  it('passes over an owner who is away, left or is no longer configured, to the next lead', () => {
    const domainLeads = [
      lead({ leadId: 'jonas-lead', email: 'a@acme.com', ownerId: 'jonas', receivedAt: '2026-12-20T10:00:00.000Z' }),
      lead({ leadId: 'gone-lead', email: 'b@acme.com', ownerId: 'former-rep', receivedAt: '2026-12-19T10:00:00.000Z' }),
      lead({ leadId: 'diego-lead', email: 'c@acme.com', ownerId: 'diego', receivedAt: '2026-12-01T10:00:00.000Z' }),
    ];
    expect(continuityOwner({ ...base, today: JONAS_AWAY, domainLeads })).toMatchObject({ repId: 'diego', leadId: 'diego-lead' });
    expect(continuityOwner({ ...base, today: JONAS_AWAY, domainLeads: domainLeads.slice(0, 2) })).toBeNull();
    // Not away yet, but away on the day this lead is due.
    expect(continuityOwner({ ...base, today: '2026-12-20', dueDay: '2026-12-21', domainLeads })).toMatchObject({ repId: 'diego', leadId: 'diego-lead' });
  });
});

describe('roundRobinPool', () => {
  function teamRoute(overrides: Parameters<typeof route>[0]) {
    const picked = route(overrides);
    if (picked.kind !== 'team') throw new Error(`expected a team route, got ${picked.kind}`);
    return picked;
  }

  it("takes the team's turn when the whole team shares the lead", () => {
    expect(roundRobinPool(teamRoute({ country: 'SE' }))).toBe('emea');
    expect(roundRobinPool(teamRoute({ country: 'DE' }))).toBe('emea');
  });

  it('takes no turn when one rep alone can have the lead, by territory or because the others are away', () => {
    expect(roundRobinPool(teamRoute({ country: 'GB' }))).toBeUndefined();
    expect(roundRobinPool(teamRoute({ country: 'SE', today: JONAS_AWAY }))).toBeUndefined();
  });

  it("keeps the reps who cover a country in that country's own rotation", () => {
    const candidates = [{ repId: 'ana', weight: 1 }, { repId: 'jonas', weight: 1 }];
    expect(roundRobinPool({ kind: 'team', teamId: 'emea', ruleName: 'Territory', matchedOn: [], candidates, coveredCountry: 'FR' })).toBe('emea/FR');
  });
});

describe('describeAssignment', () => {
  it('describes a round-robin pick with its rule, territory and slot', () => {
    const route = routeLead({ lead: { formId: 'demo-request' }, enrichment: { country: 'DE' }, score: 40, form: demoForm, config, today: TODAY });
    if (route.kind !== 'team') throw new Error(`expected a team route, got ${route.kind}`);
    const pick = pickByWeightedRoundRobin(route.candidates, 3);
    expect(describeAssignment({ route, pick }, config)).toEqual({ ownerId: 'jonas', ownerReason: 'Territory EMEA (DE) → Jonas Weber (round robin 2 of 2)' });
  });

  it('says when the territory picked the rep', () => {
    const canada = route({ country: 'CA' });
    if (canada.kind !== 'team') throw new Error(`expected a team route, got ${canada.kind}`);
    expect(describeAssignment({ route: canada, pick: pickByWeightedRoundRobin(canada.candidates, 5) }, config)).toEqual({ ownerId: 'maya', ownerReason: 'Territory Americas (CA) → Maya Johnson (covers CA)' });
  });

  it('says when the rep was the only one available', () => {
    const jonasAway = route({ country: 'SE', today: JONAS_AWAY });
    if (jonasAway.kind !== 'team') throw new Error(`expected a team route, got ${jonasAway.kind}`);
    expect(describeAssignment({ route: jonasAway, pick: pickByWeightedRoundRobin(jonasAway.candidates, 0) }, config)).toEqual({ ownerId: 'ana', ownerReason: 'Territory EMEA (SE) → Ana Silva (the only one available)' });
  });

  it('passes a named rep, a fallback and continuity through with their reasons', () => {
    expect(describeAssignment({ route: { kind: 'rep', repId: 'diego', reason: 'Hot leads → Diego Ramos' } }, config)).toEqual({ ownerId: 'diego', ownerReason: 'Hot leads → Diego Ramos' });
    const fallback = route({ country: 'JP' });
    if (fallback.kind !== 'fallback') throw new Error('expected the fallback');
    expect(describeAssignment({ route: fallback }, config)).toEqual({ ownerId: 'ana', ownerReason: 'No assignment rule matched → fallback owner Ana Silva' });
    expect(describeAssignment({ continuity: { repId: 'maya', basis: 'domain', leadId: 'x', reason: 'Continuity: Maya Johnson already owns another open lead from acme.com' } }, config)).toEqual({
      ownerId: 'maya',
      ownerReason: 'Continuity: Maya Johnson already owns another open lead from acme.com',
    });
  });
});
