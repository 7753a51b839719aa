import { describe, expect, it } from 'vitest';
import { buildNightlyReport, nearestRank, reportPeriods, reportWindow, type FunnelFigures, type NightlyReport } from '../../shared/domain/report.ts';
import { WAITING_LEAD_FIELDS, type Lead, type WaitingLead } from '../../shared/domain/lead.ts';
import { NOW, REPORT_DATE, overdue, scenarioConfig, seedLead, window7d } from '../fixtures/nightly-scenario.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

const report: NightlyReport = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config: scenarioConfig, overdue, window7d });

const ids = (rows: ReadonlyArray<{ leadId: string }>) => rows.map((row) => row.leadId);

describe('the sales side of the seeded scenario', () => {
  it('lists exactly the missed leads, grouped by rep, the rep with the most overdue lead first', () => {
    // Missed = waiting, uncontacted, deadline before Thu 26 Nov 06:00Z: L03, L09, L10, L13 and L16 (from the index only).
    // Not missed: L05/L08 (deadline still ahead), L18 (disqualified, stale in the index), L17 (today), spam/merged.
    expect(report.quiet).toBe(false);
    expect(report.sales.overdueCount).toBe(5);
    expect(report.sales.byRep.map((group) => [group.rep.id, ids(group.leads)])).toEqual([
      ['diego', ['L16']], // due Wed 18 Nov 13:00Z: 185 h overdue
      ['ana', ['L13', 'L03']], // 162 h, then 16 h
      ['maya', ['L09']], // 65 h
      ['jonas', ['L10']], // 20 h
    ]);
  });

  it('gives each row its deadline, age and overdue time', () => {
    const ana = report.sales.byRep.find((group) => group.rep.id === 'ana');
    const l03 = ana?.leads.find((row) => row.leadId === 'L03');
    expect(l03).toEqual({
      leadId: 'L03',
      name: 'Sofia Marino',
      email: 'sofia.marino@lattice.example',
      phone: '030 1234567',
      phoneE164: '+49301234567',
      company: 'Lattice Foods',
      formId: 'demo-request',
      sourceLabel: 'Website demo request · Always-on demo request',
      campaign: 'Always-on demo request',
      channel: '(direct)',
      score: 65,
      ownerId: 'ana',
      receivedAt: '2026-11-25T10:00:00Z',
      followUpDeadline: '2026-11-25T14:00:00.000Z', // Wed 11:00 CET + 4 business hours = 15:00 CET
      ageMs: 20 * HOUR,
      overdueMs: 16 * HOUR,
      overdueBusinessHours: 2, // Wed 15:00–17:00; the night does not count
      alertStatus: 'sent',
      alertAttempts: 1,
    });
  });

  it('gives a lead read from the deadline index alone the phone as typed, which the index keeps in the contact', () => {
    const l16 = overdue.find((lead) => lead.leadId === 'L16')!;
    const fromIndex = Object.fromEntries(WAITING_LEAD_FIELDS.flatMap((field) => (l16[field] === undefined ? [] : [[field, l16[field]]]))) as WaitingLead;
    const indexOnly = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config: scenarioConfig, overdue: [fromIndex], window7d: [] });
    const row = indexOnly.sales.byRep[0]?.leads[0];
    expect(row).toMatchObject({ leadId: 'L16', email: 'i.rossi@verdana-foods.example', phone: '02 1234 5678' });
    expect(row).not.toHaveProperty('phoneE164');
  });

  it.each([
    ['L03', 2], // Wed 15:00 → 17:00
    ['L10', 6], // Wed 11:00 → 17:00
    ['L09', 19], // Mon 14:00 → 17:00 (3) + Tue 8 + Wed 8
    ['L13', 36], // Thu 19 13:00 → 17:00 (4) + Fri, Mon, Tue, Wed (4 × 8)
    ['L16', 43], // Wed 18 14:00 → 17:00 (3) + Thu, Fri, Mon, Tue, Wed (5 × 8)
  ])('%s is overdue by %d business hours', (leadId, hours) => {
    const row = report.sales.byRep.flatMap((group) => group.leads).find((r) => r.leadId === leadId);
    expect(row?.overdueBusinessHours).toBe(hours);
  });

  it("counts overdue business hours on the owner's team clock", () => {
    // Maya's team in New York: L09 is overdue from Mon 08:00 New York (14:00 CET) to Thu 01:00 New York (06:00Z).
    const newYork = { ...scenarioConfig, teams: scenarioConfig.teams.map((team) => (team.id === 'americas' ? { ...team, timezone: 'America/New_York' } : team)) };
    const rows = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config: newYork, overdue, window7d }).sales.byRep.flatMap((group) => group.leads);
    const hoursOf = (leadId: string) => rows.find((row) => row.leadId === leadId)?.overdueBusinessHours;
    expect(hoursOf('L09')).toBe(24); // Mon 09:00 → 17:00 (8) + Tue 8 + Wed 8, New York time; Berlin's clock gives 19
    expect(hoursOf('L03')).toBe(2); // Ana's team keeps the organisation's clock
  });

  it('lists waiting leads with no owner, overdue or not', () => {
    expect(ids(report.sales.unassigned)).toEqual(['L08']);
    expect(report.sales.unassigned[0]?.overdueMs).toBe(-6 * HOUR); // due Thu 13:00 CET, 6 hours from now
  });

  it('lists waiting leads whose alert failed', () => {
    expect(ids(report.sales.alertFailed)).toEqual(['L09']);
    expect(report.sales.alertFailed[0]).toMatchObject({ alertStatus: 'failed', alertAttempts: 3 });
  });

  it('escalates leads overdue by more than 24 elapsed hours to the rep’s manager', () => {
    expect(report.escalations.map((e) => [e.managerEmail, e.leadCount, e.byRep.map((g) => [g.rep.id, ids(g.leads)])])).toEqual([
      ['eva.klein@northwind.example', 1, [['ana', ['L13']]]], // L03 is only 16 h overdue
      ['luis.ortega@northwind.example', 2, [['diego', ['L16']], ['maya', ['L09']]]], // L10 (jonas, 20 h) stays
    ]);
  });
});

