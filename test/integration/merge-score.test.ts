/**
 * A returning visit that scores higher raises the open lead's score in the same transaction that joins it. Two
 * visits decided side by side must not lower each other's raise: the store writes a raise only over a lower score.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/load.ts';
import { LeadStore } from '../../shared/adapters/lead-store/store.ts';
import { seedLead } from '../fixtures/nightly-scenario.ts';
import { createTestTable, testDynamoDbClient } from '../support/local-aws.ts';

const config = loadConfig('handoff.config.json');
let store: LeadStore;

beforeAll(async () => {
  store = new LeadStore({ client: testDynamoDbClient(), tableName: await createTestTable('merge-score'), timezone: config.organisation.timezone });
});

/** An open lead scored `score`, and a later submission of the same person not yet placed. */
async function openLeadAndVisit(id: string, score: number) {
  const email = `rita@${id.toLowerCase()}.example`;
  const open = seedLead({ leadId: `${id}-OPEN`, formId: 'demo-request', receivedAt: '2026-11-20T10:00:00Z', status: 'new', name: 'Rita Open', email, score }, config);
  const { enrichment, alert: _alert, ...captured } = open;
  await store.putNewLead({ ...captured, score: undefined, scoreReasons: undefined });
  expect(await store.recordAssignment(open.leadId, { enrichment: enrichment!, score, scoreReasons: [`+${score} seeded`], ownerId: 'ana', ownerReason: 'seeded' })).toBe(true);
  const { enrichment: _e, alert: _a, score: _s, scoreReasons: _r, ...visit } = seedLead({ leadId: `${id}-VISIT`, formId: 'demo-request', receivedAt: '2026-11-21T10:00:00Z', status: 'new', name: 'Rita Visit', email }, config);
  await store.putNewLead(visit);
  return { open: (await store.getLead(open.leadId))!, visit: (await store.getLead(visit.leadId))! };
}

describe('joining a returning visit with a raised score', () => {
  it('raises a lower score and joins the visit in one write', async () => {
    const { open, visit } = await openLeadAndVisit('RAISE', 40);
    expect(await store.mergeIntoLead(open, visit, { score: 75, reasons: ['+10 repeat visit (1 earlier submission)'] })).toBe(true);
    expect(await store.getLead(open.leadId)).toMatchObject({ score: 75, scoreReasons: ['+10 repeat visit (1 earlier submission)'], submissions: [{ leadId: visit.leadId }] });
    expect(await store.getLead(visit.leadId)).toMatchObject({ status: 'merged', mergedInto: open.leadId });
  });

  it('writes nothing when the score is already as high (a visit decided side by side raised it first)', async () => {
    const { open, visit } = await openLeadAndVisit('STALE', 80);
    expect(await store.mergeIntoLead(open, visit, { score: 70, reasons: ['+70 stale'] })).toBe(false);
    expect(await store.getLead(open.leadId)).toMatchObject({ score: 80, scoreReasons: ['+80 seeded'] });
    expect((await store.getLead(open.leadId))!.submissions).toBeUndefined();
    expect(await store.getLead(visit.leadId)).toMatchObject({ status: 'new' });
    expect(await store.mergeIntoLead(open, visit)).toBe(true);
    expect(await store.getLead(open.leadId)).toMatchObject({ score: 80, submissions: [{ leadId: visit.leadId }] });
  });
});
