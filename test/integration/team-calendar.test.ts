/**
 * A team that works in another timezone (or to other hours) gets its leads' deadlines on its own clock: a New York
 * lead at 10:00 on a Friday is due that afternoon in New York, not on Monday by Berlin's hours. The alert shows the
 * rep their own time, and the deadline index orders the lead by the moved deadline.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';
import { LeadStore } from '../../shared/adapters/lead-store/store.ts';
import { mailerFromEnv } from '../../shared/adapters/mailer-from-env.ts';
import { captureLead } from '../../shared/usecases/capture-lead.ts';
import { processLead, type ProcessDependencies } from '../../shared/usecases/process-lead.ts';
import { createTestTable, readMailbox, testDynamoDbClient } from '../support/local-aws.ts';

const shipped = loadConfig('handoff.config.json');
const config: Config = { ...shipped, teams: shipped.teams.map((team) => (team.id === 'americas' ? { ...team, timezone: 'America/New_York' } : team)) };
/** Friday 27 Nov 2026, 10:00 in New York and 16:00 in Berlin. */
const FRIDAY_MORNING_IN_NEW_YORK = new Date('2026-11-27T15:00:00Z');

let store: LeadStore;
let deps: ProcessDependencies;

beforeAll(async () => {
  store = new LeadStore({ client: testDynamoDbClient(), tableName: await createTestTable('team-calendar'), timezone: config.organisation.timezone });
  deps = { config, store, mailer: mailerFromEnv(config), actionSecret: randomBytes(48).toString('base64url'), now: () => FRIDAY_MORNING_IN_NEW_YORK };
});

async function processedLead(fields: Record<string, string>) {
  const { leadId } = await captureLead(
    { formId: 'demo-request', fields: Object.entries(fields), sourceIp: `192.0.2.${randomInt(1, 254)}`, context: { query: {} } },
    { config, store, now: () => FRIDAY_MORNING_IN_NEW_YORK },
  );
  const captured = (await store.getLead(leadId))!;
  expect(await processLead(leadId, deps)).toBe('alerted');
  return { captured, lead: (await store.getLead(leadId))! };
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
