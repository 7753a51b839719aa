/**
 * A rep who is away keeps the leads they own: a returning person joins their open lead, and the fallback owner takes
 * what nobody else can. Their manager gets a copy of the alert, whose buttons record the manager. Against DynamoDB
 * Local and the local SES, through the use cases the stream processor runs.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';
import { LeadStore } from '../../shared/adapters/lead-store/store.ts';
import type { Mailer } from '../../shared/adapters/mailer.ts';
import { mailerFromEnv } from '../../shared/adapters/mailer-from-env.ts';
import { verifyActionToken } from '../../shared/domain/action-token.ts';
import { captureLead } from '../../shared/usecases/capture-lead.ts';
import { SubmissionsSeenHere } from '../../shared/domain/rate-limit.ts';
import { processLead, type ProcessDependencies } from '../../shared/usecases/process-lead.ts';
import { createTestTable, readMailbox, testDynamoDbClient, type MailboxEmail } from '../support/local-aws.ts';

const run = randomInt(1e9);
const shipped = loadConfig('handoff.config.json');
/** This run's own addresses for reps and managers, so the shared mailbox can be read per person. */
const atWork: Config = {
  ...shipped,
  salespeople: shipped.salespeople.map((rep) => ({ ...rep, email: `${rep.id}.${run}@reps.example`, managerEmail: `manager-of-${rep.team}.${run}@reps.example`, away: [] })),
};
const NOW = new Date('2026-11-27T10:00:00Z');
const awayUntilWednesday = (config: Config, repIds: string[]): Config => ({
  ...config,
  salespeople: config.salespeople.map((rep) => (repIds.includes(rep.id) ? { ...rep, away: [{ from: '2026-11-27', to: '2026-12-02' }] } : rep)),
});

let store: LeadStore;
const actionSecret = randomBytes(48).toString('base64url');
beforeAll(async () => {
  store = new LeadStore({ client: testDynamoDbClient(), tableName: await createTestTable('away-owner'), timezone: shipped.organisation.timezone });
});

const deps = (config: Config): ProcessDependencies => ({ config, store, mailer: mailerFromEnv(config), actionSecret, now: () => NOW });
async function submitAndProcess(config: Config, email: string, country: string, message: string): Promise<string> {
  const { leadId } = await captureLead({ formId: 'demo-request', fields: [['email', email], ['country', country], ['message', message]], sourceIp: `198.51.100.${randomInt(1, 254)}`, context: { query: {} } }, { config, store, seenHere: new SubmissionsSeenHere(), now: () => NOW });
  await processLead(leadId, deps(config));
  return leadId;
}
const mailTo = async (address: string): Promise<MailboxEmail[]> => (await readMailbox()).filter((mail) => mail.destination.to.includes(address));
const linkActors = (mail: MailboxEmail) =>
  [...new Set((mail.body.html ?? '').match(/\/actions\/[A-Za-z0-9_.-]+/g) ?? [])].map((path) => {
    const verified = verifyActionToken(path.replace('/actions/', ''), actionSecret, NOW);
    return verified.ok ? (verified.payload.actor?.address ?? verified.payload.repId) : 'invalid';
  });

