/**
 * A form asks its questions in an order, and a rep reads the answers in it. A DynamoDB map keeps no order (DynamoDB
 * Local hands keys back in hash order), so the store keeps answers as pairs: checked here against DynamoDB Local,
 * through capture, a returning visit, the owner's alert and a lead stored before the order was kept.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/load.ts';
import { LeadStore } from '../../shared/adapters/lead-store/store.ts';
import { mailerFromEnv } from '../../shared/adapters/mailer-from-env.ts';
import { captureLead } from '../../shared/usecases/capture-lead.ts';
import { SubmissionsSeenHere } from '../../shared/domain/rate-limit.ts';
import { processLead, type ProcessDependencies } from '../../shared/usecases/process-lead.ts';
import { createTestTable, readMailbox, testDynamoDbClient } from '../support/local-aws.ts';

const config = loadConfig('handoff.config.json');
/** Six questions in the form's order: DynamoDB Local hands this map back as budget, zeta, anything, team, tools, alpha. */
const ASKED = [
  ['How big is your team?', '40'],
  ['What is your budget?', 'Q1'],
  ['Which tools do you use?', 'dbt'],
  ['Anything else?', 'no'],
  ['zeta', '1'],
  ['alpha', '2'],
] as const;

let store: LeadStore;
let tableName: string;
let deps: ProcessDependencies;

beforeAll(async () => {
  tableName = await createTestTable('answer-order');
  store = new LeadStore({ client: testDynamoDbClient(), tableName, timezone: config.organisation.timezone });
  deps = { config, store, mailer: mailerFromEnv(config), actionSecret: randomBytes(48).toString('base64url'), now: () => new Date() };
});

async function submit(email: string, answers: ReadonlyArray<readonly [string, string]>) {
  const fields: Array<[string, string]> = [['email', email], ['firstName', 'Olga'], ['country', 'DE'], ...answers.map(([question, answer]): [string, string] => [question, answer])];
  const { leadId } = await captureLead({ formId: 'demo-request', fields, sourceIp: `198.51.100.${randomInt(1, 254)}`, context: { query: {} } }, { config, store, seenHere: new SubmissionsSeenHere(), now: () => new Date() });
  return leadId;
}

describe('answers in the order the form asked them', () => {
  it('come back from the table in that order, for the lead, for a returning visit, and in the alert', async () => {
    const email = `olga.${randomInt(1e9)}@ordered-${randomInt(1e9)}.example`;
    const leadId = await submit(email, ASKED);
    expect(Object.entries((await store.getLead(leadId))!.answers)).toEqual(ASKED.map(([question, answer]) => [question, answer]));
    expect(await processLead(leadId, deps)).toBe('alerted');

    const reversed = [...ASKED].reverse();
    const visitId = await submit(email, reversed.map(([question, answer]) => [question, `${answer} again`]));
    expect(await processLead(visitId, deps)).toBe('alerted');
    const [joined] = (await store.getLead(leadId))!.submissions!;
    expect(Object.keys(joined!.answers)).toEqual(reversed.map(([question]) => question));

    const alert = (await readMailbox()).find((mail) => mail.replyTo.includes(email) && mail.subject.startsWith('New lead'))!;
    const positions = ASKED.map(([question]) => alert.body.text!.indexOf(`${question === 'zeta' || question === 'alpha' ? question[0]!.toUpperCase() + question.slice(1) : question}:`));
    expect(positions.every((position) => position > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('reads a lead stored before the order was kept, its answers a map', async () => {
    const leadId = `ld_legacy${randomInt(1e9)}`;
    await testDynamoDbClient().send(new PutItemCommand({
      TableName: tableName,
      Item: marshall({
        pk: `LEAD#${leadId}`, sk: 'LEAD', entity: 'lead', leadId, formId: 'demo-request', formKind: 'website', status: 'open', receivedAt: '2026-11-20T10:00:00.000Z',
        followUpDeadline: '2026-11-20T14:00:00.000Z', contact: { email: 'old@legacy.example', emailDisplay: 'old@legacy.example' }, tracking: { utm: {} },
        answers: { team_size: '40' }, submissions: [{ leadId: 'ld_older', formId: 'demo-request', receivedAt: '2026-11-21T10:00:00.000Z', answers: { budget: 'Q1' } }],
      }),
    }));
    expect(await store.getLead(leadId)).toMatchObject({ answers: { team_size: '40' }, submissions: [{ answers: { budget: 'Q1' } }] });
  });
});