describe('the marketing side of the seeded scenario', () => {
  const empty: FunnelFigures['bands'] = { under5m: 0, '5to15m': 0, '15to60m': 0, '1to24h': 0, over24h: 0, notYet: 0 };

  it('covers whole local days before the report date', () => {
    expect(report.marketing.lastDay).toEqual({ from: '2026-11-25', to: '2026-11-25' });
    expect(report.marketing.last7Days).toEqual({ from: '2026-11-19', to: '2026-11-25' });
  });

  it('computes the last day by hand', () => {
    // Real leads on Wed 25 Nov: L01 L02 L03 L04 L05 L07 L08 (L06 is spam).
    // In time: L01 (3 min), L02 (10 min). Late: L04 (270 min). Missed: L03. Pending: L05, L08. Untimed: L07.
    // Share: 2 / (2 + 1 + 1). Times sorted: 3, 10, 270 min; n = 3.
    // P50: rank ceil(0.50 × 3) = 2 → 10 min. P95: rank ceil(0.95 × 3) = 3 → 270 min.
    expect(report.marketing.total.lastDay).toEqual({
      captured: 7,
      contactedInTime: 2,
      contactedLate: 1,
      missed: 1,
      pending: 2,
      untimed: 1,
      outcomeKnown: 4,
      withinSlaShare: 0.5,
      p50Ms: 10 * MIN,
      p95Ms: 270 * MIN,
      p50BusinessHours: 10 / 60, // all three answered inside business hours: as elapsed
      p95BusinessHours: 4.5,
      bands: { ...empty, under5m: 1, '5to15m': 1, '1to24h': 1, notYet: 3 },
      deals: 1,
      notAFit: 1, // L07
      returningVisits: 0,
      spam: 1, // L06
    });
  });

  it('computes the last 7 days by hand', () => {
    // Real leads Thu 19 – Wed 25: the 7 above + L09 L10 L11 L12 L13 L15 L18 L19 = 15 (L14 merged, L16 older, L17 today).
    // In time: L01 L02 L11 L12 L15 L19 = 6. Late: L04. Missed: L03 L09 L10 L13. Pending: L05 L08. Untimed: L07 L18.
    // Share: 6 / (6 + 1 + 4) = 6/11. Times sorted (min): 1, 3, 10, 20, 40, 270, 3810; n = 7.
    // P50: rank ceil(3.5) = 4 → 20 min. P95: rank ceil(6.65) = 7 → 3810 min (L12: Fri 18:00 → Mon 09:30, in time).
    expect(report.marketing.total.last7Days).toEqual({
      captured: 15,
      contactedInTime: 6,
      contactedLate: 1,
      missed: 4,
      pending: 2,
      untimed: 2,
      outcomeKnown: 11,
      withinSlaShare: 6 / 11,
      p50Ms: 20 * MIN,
      p95Ms: 3810 * MIN,
      p50BusinessHours: 20 / 60, // see 'time to first contact in business hours'
      p95BusinessHours: 4.5,
      bands: { under5m: 2, '5to15m': 1, '15to60m': 2, '1to24h': 1, over24h: 1, notYet: 6 },
      deals: 2,
      notAFit: 2, // L07 L18
      returningVisits: 1, // L14
      spam: 1, // L06
    });
  });

  it('splits by source, largest first', () => {
    expect(report.marketing.bySource.map((row) => [row.key, row.label, row.lastDay.captured, row.last7Days.captured])).toEqual([
      ['demo-request', 'Website demo request', 5, 9],
      ['data-summit-booth', 'Data Summit 2026 booth tablet', 2, 6],
    ]);
    // Booth, 7 days: in time L11 (40 min), L19 (20 min); missed L10; pending L05; untimed L07, L18.
    // P50: rank ceil(1) = 1 → 20 min; P95: rank ceil(1.9) = 2 → 40 min.
    const booth = report.marketing.bySource[1]?.last7Days;
    expect(booth).toMatchObject({ contactedInTime: 2, missed: 1, pending: 1, untimed: 2, withinSlaShare: 2 / 3, p50Ms: 20 * MIN, p95Ms: 40 * MIN, deals: 1 });
  });

  it('splits by campaign and by event', () => {
    expect(report.marketing.byCampaign.map((row) => [row.key, row.last7Days.captured, row.last7Days.missed])).toEqual([
      ['Always-on demo request', 8, 3],
      ['Data Summit 2026', 6, 1],
      ['Black Friday LinkedIn', 1, 0],
    ]);
    expect(report.marketing.byEvent.map((row) => [row.key, row.lastDay.captured, row.last7Days.captured])).toEqual([['Data Summit 2026', 2, 6]]);
  });
});

