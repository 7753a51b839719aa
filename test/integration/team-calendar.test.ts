/**
 * A team that works in another timezone (or to other hours) gets its leads' deadlines on its own clock: a New York
 * lead at 10:00 on a Friday is due that afternoon in New York, not on Monday by Berlin's hours. The alert shows the
 * rep their own time, and the deadline index orders the lead by the moved deadline. A lead handed on to another
 * team's rep has its deadline counted again on the new owner's clock.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { ConditionalCheckFailedException, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';
import { LeadStore } from '../../shared/adapters/lead-store/store.ts';
import { mailerFromEnv } from '../../shared/adapters/mailer-from-env.ts';
import { captureLead } from '../../shared/usecases/capture-lead.ts';
import { SubmissionsSeenHere } from '../../shared/domain/rate-limit.ts';
import { processLead, type ProcessDependencies } from '../../shared/usecases/process-lead.ts';
import { useActionLink } from '../../shared/usecases/action-links.ts';
import { recordFollowUp } from '../../shared/usecases/record-follow-up.ts';
import { verifyActionToken } from '../../shared/domain/action-token.ts';
import { createTestTable, readMailbox, testDynamoDbClient, type MailboxEmail } from '../support/local-aws.ts';

const shipped = loadConfig('handoff.config.json');
const config: Config = { ...shipped, teams: shipped.teams.map((team) => (team.id === 'americas' ? { ...team, timezone: 'America/New_York' } : team)) };
/** Friday 27 Nov 2026, 10:00 in New York and 16:00 in Berlin. */
const FRIDAY_MORNING_IN_NEW_YORK = new Date('2026-11-27T15:00:00Z');

let client: DynamoDBClient;
let store: LeadStore;
let deps: ProcessDependencies;

beforeAll(async () => {
  client = testDynamoDbClient();
  store = new LeadStore({ client, tableName: await createTestTable('team-calendar'), timezone: config.organisation.timezone });
  deps = { config, store, mailer: mailerFromEnv(config), actionSecret: randomBytes(48).toString('base64url'), now: () => FRIDAY_MORNING_IN_NEW_YORK };
});

async function processedLead(fields: Record<string, string>, processing: ProcessDependencies = deps) {
  const { leadId } = await captureLead(
    { formId: 'demo-request', fields: Object.entries(fields), sourceIp: `192.0.2.${randomInt(1, 254)}`, context: { query: {} } },
    { config: processing.config, store, seenHere: new SubmissionsSeenHere(), now: () => FRIDAY_MORNING_IN_NEW_YORK },
  );
  const captured = (await store.getLead(leadId))!;
  expect(await processLead(leadId, processing)).toBe('alerted');
  return { captured, lead: (await store.getLead(leadId))! };
}

/** The one alert a rep got about a person: the mailbox is shared by the whole run. */
async function alertTo(repId: string, leadEmail: string): Promise<MailboxEmail> {
  const repEmail = config.salespeople.find((rep) => rep.id === repId)!.email;
  const alerts = (await readMailbox()).filter((mail) => mail.destination.to.includes(repEmail) && mail.replyTo.some((address) => address.includes(leadEmail)));
  expect(alerts).toHaveLength(1);
  return alerts[0]!;
}

/** The token behind an alert's "Not mine — reassign" button. */
function notMineToken(alert: MailboxEmail, secret: string): string {
  const tokens = [...(alert.body.html ?? '').matchAll(/\/actions\/([A-Za-z0-9_.-]+)/g)].map((match) => match[1]!);
  const token = tokens.find((candidate) => {
    const verified = verifyActionToken(candidate, secret, FRIDAY_MORNING_IN_NEW_YORK);
    return verified.ok && verified.payload.action === 'reassign';
  });
  expect(token).toBeDefined();
  return token!;
}

describe("a team's own working calendar", () => {
  it("moves a lead's deadline to its owner's clock, in the lead and in the deadline index, and shows the owner their own time", async () => {
    const email = `pat.${randomInt(1e9)}@us-buyer.com`;
    const { captured, lead } = await processedLead({ email, firstName: 'Pat', country: 'US' });
    // Capture counts on the organisation's clock (Berlin: 1 h on Friday, 3 h on Monday), the owner's team on New York's.
    expect(captured.followUpDeadline).toBe('2026-11-30T11:00:00.000Z');
    expect(lead.ownerId).toMatch(/^(maya|diego)$/);
    expect(lead.followUpDeadline).toBe('2026-11-27T19:00:00.000Z');

    const dueBy = async (instant: string) => (await store.waitingDueBy(new Date(instant))).map((waiting) => waiting.leadId);
    expect(await dueBy('2026-11-27T18:59:00Z')).not.toContain(lead.leadId);
    expect(await dueBy('2026-11-27T19:00:00Z')).toContain(lead.leadId);

    const alert = (await readMailbox()).find((mail) => mail.replyTo.some((address) => address.includes(email)))!;
    expect(alert.body.text).toContain('First contact by Fri 27 Nov, 14:00 EST');
  });

  it("leaves a lead on the organisation's clock when its owner's team keeps it", async () => {
    const { captured, lead } = await processedLead({ email: `eva.${randomInt(1e9)}@de-buyer.de`, firstName: 'Eva', country: 'DE' });
    expect(['ana', 'jonas']).toContain(lead.ownerId);
    expect(lead.followUpDeadline).toBe(captured.followUpDeadline);
  });
});