describe('an owner who is away', () => {
  it("hears of their returning person with a note that they are away, and their manager gets a copy whose buttons record the manager", async () => {
    const email = `oliver.${run}@returning-away.example`;
    const leadId = await submitAndProcess(atWork, email, 'GB', 'First contact please');
    const { ownerId } = (await store.getLead(leadId))!;
    const owner = atWork.salespeople.find((rep) => rep.id === ownerId)!;
    const manager = owner.managerEmail;

    await submitAndProcess(awayUntilWednesday(atWork, [owner.id]), email, 'GB', 'URGENT: we want to buy this week');
    const [returning, ...moreToOwner] = (await mailTo(owner.email)).filter((mail) => mail.subject.startsWith('Returning lead'));
    expect(moreToOwner).toEqual([]);
    expect(returning!.body.text).toContain(`AWAY\nYou are marked away until Wed 2 Dec, so your manager (${manager}) gets a copy of this alert.`);
    expect(linkActors(returning!)).toEqual([owner.id, owner.id, owner.id, owner.id]);

    const [copy, ...moreCopies] = await mailTo(manager);
    expect(moreCopies).toEqual([]);
    expect(copy!.subject).toBe(`[Copy for ${owner.name}] ${returning!.subject}`);
    expect(copy!.body.text).toContain(`AWAY\n${owner.name} is marked away until Wed 2 Dec, so you get this copy as their manager. Its buttons record you, on ${owner.name}'s behalf.`);
    expect(copy!.body.text).toContain('URGENT: we want to buy this week');
    // The copy speaks to the manager about the rep: not "Why you", not "assigned this lead to you".
    const firstName = owner.name.split(' ')[0];
    expect(copy!.body.text).toContain(`\nWHY ${firstName!.toUpperCase()}\n`);
    expect(copy!.body.text).toContain(`Sent to you as ${owner.name}'s manager: Handoff assigned this lead to them while they are away.`);
    expect(`${copy!.body.text}\n${copy!.body.html}`).not.toMatch(/Why you|this lead to you/i);
    expect(returning!.body.text).toContain('\nWHY YOU\n');
    expect(linkActors(copy!)).toEqual([manager, manager, manager, manager]);
  });

  it("keeps the rep's alert sent when the manager's copy cannot be sent: the copy is never worth a second alert", async () => {
    const email = `noor.${run}@copy-fails.example`;
    const leadId = await submitAndProcess(atWork, email, 'GB', 'First contact please');
    const { ownerId } = (await store.getLead(leadId))!;
    const owner = atWork.salespeople.find((rep) => rep.id === ownerId)!;
    const away = awayUntilWednesday(atWork, [owner.id]);
    const { leadId: visitId } = await captureLead({ formId: 'demo-request', fields: [['email', email], ['message', 'Back again']], sourceIp: '198.51.100.9', context: { query: {} } }, { config: away, store, seenHere: new SubmissionsSeenHere(), now: () => NOW });
    // SES refusing only the manager's address: a fault the local SES cannot be made to produce.
    const real = mailerFromEnv(away);
    const refusingManager: Mailer = { send: (email) => (email.to.includes(owner.managerEmail) ? Promise.reject(new Error('MessageRejected')) : real.send(email)) };
    expect(await processLead(visitId, { ...deps(away), mailer: refusingManager })).toBe('alerted');
    expect((await store.getLead(visitId))!.alert).toMatchObject({ status: 'sent', attempts: 1 });
    expect((await mailTo(owner.email)).filter((mail) => mail.body.text?.includes('Back again'))).toHaveLength(1);
    expect((await mailTo(owner.managerEmail)).filter((mail) => mail.body.text?.includes('Back again'))).toEqual([]);
  });

  it('does not get a Friday-afternoon lead due on the Monday their holiday starts, unless nobody else can take it', async () => {
    const fridayAfternoon = new Date('2026-11-27T15:30:00Z'); // 16:30 in Berlin: 4 business hours run into Monday
    const jonasAwayFromMonday: Config = { ...atWork, salespeople: atWork.salespeople.map((rep) => (rep.id === 'jonas' ? { ...rep, away: [{ from: '2026-11-30', to: '2026-12-02' }] } : rep)) };
    const depsOn = (config: Config): ProcessDependencies => ({ ...deps(config), now: () => fridayAfternoon });
    const submitOn = async (config: Config, email: string) => {
      const { leadId } = await captureLead({ formId: 'demo-request', fields: [['email', email], ['country', 'DE']], sourceIp: `198.51.100.${randomInt(1, 254)}`, context: { query: {} } }, { config, store, seenHere: new SubmissionsSeenHere(), now: () => fridayAfternoon });
      await processLead(leadId, depsOn(config));
      return (await store.getLead(leadId))!;
    };
    for (const index of [1, 2, 3]) expect((await submitOn(jonasAwayFromMonday, `friday.${index}.${run}@due-monday.example`)).ownerId).toBe('ana');

    // The whole team away from Monday: the fallback owner (Ana) takes it, and her manager hears of it.
    const emeaAwayFromMonday: Config = { ...atWork, salespeople: atWork.salespeople.map((rep) => (rep.team === 'emea' ? { ...rep, away: [{ from: '2026-11-30', to: '2026-12-02' }] } : rep)) };
    const email = `fallback.${run}@due-monday.example`;
    const lead = await submitOn(emeaAwayFromMonday, email);
    expect(lead.ownerId).toBe('ana');
    const ana = atWork.salespeople.find((rep) => rep.id === 'ana')!;
    const alert = (await mailTo(ana.email)).find((mail) => mail.replyTo.includes(email))!;
    expect(alert.body.text).toContain(`AWAY\nYou are marked away from Mon 30 Nov until Wed 2 Dec, so your manager (${ana.managerEmail}) gets a copy of this alert.`);
    expect((await mailTo(ana.managerEmail)).filter((mail) => mail.replyTo.includes(email))).toHaveLength(1);
  });

  it('sends a rep who is at work their alert alone, with no note', async () => {
    const email = `mia.${run}@at-work.example`;
    const leadId = await submitAndProcess(atWork, email, 'DE', 'Demo please');
    const { ownerId } = (await store.getLead(leadId))!;
    const owner = atWork.salespeople.find((rep) => rep.id === ownerId)!;
    const [alert] = (await mailTo(owner.email)).filter((mail) => mail.body.text?.includes(email));
    expect(alert!.body.text).not.toContain('AWAY');
    expect((await mailTo(owner.managerEmail)).filter((mail) => mail.body.text?.includes(email))).toEqual([]);
  });
});