describe('time to first contact in business hours, beside the elapsed time', () => {
  // The seeded contacts on the organisation's clock (Mon–Fri 09:00–17:00 Berlin): L15 1 min, L01 3 min, L02 10 min,
  // L19 20 min, L12 30 min (Fri 18:00 → Mon 09:30: only Mon 09:00–09:30 is business time; 63.5 h elapsed),
  // L11 40 min, L04 4 h 30 min.
  it('takes the percentiles by the same nearest rank', () => {
    const week = report.marketing.total.last7Days;
    expect(week.p50BusinessHours).toBeCloseTo(20 / 60, 10); // rank 4 of 7
    expect(week.p95BusinessHours).toBe(4.5); // rank 7 of 7
    expect(report.marketing.total.lastDay).toMatchObject({ p50BusinessHours: 10 / 60, p95BusinessHours: 4.5 });
  });

  it('shows the Friday-evening lead answered on Monday morning as the half hour of business time it waited', () => {
    const blackFriday = report.marketing.byCampaign.find((row) => row.key === 'Black Friday LinkedIn')!.last7Days;
    expect(blackFriday).toMatchObject({ p50Ms: 3810 * MIN, p50BusinessHours: 0.5, p95BusinessHours: 0.5, contactedInTime: 1 });
  });

  it('counts on the owner’s team clock, the one their deadline was set on', () => {
    // Maya's team in New York: L04, 12:00 → 16:30 Berlin, is 06:00 → 10:30 New York: 1.5 business hours.
    const newYork = { ...scenarioConfig, teams: scenarioConfig.teams.map((team) => (team.id === 'americas' ? { ...team, timezone: 'America/New_York' } : team)) };
    const l04 = window7d.filter((lead) => lead.leadId === 'L04');
    const result = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config: newYork, overdue: [], window7d: l04 });
    expect(result.marketing.total.last7Days).toMatchObject({ p50Ms: 270 * MIN, p50BusinessHours: 1.5 });
  });
});