describe('a reassignment to a rep on another calendar', () => {
  // Both EMEA reps declining a German lead hands it to the Americas team, which works on New York's clock.
  const overflow: Config = {
    ...config,
    assignment: { ...config.assignment, rules: [...config.assignment.rules, { name: 'EMEA overflow', when: { countries: ['DE'] }, assignTo: { team: 'americas' } }] },
  };
  /** The lead's own UpdateItem writes while `action` runs (the alert's status updates name no owner). */
  async function ownerWrites(action: () => Promise<unknown>): Promise<string[]> {
    const send = vi.spyOn(client, 'send');
    try {
      await action();
      return send.mock.calls.map(([command]) => command).filter((command) => command instanceof UpdateItemCommand)
        .map((command) => (command as UpdateItemCommand).input.UpdateExpression ?? '').filter((expression) => expression.includes('ownerId = :owner'));
    } finally {
      send.mockRestore();
    }
  }

  it('counts the deadline again on the new owner\'s calendar, writing it only when it moves, and shows it in their alert', async () => {
    const processing = { ...deps, config: overflow };
    // A domain of its own: another open lead from the same company would keep its owner (continuity).
    const email = `lena@${randomInt(1e9)}.de-buyer.de`;
    const { lead: first } = await processedLead({ email, firstName: 'Lena', country: 'DE' }, processing);
    // Berlin's clock: 1 h on Friday (16–17), 3 h on Monday.
    const BERLIN_DEADLINE = '2026-11-30T11:00:00.000Z';
    expect(first.followUpDeadline).toBe(BERLIN_DEADLINE);
    expect(['ana', 'jonas']).toContain(first.ownerId);

    // Berlin to Berlin: the same deadline, and the write is what it was before deadlines moved.
    const sameCalendar = await ownerWrites(async () => {
      expect((await useActionLink(notMineToken(await alertTo(first.ownerId!, email), deps.actionSecret), undefined, processing)).statusCode).toBe(200);
    });
    const second = (await store.getLead(first.leadId))!;
    expect(['ana', 'jonas']).toContain(second.ownerId);
    expect(second.ownerId).not.toBe(first.ownerId);
    expect(second.followUpDeadline).toBe(BERLIN_DEADLINE);
    expect(sameCalendar).toHaveLength(1);
    expect(sameCalendar[0]).not.toMatch(/followUpDeadline|waitingSort/);

    // Berlin to New York: Friday 10:00 + 4 business hours there is 14:00 EST.
    const otherCalendar = await ownerWrites(async () => {
      expect((await useActionLink(notMineToken(await alertTo(second.ownerId!, email), deps.actionSecret), 'I am on holiday', processing)).statusCode).toBe(200);
    });
    const third = (await store.getLead(first.leadId))!;
    expect(['maya', 'diego']).toContain(third.ownerId);
    expect(third.followUpDeadline).toBe('2026-11-27T19:00:00.000Z');
    expect(otherCalendar).toHaveLength(1);
    expect(otherCalendar[0]).toMatch(/followUpDeadline = :deadline, waitingSort = :waitingSort/);
    expect(third.activities?.map((activity) => [activity.action, activity.by])).toEqual([['reassign', first.ownerId], ['reassign', second.ownerId]]);

    const dueBy = async (instant: string) => (await store.waitingDueBy(new Date(instant))).map((waiting) => waiting.leadId);
    expect(await dueBy('2026-11-27T18:59:00Z')).not.toContain(first.leadId);
    expect(await dueBy('2026-11-27T19:00:00Z')).toContain(first.leadId);
    expect((await store.waitingDueBy(new Date('2026-11-27T19:00:00Z'))).find((waiting) => waiting.leadId === first.leadId)?.followUpDeadline).toBe('2026-11-27T19:00:00.000Z');

    const alert = await alertTo(third.ownerId!, email);
    expect(alert.body.text).toContain('First contact by Fri 27 Nov, 14:00 EST');
  });

  it('leaves the deadline of a lead already contacted, which has left the deadline index', async () => {
    const processing = { ...deps, config: overflow };
    const { lead } = await processedLead({ email: `jan@${randomInt(1e9)}.de-buyer.de`, firstName: 'Jan', country: 'DE' }, processing);
    await recordFollowUp({ leadId: lead.leadId, action: 'contacted', by: lead.ownerId!, via: 'cli' }, processing);
    const { lead: withEmea } = await recordFollowUp({ leadId: lead.leadId, action: 'reassign', by: lead.ownerId!, via: 'email-link' }, processing);
    const { lead: withAmericas } = await recordFollowUp({ leadId: lead.leadId, action: 'reassign', by: withEmea.ownerId!, via: 'email-link' }, processing);
    expect(['maya', 'diego']).toContain(withAmericas.ownerId);
    expect(withAmericas.followUpDeadline).toBe(lead.followUpDeadline);

    // Had the contact landed between reading the lead and writing the new owner, the moved deadline would be refused.
    const late = { leadId: lead.leadId, activity: { at: FRIDAY_MORNING_IN_NEW_YORK.toISOString(), by: 'maya', action: 'reassign' as const, via: 'email-link' as const }, firstContact: false };
    await expect(store.recordFollowUp({ ...late, newOwner: { ownerId: 'diego', ownerReason: 'test', followUpDeadline: '2026-11-27T19:00:00.000Z' } })).rejects.toThrow(ConditionalCheckFailedException);
    expect((await store.getLead(lead.leadId))!.followUpDeadline).toBe(lead.followUpDeadline);
  });
});