describe('quality signals per row: not a fit, spam and returning visits', () => {
  // The seeded week: L07 and L18 were disqualified and L06 is spam (all booth); L14 is Lena Fischer's return visit
  // through the demo request, joined to her open lead (merged).
  it('counts them in the total, for the last day and the 7 days', () => {
    expect(report.marketing.total.lastDay).toMatchObject({ notAFit: 1, spam: 1, returningVisits: 0 });
    expect(report.marketing.total.last7Days).toMatchObject({ notAFit: 2, spam: 1, returningVisits: 1 });
  });

  it('counts them per source, none of them as leads', () => {
    expect(report.marketing.bySource.map((row) => [row.key, row.last7Days.captured, row.last7Days.notAFit, row.last7Days.spam, row.last7Days.returningVisits])).toEqual([
      ['demo-request', 9, 0, 0, 1],
      ['data-summit-booth', 6, 2, 1, 0],
    ]);
  });

  it('counts not a fit and returning visits per campaign, channel and event, and spam only per form and event', () => {
    // A bot fills UTM fields at will: spam split by campaign or channel would make up rows.
    expect(report.marketing.byCampaign.map((row) => [row.key, row.last7Days.notAFit, row.last7Days.returningVisits, row.last7Days.spam])).toEqual([
      ['Always-on demo request', 0, 1, undefined],
      ['Data Summit 2026', 2, 0, undefined],
      ['Black Friday LinkedIn', 0, 0, undefined],
    ]);
    expect(report.marketing.byEvent.map((row) => [row.key, row.last7Days.notAFit, row.last7Days.spam])).toEqual([['Data Summit 2026', 2, 1]]);
  });

  it('shows a campaign whose only lead was not a fit as such', () => {
    const lead = seedLead({ leadId: 'F1', formId: 'demo-request', receivedAt: '2026-11-24T09:00:00Z', status: 'disqualified', name: 'Student', email: 'f1@uni.example', ownerId: 'ana', disqualifiedAt: '2026-11-24T09:30:00Z', tracking: { utm: { source: 'reddit', campaign: 'Reddit test' } } });
    const result = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config: scenarioConfig, overdue: [], window7d: [lead] });
    expect(result.marketing.byCampaign[0]?.last7Days).toMatchObject({ captured: 1, notAFit: 1, missed: 0, deals: 0 });
  });

  it('counts spam per form without ever making it a lead or a missed follow-up', () => {
    const spam = ['S1', 'S2', 'S3'].map((leadId) => seedLead({ leadId, formId: 'demo-request', receivedAt: '2026-11-23T09:00:00Z', status: 'spam', name: 'Bot', email: `${leadId}@bot.example`, tracking: { utm: { source: 'spam-network', campaign: 'made up' } } }));
    const result = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config: scenarioConfig, overdue: spam, window7d: spam });
    expect(result.sales.overdueCount).toBe(0);
    expect(result.marketing.total.last7Days).toMatchObject({ captured: 0, spam: 3, missed: 0, outcomeKnown: 0 });
    expect(result.marketing.bySource.map((row) => [row.key, row.last7Days.captured, row.last7Days.spam])).toEqual([['demo-request', 0, 3]]);
    expect(result.marketing.byCampaign).toEqual([]);
    expect(result.marketing.byChannel).toEqual([]);
  });

  it('counts a returning person’s booth visit under the booth and the event, not as a new lead', () => {
    const returning = seedLead({ leadId: 'R1', formId: 'data-summit-booth', receivedAt: '2026-11-24T12:00:00Z', status: 'merged', name: 'Lena Fischer', email: 'lena.fischer@brightpath.example' });
    const result = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config: scenarioConfig, overdue: [], window7d: [returning] });
    expect(result.marketing.total.last7Days).toMatchObject({ captured: 0, returningVisits: 1 });
    expect(result.marketing.bySource.map((row) => [row.key, row.last7Days.captured, row.last7Days.returningVisits])).toEqual([['data-summit-booth', 0, 1]]);
    expect(result.marketing.byEvent.map((row) => [row.key, row.last7Days.returningVisits])).toEqual([['Data Summit 2026', 1]]);
    expect(result.marketing.byChannel.map((row) => [row.key, row.last7Days.returningVisits])).toEqual([['event: Data Summit 2026', 1]]);
  });
});

describe('one attribution for both reports', () => {
  const lead = (leadId: string, formId: 'demo-request' | 'data-summit-booth', tracking: Parameters<typeof seedLead>[0]['tracking'], extra: { withoutChannel?: true } = {}) =>
    seedLead({ leadId, formId, receivedAt: '2026-11-24T09:00:00Z', status: 'contacted', name: `Lead ${leadId}`, email: `${leadId}@example.com`, ownerId: 'ana', firstContactAt: '2026-11-24T09:02:00Z', tracking, ...extra });
  const reportOf = (leads: Lead[]) =>
    buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config: scenarioConfig, overdue: [], window7d: leads });
  const rowsOf = (rows: NightlyReport['marketing']['byCampaign']) => rows.map((row) => [row.label, row.last7Days.captured]);

  it('counts a UTM campaign that runs on two forms as one campaign, and a lead without one under its form’s campaign', () => {
    const result = reportOf([
      lead('U1', 'demo-request', { utm: { source: 'linkedin', medium: 'paid', campaign: 'Spring launch' } }),
      lead('U2', 'data-summit-booth', { utm: { source: 'linkedin', medium: 'paid', campaign: 'Spring launch' } }),
      lead('U3', 'demo-request', {}),
    ]);
    expect(rowsOf(result.marketing.byCampaign)).toEqual([['Spring launch', 2], ['Always-on demo request', 1]]);
    // The sales row of an uncontacted lead from the same campaign names the same campaign and channel.
    const { firstContactAt: _contacted, ...waiting } = lead('U4', 'data-summit-booth', { utm: { source: 'linkedin', medium: 'paid', campaign: 'Spring launch' } });
    const sales = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config: scenarioConfig, overdue: [{ ...waiting, status: 'open' }], window7d: [] }).sales;
    expect(sales.byRep[0]?.leads[0]).toMatchObject({
      sourceLabel: 'Data Summit 2026 booth tablet · linkedin / paid · Spring launch · Data Summit 2026',
      campaign: 'Spring launch',
      channel: 'linkedin / paid',
    });
  });

  it('groups channels as the source label names them, with the event for an event form’s lead and (direct) for another that came with none', () => {
    const result = reportOf([
      lead('C1', 'demo-request', { utm: { source: 'google', medium: 'cpc' } }),
      lead('C2', 'data-summit-booth', { utm: { source: 'google', medium: 'cpc' } }),
      lead('C3', 'demo-request', { utm: { source: 'linkedin', medium: 'paid' } }),
      lead('C4', 'demo-request', { leadSource: 'Partner referral' }),
      lead('C5', 'demo-request', { referrer: 'https://news.ycombinator.com/item?id=1' }),
      lead('C6', 'demo-request', { referrer: 'https://www.northwind.example/pricing' }), // the form's own site
      lead('C7', 'data-summit-booth', {}),
    ]);
    expect(rowsOf(result.marketing.byChannel)).toEqual([
      ['google / cpc', 2],
      ['(direct)', 1],
      ['event: Data Summit 2026', 1],
      ['linkedin / paid', 1],
      ['Partner referral', 1],
      ['via news.ycombinator.com', 1],
    ]);
    // Each lead was contacted after 2 minutes, in time: every channel row has the same figures as its leads.
    expect(result.marketing.byChannel[0]?.last7Days).toMatchObject({ captured: 2, contactedInTime: 2, withinSlaShare: 1, p50Ms: 2 * MIN, p95Ms: 2 * MIN });
  });

  it('groups channels and campaigns that differ only in letter case or in full-width letters, under the spelling met first', () => {
    const result = reportOf([
      lead('K1', 'demo-request', { utm: { source: 'google', medium: 'cpc', campaign: 'Q4-BI-Launch' } }),
      lead('K2', 'demo-request', { utm: { source: 'Google', medium: 'CPC', campaign: 'q4-bi-launch' } }),
      // A Japanese keyboard in full-width mode types ｇｏｏｇｌｅ and Ｑ４.
      lead('K3', 'demo-request', { utm: { source: 'ｇｏｏｇｌｅ', medium: 'ｃｐｃ', campaign: 'Ｑ４-BI-Launch' } }),
    ]);
    expect(rowsOf(result.marketing.byChannel)).toEqual([['google / cpc', 3]]);
    expect(rowsOf(result.marketing.byCampaign)).toEqual([['Q4-BI-Launch', 3]]);
  });

  it('derives the channel of a lead stored before channels were, and of a lead not enriched yet, by the same rule', () => {
    const legacy = lead('O1', 'demo-request', { utm: { source: 'google', medium: 'cpc', campaign: 'Q4 data teams' } }, { withoutChannel: true });
    expect(legacy.enrichment?.source.channel).toBeUndefined();
    const { enrichment: _enrichment, ...unenriched } = lead('O2', 'demo-request', { referrer: 'https://news.ycombinator.com/' });
    const ownSite = lead('O3', 'demo-request', { referrer: 'https://www.northwind.example/' }, { withoutChannel: true });
    const result = reportOf([legacy, unenriched, ownSite]);
    expect(rowsOf(result.marketing.byChannel)).toEqual([['(direct)', 1], ['google / cpc', 1], ['via news.ycombinator.com', 1]]);
    expect(rowsOf(result.marketing.byCampaign)).toEqual([['Always-on demo request', 2], ['Q4 data teams', 1]]);
  });

  it('counts an event-form lead stored as (direct), before event forms had a channel of their own, under its event', () => {
    const stored = lead('E1', 'data-summit-booth', {});
    const storedAsDirect = { ...stored, enrichment: { ...stored.enrichment!, source: { ...stored.enrichment!.source, channel: '(direct)' } } };
    expect(rowsOf(reportOf([storedAsDirect]).marketing.byChannel)).toEqual([['event: Data Summit 2026', 1]]);
  });

  it('splits the seeded week by channel', () => {
    // google / cpc: L01 (3 min), L02 (10 min, a deal), L15 (1 min) — all in time; P50 rank 2 = 3 min, P95 rank 3 = 10 min.
    // linkedin / paid: L12; via news.ycombinator.com: L09 (missed); the 6 booth leads came from the event; the other 4
    // real leads came direct.
    expect(report.marketing.byChannel.map((row) => [row.label, row.lastDay.captured, row.last7Days.captured])).toEqual([
      ['event: Data Summit 2026', 2, 6],
      ['(direct)', 3, 4],
      ['google / cpc', 2, 3],
      ['linkedin / paid', 0, 1],
      ['via news.ycombinator.com', 0, 1],
    ]);
    expect(report.marketing.byChannel[2]?.last7Days).toMatchObject({ contactedInTime: 3, withinSlaShare: 1, p50Ms: 3 * MIN, p95Ms: 10 * MIN, bands: { under5m: 2, '5to15m': 1 }, deals: 1 });
  });
});

describe('a report for a time before some follow-ups were recorded (a re-run for a missed night, a retried schedule)', () => {
  // Maya contacted L04 and Jonas qualified L02 only after the report's time (Thu 26 Nov 06:00Z).
  const afterTheReport = '2026-11-26T09:00:00Z';
  const recordedLater = window7d.map((lead) => {
    if (lead.leadId === 'L04') return { ...lead, firstContactAt: afterTheReport };
    if (lead.leadId === 'L02') return { ...lead, qualifiedAt: afterTheReport };
    return lead;
  });
  const rerun = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config: scenarioConfig, overdue, window7d: recordedLater });

  it('lists a lead first contacted after it as missed', () => {
    expect(rerun.sales.overdueCount).toBe(report.sales.overdueCount + 1);
    expect(ids(rerun.sales.byRep.find((group) => group.rep.id === 'maya')!.leads)).toEqual(['L09', 'L04']);
  });

  it('counts neither that contact nor a deal closed after it in the marketing figures', () => {
    const before = report.marketing.total.lastDay;
    const after = rerun.marketing.total.lastDay;
    expect(after).toMatchObject({
      contactedLate: before.contactedLate - 1,
      missed: before.missed + 1,
      deals: before.deals - 1,
      bands: { ...before.bands, '1to24h': before.bands['1to24h'] - 1, notYet: before.bands.notYet + 1 },
    });
  });
});

describe('overdue leads the marketing report’s missed follow-ups leave out', () => {
  it('are the seeded lead captured before the 7 days, and the two figures differ by exactly it', () => {
    // L16 (Wed 18 Nov) is overdue but older than Thu 19 – Wed 25 Nov; the other 4 overdue leads are the 4 missed.
    expect(report.sales.overdueOutsideWeek).toEqual({ capturedBefore: 1, capturedAfter: 0 });
    expect(report.sales.overdueCount).toBe(report.marketing.total.last7Days.missed + 1);
  });

  it('are counted by org-local capture day and as of the report’s time, never spam or merged', () => {
    const lead = (leadId: string, receivedAt: string, extra: Partial<Parameters<typeof seedLead>[0]> = {}) =>
      seedLead({ leadId, formId: 'demo-request', receivedAt, status: 'open', name: `Lead ${leadId}`, email: `${leadId}@example.com`, ownerId: 'ana', ...extra });
    const before = [
      lead('B1', '2026-11-12T09:00:00Z'),
      // Contacted only after the report's time (Thu 26 Nov 06:00Z), so still overdue as of it.
      lead('B2', '2026-11-12T10:00:00Z', { status: 'contacted', firstContactAt: '2026-11-26T08:00:00Z' }),
      // Spam and merged leads are never overdue, even when a lagging index still lists them.
      lead('B3', '2026-11-12T11:00:00Z', { status: 'spam' }),
      lead('B4', '2026-11-12T12:00:00Z', { status: 'merged' }),
      // Wed 18 Nov 23:30Z is Thu 19 Nov 00:30 in Berlin: inside the 7 days, so one of the missed follow-ups.
      lead('W1', '2026-11-18T23:30:00Z'),
    ];
    // Thu 26 Nov 00:10 Berlin, the report date, on a 30-minute SLA: overdue at 07:00, counted in tomorrow's week.
    const today = { ...lead('T1', '2026-11-25T23:10:00Z'), followUpDeadline: '2026-11-25T23:40:00.000Z' };
    const result = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config: scenarioConfig, overdue: [...overdue, ...before], window7d: [...window7d, before[4]!, today] });
    expect(result.sales.overdueOutsideWeek).toEqual({ capturedBefore: 3, capturedAfter: 1 }); // L16 B1 B2; T1
    expect(result.marketing.total.last7Days.missed).toBe(report.marketing.total.last7Days.missed + 1); // W1
    expect(result.sales.overdueCount).toBe(result.marketing.total.last7Days.missed + 3 + 1);
  });
});

describe('a quiet day', () => {
  it('is still a report, with nothing overdue and the figures intact', () => {
    const contactedOnly = window7d.filter((lead) => lead.firstContactAt !== undefined);
    const quiet = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config: scenarioConfig, overdue: [], window7d: contactedOnly });
    expect(quiet.quiet).toBe(true);
    expect(quiet.sales).toEqual({ overdueCount: 0, overdueOutsideWeek: { capturedBefore: 0, capturedAfter: 0 }, byRep: [], unassigned: [], alertFailed: [] });
    expect(quiet.escalations).toEqual([]);
    // The contacted leads L01 L02 L04 L11 L12 L15 L19; only L04 was late.
    expect(quiet.marketing.total.last7Days.captured).toBe(7);
    expect(quiet.marketing.total.last7Days.withinSlaShare).toBe(6 / 7);
  });

  it('leaves the share and percentiles empty when nothing came in', () => {
    const empty = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config: scenarioConfig, overdue: [], window7d: [] });
    expect(empty.marketing.total.last7Days).toMatchObject({ captured: 0, withinSlaShare: null, p50Ms: null, p95Ms: null });
    expect(empty.marketing.bySource).toEqual([]);
  });
});

describe('never missed', () => {
  it.each(['spam', 'merged', 'disqualified', 'contacted', 'qualified'] as const)('a %s lead past its deadline', (status) => {
    const lead = seedLead({ leadId: 'X1', formId: 'demo-request', receivedAt: '2026-11-23T09:00:00Z', status, name: 'Zoe Park', email: 'zoe@park.example', ownerId: 'ana' });
    const result = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config: scenarioConfig, overdue: [lead], window7d: [lead] });
    expect(result.sales.overdueCount).toBe(0);
    expect(result.marketing.total.last7Days.missed).toBe(0);
  });

  it('an unknown owner makes an overdue lead unassigned, not dropped', () => {
    const lead = seedLead({ leadId: 'X2', formId: 'demo-request', receivedAt: '2026-11-23T09:00:00Z', status: 'open', name: 'Zoe Park', email: 'zoe@park.example', ownerId: 'left-the-company' });
    const result = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config: scenarioConfig, overdue: [lead], window7d: [] });
    expect(result.sales.overdueCount).toBe(1);
    expect(result.sales.byRep).toEqual([]);
    expect(ids(result.sales.unassigned)).toEqual(['X2']);
  });
});

describe('nearestRank', () => {
  it.each([
    [[5], 50, 5],
    [[5], 95, 5],
    [[1, 2], 50, 1], // ceil(1) = 1
    [[1, 2, 3, 4], 50, 2], // ceil(2) = 2
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 95, 19], // ceil(19) = 19
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21], 95, 20], // ceil(19.95) = 20
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 95, 11], // ceil(10.45) = 11: a rank is never rounded down
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 41, 5], // ceil(4.1) = 5
    [[], 50, null],
  ])('of %j at P%d is %j', (values, percentile, expected) => {
    expect(nearestRank(values, percentile)).toBe(expected);
  });
});

describe('report periods and the window the use case queries', () => {
  it('ends the day before the report date', () => {
    expect(reportPeriods('2027-01-01')).toEqual({ lastDay: { from: '2026-12-31', to: '2026-12-31' }, last7Days: { from: '2026-12-25', to: '2026-12-31' } });
  });

  it('gives UTC bounds that follow a DST switch inside the window', () => {
    // Berlin falls back on Sun 25 Oct 2026: the window opens at CEST midnight and closes at CET midnight.
    const window = reportWindow('2026-10-27', 'Europe/Berlin');
    expect(window.from.toISOString()).toBe('2026-10-19T22:00:00.000Z');
    expect(window.to.toISOString()).toBe('2026-10-26T23:00:00.000Z');
    const ny = reportWindow('2026-11-26', 'America/New_York');
    expect(ny.from.toISOString()).toBe('2026-11-19T05:00:00.000Z');
    expect(ny.to.toISOString()).toBe('2026-11-26T05:00:00.000Z');
  });
});
