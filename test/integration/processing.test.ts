import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamEvent, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LambdaHandler } from '../../infra/local/lambda-runtime.ts';
import { startStreamPoller, type StreamPoller } from '../../infra/local/stream-poller.ts';
import { findFreePort, startSesLocal } from '../../infra/local/services.ts';
import { loadConfig } from '../../shared/config/load.ts';
import { LeadStore } from '../../shared/adapters/lead-store/store.ts';
import { createActionToken } from '../../shared/domain/action-token.ts';
import { isAvailable, organisationToday } from '../../shared/domain/assign.ts';
import type { Lead } from '../../shared/domain/lead.ts';
import { asLambda } from '../support/handlers.ts';
import { createTestTable, dynamoDbEndpoint, invokeHttp, readMailbox, testDynamoDbClient, type MailboxEmail } from '../support/local-aws.ts';

const config = loadConfig('handoff.config.json');
const actionSecret = randomBytes(48).toString('base64url');

let capture: LambdaHandler;
let processLeads: LambdaHandler;
let leadActions: LambdaHandler;
let store: LeadStore;
let poller: StreamPoller;
/** What reached the on-failure destination, as the DLQ consumer received it. */
const failureQueue: SQSEvent[] = [];

beforeAll(async () => {
  process.env.TABLE_NAME = await createTestTable('process');
  const secretFile = join(mkdtempSync(join(tmpdir(), 'handoff-secret-')), 'action-secret');
  writeFileSync(secretFile, actionSecret);
  process.env.ACTION_SECRET_FILE = secretFile;
  capture = asLambda((await import('../../functions/capture.ts')).handler);
  processLeads = asLambda((await import('../../functions/process-leads.ts')).handler);
  const leadsDlq = asLambda((await import('../../functions/leads-dlq.ts')).handler);
  leadActions = asLambda((await import('../../functions/lead-actions.ts')).handler);
  store = new LeadStore({ client: testDynamoDbClient(), tableName: process.env.TABLE_NAME, timezone: config.organisation.timezone });
  poller = await startStreamPoller({
    endpoint: dynamoDbEndpoint(),
    tableName: process.env.TABLE_NAME,
    functionName: 'processLeads',
    handler: processLeads,
    onFailure: async (event) => {
      failureQueue.push(event);
      return leadsDlq(event, {} as never);
    },
  });
});

afterAll(async () => {
  await poller?.stop();
});

const unique = () => `${Date.now().toString(36)}${randomInt(1e6)}`;

async function submit(fields: Record<string, string>, formId = 'demo-request'): Promise<string> {
  const response = await invokeHttp(capture, {
    method: 'POST', url: `/forms/${formId}`, sourceIp: `203.0.113.${randomInt(1, 254)}`,
    headers: { 'content-type': 'application/json' }, body: JSON.stringify(fields),
  });
  expect(response.statusCode).toBe(201);
  return JSON.parse(response.body).leadId;
}

async function processed(leadId: string): Promise<Lead> {
  await poller.idle();
  return (await store.getLead(leadId))!;
}

const mailsAbout = async (email: string): Promise<MailboxEmail[]> =>
  (await readMailbox()).filter((mail) => mail.replyTo.some((address) => address.includes(email)));

const actionLinks = (mail: MailboxEmail) =>
  [...new Set((mail.body.html ?? '').match(/\/actions\/[A-Za-z0-9_.-]+/g) ?? [])].map((path) => path.replace('/actions/', ''));

describe('a captured lead', () => {
  it('is enriched, assigned and alerted to its owner within seconds', async () => {
    const email = `jose.${unique()}@muller-gmbh.de`;
    const leadId = await submit({ email, firstName: 'josé', lastName: 'MÜLLER', company: 'Müller GmbH', jobTitle: 'Head of Sales', phone: '030 1234567', country: 'DE', message: 'Need a demo <b>soon</b>' });
    const lead = await processed(leadId);
    expect(lead).toMatchObject({ status: 'open', ownerId: expect.stringMatching(/^(ana|jonas)$/), alert: { kind: 'new', status: 'sent', attempts: 1 } });
    expect(lead.enrichment).toMatchObject({ displayName: 'José Müller', phoneE164: '+49301234567', country: 'DE', isFreeMail: false });
    expect(lead.ownerReason).toMatch(/Territory EMEA \(DE\) → (Ana Silva|Jonas Weber) \(round robin \d of 2\)/);

    const [alert, ...more] = await mailsAbout(email);
    expect(more).toEqual([]);
    const owner = config.salespeople.find((rep) => rep.id === lead.ownerId)!;
    expect(alert!.destination.to).toEqual([owner.email]);
    expect(alert!.from).toContain(config.sender);
    expect(alert!.subject).toMatch(/^New lead: José Müller \(Müller GmbH\) · score \d+ · Website demo request$/);
    expect(alert!.body.html).toContain('Need a demo &lt;b&gt;soon&lt;/b&gt;');
    expect(alert!.body.text).toContain(lead.ownerReason);
    expect(actionLinks(alert!)).toHaveLength(4);
  });

  it('keeps its raw payload once placed, in an item of its own that expires after retention.rawPayloadDays; the lead item drops it', async () => {
    const email = `raw.${unique()}@raw-payload.de`;
    const firstId = await submit({ email, firstName: 'Rolf', message: 'first, as typed' });
    const first = await processed(firstId);
    const visitId = await submit({ email, firstName: 'Rolf', message: 'back again' });
    expect((await processed(visitId)).status).toBe('merged');
    const client = testDynamoDbClient();
    for (const [leadId, message] of [[firstId, 'first, as typed'], [visitId, 'back again']] as const) {
      const item = async (sk: string) => (await client.send(new GetItemCommand({ TableName: process.env.TABLE_NAME, Key: { pk: { S: `LEAD#${leadId}` }, sk: { S: sk } } }))).Item;
      const raw = await item('RAW');
      expect(JSON.parse(raw?.body?.S ?? '{}').message).toBe(message);
      const receivedAt = Date.parse((await store.getLead(leadId))!.receivedAt);
      expect(Number(raw?.expiresAt?.N)).toBe(Math.floor((receivedAt + config.retention.rawPayloadDays * 86_400_000) / 1000));
      expect((await item('LEAD'))?.heldRawPayload).toBeUndefined();
      expect(await store.getRawPayload(leadId)).toMatchObject({ contentType: 'application/json', body: raw!.body!.S, deletedAfter: new Date(Number(raw!.expiresAt!.N) * 1000).toISOString() });
    }
    expect(first.status).toBe('open');
    client.destroy();
  });

  it('never alerts spam', async () => {
    const email = `bot.${unique()}@spam-corp.com`;
    const leadId = await submit({ email, _gotcha: 'filled' });
    expect((await processed(leadId)).status).toBe('spam');
    expect(await mailsAbout(email)).toEqual([]);
  });
});

describe('continuity', () => {
  it('keeps a person with the rep who owns their earlier lead', async () => {
    const email = `pat.${unique()}@continuity-person.com`;
    const first = await processed(await submit({ email, country: 'US', message: 'first' }));
    await store.recordFollowUp({ leadId: first.leadId, activity: { at: new Date().toISOString(), by: first.ownerId!, action: 'disqualified', via: 'cli' }, status: 'disqualified', firstContact: false });
    const second = await processed(await submit({ email, country: 'DE', message: 'second, a new need' }));
    expect(second.leadId).not.toBe(first.leadId);
    expect(second.ownerId).toBe(first.ownerId);
    expect(second.ownerReason).toContain(`already owns ${email}'s lead`);
  });

  it('keeps a company with the rep who owns another open lead from its domain', async () => {
    const domain = `acct-${unique()}.com`;
    const first = await processed(await submit({ email: `a@${domain}`, country: 'DE' }));
    const colleague = await processed(await submit({ email: `b@${domain}`, country: 'US' }));
    expect(colleague.ownerId).toBe(first.ownerId);
    expect(colleague.ownerReason).toContain(`another open lead from ${domain}`);
  });
});

describe('a booth lead that gave only a phone ("no email, call him")', () => {
  const mailsMentioning = async (text: string) => (await readMailbox()).filter((mail) => mail.body.text?.includes(text));

  it('is stored, assigned and alerted: no Reply-To, "Email: not given", the number to call; a website form still refuses it', async () => {
    const subscriber = String(randomInt(1e6, 1e7));
    const leadId = await submit({ firstName: 'Lukas', lastName: 'Brandt', company: 'Brandt Logistik', phone: `+49 171 ${subscriber}`, message: 'No email, call him Monday' }, 'data-summit-booth');
    const lead = await processed(leadId);
    expect(lead).toMatchObject({ status: 'open', ownerId: expect.any(String), alert: { kind: 'new', status: 'sent' }, enrichment: { displayName: 'Lukas Brandt', emailDomain: '', phoneE164: `+49171${subscriber}` } });
    expect(lead.contact).not.toHaveProperty('email');
    expect(lead.scoreReasons?.join(' ')).not.toContain('business email');
    // Keyed by the number's last 8 digits in the person index, and kept out of the domain index (no one "DOMAIN#" partition).
    const { Item: item } = await testDynamoDbClient().send(new GetItemCommand({ TableName: process.env.TABLE_NAME, Key: { pk: { S: `LEAD#${leadId}` }, sk: { S: 'LEAD' } } }));
    expect(item?.emailKey).toEqual({ S: `PHONE#1${subscriber}` });
    expect(item).not.toHaveProperty('domainKey');

    const [alert, ...more] = await mailsMentioning(subscriber);
    expect(more).toEqual([]);
    expect(alert!.destination.to).toEqual([config.salespeople.find((rep) => rep.id === lead.ownerId)!.email]);
    expect(alert!.replyTo).toEqual([]);
    expect(alert!.subject).toMatch(/^New lead: Lukas Brandt \(Brandt Logistik\) · score \d+ · Data Summit 2026$/);
    expect(alert!.body.text).toContain('Email: not given');
    expect(alert!.body.text).toContain('Lukas Brandt left no email: call the number above.');
    expect(alert!.body.html).toContain(`href="tel:+49171${subscriber}"`);
    expect(alert!.body.html).not.toContain('mailto:');
    expect(actionLinks(alert!)).toHaveLength(4);

    const website = await invokeHttp(capture, {
      method: 'POST', url: '/forms/demo-request', sourceIp: '203.0.113.7', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ firstName: 'Lukas', phone: `+49 171 ${subscriber}` }),
    });
    expect(website.statusCode).toBe(422);
    expect(JSON.parse(website.body).fields).toEqual({ email: 'is required' });
  });

  it('comes back with the number written another way: joins the open lead as a returning visit', async () => {
    const subscriber = String(randomInt(1e6, 1e7));
    const first = await processed(await submit({ name: 'Mia Roth', phone: `+49 160 ${subscriber}`, message: 'at the booth' }, 'data-summit-booth'));
    const second = await processed(await submit({ name: 'Mia Roth', phone: `0160 ${subscriber}`, message: 'at the talk' }, 'data-summit-booth'));
    expect(second).toMatchObject({ status: 'merged', mergedInto: first.leadId, alert: { kind: 'returning', status: 'sent' } });
    // A Stockholm number that ends in the same 8 digits shares the index key, and is another person.
    const stranger = await processed(await submit({ name: 'Tom Lind', phone: `+46 8 60${subscriber}` }, 'data-summit-booth'));
    expect(stranger).toMatchObject({ status: 'open' });
    expect((await mailsMentioning(subscriber)).map((mail) => mail.subject.split(':')[0])).toEqual(['New lead', 'Returning lead', 'New lead']);
  });
});

describe('a person across the email/phone divide', () => {
  const mailsMentioning = async (text: string) => (await readMailbox()).filter((mail) => mail.body.text?.includes(text));

  it('who sent the web form with an address and a phone, then left only the phone at the booth: one lead, one owner', async () => {
    const subscriber = String(randomInt(1e6, 1e7));
    const email = `lukas.${unique()}@brandt-logistik.de`;
    const web = await processed(await submit({ email, firstName: 'Lukas', lastName: 'Brandt', country: 'DE', phone: `+49 171 ${subscriber}`, message: 'pricing?' }));
    const booth = await processed(await submit({ name: 'L. Brandt', phone: `0171 ${subscriber}`, message: 'No email, call him Monday' }, 'data-summit-booth'));
    expect(booth).toMatchObject({ status: 'merged', mergedInto: web.leadId, alert: { kind: 'returning', status: 'sent' } });
    expect((await store.getLead(web.leadId))!.submissions?.map((joined) => joined.message)).toEqual(['No email, call him Monday']);

    const [newLead, returning, ...more] = await mailsMentioning(subscriber);
    expect(more).toEqual([]);
    expect([newLead!.subject.split(':')[0], returning!.subject.split(':')[0]]).toEqual(['New lead', 'Returning lead']);
    expect(returning!.destination.to).toEqual(newLead!.destination.to);
    expect(returning!.replyTo).toEqual([email]);
    expect(returning!.body.text).toContain('No email, call him Monday');
  });

  it('who left only a phone at the booth, then sent the web form with an address: the alert gives the address to reply to', async () => {
    const subscriber = String(randomInt(1e6, 1e7));
    const email = `lena.${unique()}@vogt-data.de`;
    const booth = await processed(await submit({ firstName: 'Lena', lastName: 'Vogt', phone: `+49 160 ${subscriber}`, message: 'at the booth' }, 'data-summit-booth'));
    const web = await processed(await submit({ email, firstName: 'Lena', lastName: 'Vogt', country: 'DE', phone: `0160 ${subscriber}`, message: 'send the deck' }));
    expect(web).toMatchObject({ status: 'merged', mergedInto: booth.leadId, alert: { kind: 'returning', status: 'sent' } });

    const returning = (await mailsMentioning(subscriber)).find((mail) => mail.subject.startsWith('Returning lead'))!;
    expect(returning.replyTo).toEqual([email]);
    expect(returning.body.text).toContain(`Email: ${email}`);
    expect(returning.body.text).toContain('Reply to this email to answer Lena Vogt directly.');

    // Her next web form gives no phone: it still finds the booth lead, through the submission joined to it.
    const again = await processed(await submit({ email, firstName: 'Lena', message: 'any news?' }));
    expect(again).toMatchObject({ status: 'merged', mergedInto: booth.leadId });
  });

  it('a colleague who gives the same office number under another name stays a lead of their own', async () => {
    const subscriber = String(randomInt(1e6, 1e7));
    const web = await processed(await submit({ email: `ben.${unique()}@kern-ag.de`, firstName: 'Ben', lastName: 'Kern', country: 'DE', phone: `+49 30 ${subscriber}` }));
    const colleague = await processed(await submit({ name: 'Anna Weiss', phone: `030 ${subscriber}` }, 'data-summit-booth'));
    expect(colleague).toMatchObject({ status: 'open', alert: { kind: 'new' } });
    expect(colleague.mergedInto).toBeUndefined();
    expect(web.status).toBe('open');
  });
});

describe('a returning person', () => {
  it('joins their open lead, keeps its owner and sends a returning-lead alert', async () => {
    const email = `ret.${unique()}@returning-co.com`;
    const first = await processed(await submit({ email, firstName: 'Rita', country: 'DE', message: 'first visit' }));
    const secondId = await submit({ email, firstName: 'Rita', country: 'DE', message: 'back with a budget' });
    const second = await processed(secondId);
    expect(second).toMatchObject({ status: 'merged', mergedInto: first.leadId, alert: { kind: 'returning', status: 'sent' } });
    const open = (await store.getLead(first.leadId))!;
    expect(open.submissions?.map((s) => s.message)).toEqual(['back with a budget']);
    expect((await store.leadsOfPerson({ email: email })).filter((lead) => lead.status === 'open')).toHaveLength(1);
    const mails = await mailsAbout(email);
    expect(mails.map((mail) => mail.subject.split(':')[0])).toEqual(['New lead', 'Returning lead']);
    expect(mails[1]!.destination.to).toEqual(mails[0]!.destination.to);
    expect(mails[1]!.body.text).toContain('back with a budget');
  });

  it('alerts about the source of this visit and the contact details it added, and where they first came from', async () => {
    const email = `booth.${unique()}@returning-co.com`;
    const first = await processed(await submit({ email, firstName: 'Rita', country: 'DE', message: 'scanned at the booth' }, 'data-summit-booth'));
    await processed(await submit({ email, firstName: 'Rita', country: 'DE', phone: '030 9876543', jobTitle: 'Head of Data', utm_source: 'google', utm_medium: 'cpc', message: 'pricing?' }));
    expect(first.enrichment?.source.formName).toBe('Data Summit 2026 booth tablet');

    const returning = (await mailsAbout(email))[1]!;
    expect(returning.subject).toMatch(/^Returning lead: Rita .* · Website demo request$/);
    expect(returning.body.text).toMatch(/· Website demo request · google \/ cpc · Always-on demo request\nFirst came via Data Summit 2026 booth tablet · Data Summit 2026 on /);
    expect(returning.body.text).toContain('Phone: +49 30 9876543\nJob title: Head of Data\n');
    expect(returning.body.html).toContain('href="tel:+49309876543"');
  });

  it("raises the lead's score when a return visit scores higher, and never lowers it", async () => {
    const email = `rescore.${unique()}@rescore-co.com`;
    const first = await processed(await submit({ email, firstName: 'Rita', country: 'DE' }, 'data-summit-booth'));
    const second = await processed(await submit({ email, firstName: 'Rita', country: 'DE', jobTitle: 'Head of Data', phone: '030 9876543', message: 'demo please' }));
    const raised = (await store.getLead(first.leadId))!;
    expect(raised.score).toBeGreaterThan(first.score!);
    expect(raised.scoreReasons).toContain('+20 senior title (Head of Data)');
    expect(raised.scoreReasons).toContain('+10 repeat visit (1 earlier submission)');
    expect((await mailsAbout(email))[1]!.subject).toContain(`· score ${raised.score} ·`);

    await processed(await submit({ email, firstName: 'Rita', country: 'DE', message: 'one more thing' }));
    const after = (await store.getLead(first.leadId))!;
    expect({ score: after.score, scoreReasons: after.scoreReasons }).toEqual({ score: raised.score, scoreReasons: raised.scoreReasons });
    expect(after.submissions).toHaveLength(2);
    expect(second.mergedInto).toBe(first.leadId);
  });
});

describe("a person's submissions delivered out of order", () => {
  async function personWithSubmissions(count: number) {
    const tableName = await createTestTable('process-order');
    const isolatedStore = new LeadStore({ client: testDynamoDbClient(), tableName, timezone: config.organisation.timezone });
    const email = `order.${unique()}@order-co.com`;
    const firstAt = Date.now() - 60_000;
    const leadIds: string[] = [];
    for (let i = 0; i < count; i++) {
      const receivedAt = new Date(firstAt + i * 7).toISOString();
      const leadId = `ld_order${i}${unique()}`;
      await isolatedStore.putNewLead({
        leadId, formId: 'data-summit-booth', formKind: 'event', receivedAt, status: 'new',
        followUpDeadline: new Date(firstAt + 3_600_000).toISOString(),
        contact: { email, emailDisplay: email, firstName: 'Henrik', country: 'NO' }, answers: { scan: String(i) }, tracking: { utm: {} },
      });
      leadIds.push(leadId);
    }
    const { processLead } = await import('../../shared/usecases/process-lead.ts');
    const { mailerFromEnv } = await import('../../shared/adapters/mailer-from-env.ts');
    const deps = { config, store: isolatedStore, mailer: mailerFromEnv(config), actionSecret, now: () => new Date() };
    return { email, leadIds, store: isolatedStore, process: (leadId: string) => processLead(leadId, deps) };
  }

  it('makes the first submission the lead and joins the later one to it, even when the later one comes first', async () => {
    const { email, leadIds: [first, later], store: isolatedStore, process } = await personWithSubmissions(2);
    expect(await process(later!)).toBe('alerted');
    expect(await process(first!)).toBe('alerted');
    expect(await isolatedStore.getLead(first!)).toMatchObject({ status: 'open', submissions: [expect.objectContaining({ leadId: later })] });
    expect(await isolatedStore.getLead(later!)).toMatchObject({ status: 'merged', mergedInto: first });
    expect((await mailsAbout(email)).map((mail) => mail.subject.split(':')[0]).sort()).toEqual(['New lead', 'Returning lead']);
  });

  it('makes one lead of submissions processed side by side', async () => {
    const { leadIds, store: isolatedStore, process } = await personWithSubmissions(4);
    await Promise.all([...leadIds].reverse().map((leadId) => process(leadId)));
    const leads = await Promise.all(leadIds.map(async (leadId) => (await isolatedStore.getLead(leadId))!));
    expect(leads.map((lead) => lead.status)).toEqual(['open', 'merged', 'merged', 'merged']);
    expect(leads.slice(1).map((lead) => lead.mergedInto)).toEqual([leadIds[0], leadIds[0], leadIds[0]]);
  });
});

describe('round robin', () => {
  it('spreads 50 concurrent leads evenly over the pool, skipping none', async () => {
    const leadIds = await Promise.all(Array.from({ length: 50 }, (_, i) => submit({ email: `rr${i}@rr-${unique()}.com`, country: 'DE' })));
    await poller.idle(60_000);
    const leads = await Promise.all(leadIds.map((id) => store.getLead(id)));
    expect(leads.every((lead) => lead?.status === 'open' && lead.alert?.status === 'sent')).toBe(true);
    const perRep: Record<string, number> = {};
    for (const lead of leads) perRep[lead!.ownerId!] = (perRep[lead!.ownerId!] ?? 0) + 1;
    // The EMEA pool is whoever of its equal-weight reps is not away today (Jonas takes leave over Christmas).
    const today = organisationToday(new Date(), config);
    const pool = config.salespeople.filter((rep) => rep.team === 'emea' && isAvailable(rep, today)).map((rep) => rep.id);
    expect(pool.length).toBeGreaterThan(0);
    expect(perRep).toEqual(Object.fromEntries(pool.map((repId) => [repId, 50 / pool.length])));
  });

  it("shares a country nobody covers between the team, not counting leads only one rep could take", async () => {
    const owners: Record<string, string[]> = { SE: [], GB: [] };
    for (const country of ['SE', 'GB', 'SE', 'GB']) {
      const lead = await processed(await submit({ email: `turn.${unique()}@turn-${unique()}.com`, country }));
      owners[country]!.push(lead.ownerId!);
    }
    expect(owners.GB).toEqual(['jonas', 'jonas']);
    expect([...owners.SE!].sort()).toEqual(['ana', 'jonas']);
  });

  it('gives concurrent callers distinct counter values', async () => {
    const values = await Promise.all(Array.from({ length: 50 }, () => store.nextRoundRobinValue('concurrency-check')));
    expect(new Set(values).size).toBe(50);
    expect(Math.max(...values) - Math.min(...values)).toBe(49);
  });
});

describe('one-click action links', () => {
  async function alertedLead() {
    const email = `act.${unique()}@actions-co.com`;
    const lead = await processed(await submit({ email, firstName: 'Ada', country: 'DE' }));
    const [mail] = await mailsAbout(email);
    const [contacted, qualified, disqualified, reassign] = actionLinks(mail!);
    return { lead, links: { contacted: contacted!, qualified: qualified!, disqualified: disqualified!, reassign: reassign! } };
  }
  const get = (token: string) => invokeHttp(leadActions, { method: 'GET', url: `/actions/${token}` });
  const post = (token: string, note?: string) =>
    invokeHttp(leadActions, { method: 'POST', url: `/actions/${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(note ? { note } : {}).toString() });

  it('GET only shows a confirmation; POST records who did what, once', async () => {
    const { lead, links } = await alertedLead();
    const page = await get(links.contacted);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<form method="post"');
    // The email tells two leads of the same name apart.
    expect(page.body).toContain(`<p class="contact">${lead.contact.emailDisplay}</p>`);
    expect((await store.getLead(lead.leadId))?.firstContactAt).toBeUndefined();

    const done = await post(links.contacted, 'Called, demo booked <Friday>');
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('<p class="muted">Your note:</p>\n<p class="note">Called, demo booked &lt;Friday&gt;</p>');
    const contacted = (await store.getLead(lead.leadId))!;
    expect(contacted).toMatchObject({ status: 'contacted', firstContactBy: lead.ownerId, activities: [{ action: 'contacted', by: lead.ownerId, note: 'Called, demo booked <Friday>', via: 'email-link' }] });
    expect(await store.waitingDueBy(new Date('2100-01-01'))).not.toEqual(expect.arrayContaining([expect.objectContaining({ leadId: lead.leadId })]));

    const replay = await post(links.contacted, 'again');
    expect(replay.statusCode).toBe(409);
    expect((await get(links.contacted)).statusCode).toBe(409);
    const after = (await store.getLead(lead.leadId))!;
    expect(after.activities).toHaveLength(1);
    expect(after.firstContactAt).toBe(contacted.firstContactAt);

    await post(links.qualified);
    const qualified = (await store.getLead(lead.leadId))!;
    expect(qualified.status).toBe('qualified');
    expect(qualified.firstContactAt).toBe(contacted.firstContactAt);
  });

  it('tells the owner when a colleague already recorded first contact, and adds theirs to the history', async () => {
    const { lead, links } = await alertedLead();
    const colleague = config.salespeople.find((rep) => rep.id !== lead.ownerId)!;
    await store.recordFollowUp({
      leadId: lead.leadId, activity: { at: '2026-11-30T10:05:00.000Z', by: colleague.id, onBehalfOf: lead.ownerId, action: 'contacted', via: 'cli' }, status: 'contacted', firstContact: true,
    });
    const already = `First contact was already recorded on Mon 30 Nov, 11:05 CET by ${colleague.name}. The follow-up clock stopped then; this adds your contact to the lead's history.`;
    expect((await get(links.contacted)).body).toContain(already);
    const done = await post(links.contacted, 'Spoke to them as well');
    expect(done.body).toContain(already);
    const after = (await store.getLead(lead.leadId))!;
    expect(after).toMatchObject({ firstContactBy: colleague.id, firstContactAt: '2026-11-30T10:05:00.000Z' });
    expect(after.activities?.map((activity) => activity.by)).toEqual([colleague.id, lead.ownerId]);
    // A lead nobody has contacted yet says nothing of the kind.
    const fresh = await alertedLead();
    expect((await get(fresh.links.contacted)).body).not.toContain('First contact was already recorded');
  });

  it('refuses a tampered link and an expired one, changing nothing', async () => {
    const { lead, links } = await alertedLead();
    const [payload, signature] = links.contacted.split('.') as [string, string];
    const tampered = `${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    expect((await post(tampered)).statusCode).toBe(400);
    expect((await get(tampered)).statusCode).toBe(400);
    const expired = createActionToken({ leadId: lead.leadId, action: 'contacted', repId: lead.ownerId!, expiresAt: new Date(Date.now() - 1000), nonce: unique() }, actionSecret);
    const expiredPage = await post(expired);
    expect(expiredPage.statusCode).toBe(410);
    // Our own signature still holds, so the page may say which lead it was; a forged one learns nothing.
    expect(expiredPage.body).toContain(`<p class="contact">${lead.contact.emailDisplay}</p>`);
    expect(expiredPage.body).toContain('Follow-up links work for 14 days');
    const forgedExpired = createActionToken({ leadId: lead.leadId, action: 'contacted', repId: lead.ownerId!, expiresAt: new Date(Date.now() - 1000), nonce: unique() }, randomBytes(48).toString('base64url'));
    const forgedPage = await get(forgedExpired);
    expect(forgedPage.statusCode).toBe(400);
    expect(forgedPage.body).not.toContain(lead.contact.emailDisplay);
    expect(forgedPage.body).not.toContain('Ada');
    expect((await store.getLead(lead.leadId))?.activities).toBeUndefined();
  });

  it('an earlier owner\'s links stop acting once the lead is reassigned, and say who has it now', async () => {
    const { lead, links } = await alertedLead();
    expect((await post(links.reassign)).statusCode).toBe(200);
    const reassigned = (await store.getLead(lead.leadId))!;
    const newOwner = config.salespeople.find((rep) => rep.id === reassigned.ownerId)!;
    expect(newOwner.id).not.toBe(lead.ownerId);

    for (const link of [links.contacted, links.qualified, links.disqualified]) {
      const shown = await get(link);
      expect(shown.statusCode).toBe(409);
      expect(shown.body).toContain(`This lead is now with ${newOwner.name}.`);
      expect(shown.body).not.toContain('<form');
      expect((await post(link)).statusCode).toBe(409);
    }
    const replayed = await post(links.reassign);
    expect(replayed.statusCode).toBe(409);
    expect(replayed.body).toContain('This link was already used.');
    expect(replayed.body).toMatch(new RegExp(`On \\w{3} \\d+ \\w{3}, \\d\\d:\\d\\d CET you handed this lead on; it is now with ${newOwner.name}\\. Each link works once`));
    const after = (await store.getLead(lead.leadId))!;
    expect(after).toMatchObject({ status: 'open', ownerId: newOwner.id });
    expect(after.firstContactAt).toBeUndefined();
    expect(after.activities?.map((activity) => activity.action)).toEqual(['reassign']);
  });

  it('answers a rep with a page, not JSON, when storage does not answer, GET or POST', async () => {
    const token = createActionToken({ leadId: 'ld_any', action: 'contacted', repId: 'ana', expiresAt: new Date(Date.now() + 86_400_000), nonce: 'storage-down' }, actionSecret);
    const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
    vi.resetModules();
    process.env.AWS_ENDPOINT_URL_DYNAMODB = 'http://127.0.0.1:9';
    try {
      const downActions = asLambda((await import('../../functions/lead-actions.ts')).handler);
      for (const method of ['GET', 'POST']) {
        const response = await invokeHttp(downActions, {
          method, url: `/actions/${token}`, headers: { accept: 'text/html', ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) }, ...(method === 'POST' ? { body: 'note=' } : {}),
        });
        expect(response.statusCode).toBe(503);
        expect(response.headers['retry-after']).toBe('5');
        expect(response.headers['content-type']).toMatch(/^text\/html/);
        expect(response.body).toContain('Nothing was recorded.');
        expect(response.body).toContain('Open the link again in a minute');
      }
    } finally {
      process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
      vi.resetModules();
    }
  });

  it('writes nothing when the lead changed hands between the owner check and the write', async () => {
    const { lead } = await alertedLead();
    const otherRep = config.salespeople.find((rep) => rep.id !== lead.ownerId)!.id;
    const stale = store.recordFollowUp({
      leadId: lead.leadId, firstContact: true, status: 'contacted',
      activity: { at: new Date().toISOString(), by: otherRep, action: 'contacted', via: 'email-link' },
      usedLink: { nonce: unique(), ownerId: otherRep },
    });
    await expect(stale).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(await store.getLead(lead.leadId)).toMatchObject({ status: 'open', ownerId: lead.ownerId });
    expect((await store.getLead(lead.leadId))?.activities).toBeUndefined();
  });

  it('says why a follow-up was refused: "Not mine" with nobody else to take the lead', async () => {
    // A domain of its own: another test's open lead from a shared domain would keep this one with that lead's owner.
    const email = `alone.${unique()}@alone-${unique()}.com`;
    // Ireland is in no territory, so the lead goes to the fallback owner, and without them there is nobody.
    const lead = await processed(await submit({ email, firstName: 'Seán', country: 'IE' }));
    expect(lead.ownerId).toBe(config.assignment.fallbackOwner);
    const [mail] = await mailsAbout(email);
    const reassign = actionLinks(mail!)[3]!;
    const offered = await get(reassign);
    expect(offered.statusCode).toBe(409);
    expect(offered.body).toContain('Nobody else is available to take this lead');
    expect(offered.body).not.toContain('<form');
    const refused = await post(reassign);
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain('Nothing was recorded.');
    expect(refused.body).toContain('Nobody else is available to take this lead; ask your manager to reassign it.');
    const managerEmail = config.salespeople.find((rep) => rep.id === lead.ownerId)!.managerEmail;
    for (const page of [offered, refused]) expect(page.body).toContain(`<p class="muted">Your manager: <a href="mailto:${managerEmail}">${managerEmail}</a></p>`);

    // The manager, from their copy of the alert, is the one a rep would ask: they are told where the lead stays.
    const managersLink = createActionToken({ leadId: lead.leadId, action: 'reassign', repId: lead.ownerId!, expiresAt: new Date(Date.now() + 86_400_000), nonce: unique(), actor: { role: 'manager', address: managerEmail } }, actionSecret);
    const ownerName = config.salespeople.find((rep) => rep.id === lead.ownerId)!.name;
    for (const page of [await get(managersLink), await post(managersLink)]) {
      expect(page.statusCode).toBe(409);
      expect(page.body).toContain(`It stays with ${ownerName}; Handoff cannot hand a lead to a rep you choose.`);
      expect(page.body).not.toMatch(/ask your manager|Your manager:/);
    }
    expect((await store.getLead(lead.leadId))).toMatchObject({ ownerId: lead.ownerId, status: 'open' });
  });

  it('never hands a lead back to a rep who already said "not mine"', async () => {
    // A domain of its own: no earlier open lead from it may pull the lead to its owner by continuity.
    const email = `twice.${unique()}@declined-${unique()}.com`;
    const lead = await processed(await submit({ email, firstName: 'Ada', country: 'US' }));
    const firstReassign = actionLinks((await mailsAbout(email))[0]!)[3]!;
    expect((await post(firstReassign, 'West coast is not mine')).statusCode).toBe(200);
    const second = (await store.getLead(lead.leadId))!;
    expect(second.ownerId).not.toBe(lead.ownerId);
    const secondReassign = actionLinks((await mailsAbout(email))[1]!)[3]!;
    expect((await post(secondReassign, 'Not mine either')).statusCode).toBe(200);
    const third = (await store.getLead(lead.leadId))!;
    // Both Americas reps declined, so the team has nobody left and the fallback owner takes it.
    expect(third.ownerId).toBe(config.assignment.fallbackOwner);
    expect([lead.ownerId, second.ownerId]).not.toContain(third.ownerId);
    const name = (repId: string | undefined) => config.salespeople.find((rep) => rep.id === repId)!.name;
    expect(third.ownerReason).toMatch(new RegExp(`^Reassigned: ${name(second.ownerId)} said "not mine" \\(as did ${name(lead.ownerId)} before\\)\\. `));
  });

  it('a changed verdict keeps only the stamp of the latest one', async () => {
    const { lead, links } = await alertedLead();
    expect((await get(links.qualified)).body).not.toContain('This lead is currently');
    await post(links.disqualified);
    expect(await store.getLead(lead.leadId)).toMatchObject({ status: 'disqualified', disqualifiedAt: expect.any(String) });
    // The Qualified page says the lead is closed, and by whom (the owner reading it: "you"), before the rep reopens it.
    expect((await get(links.qualified)).body).toMatch(/This lead is currently closed as not a fit on \w{3} \d+ \w{3}, \d\d:\d\d CET by you\. Confirming changes the verdict/);
    await post(links.qualified);
    const requalified = (await store.getLead(lead.leadId))!;
    expect(requalified).toMatchObject({ status: 'qualified', qualifiedAt: expect.any(String) });
    expect(requalified.disqualifiedAt).toBeUndefined();
  });

  it('"Not mine" hands the lead to another rep and alerts them', async () => {
    const { lead, links } = await alertedLead();
    const done = await post(links.reassign, 'I only cover Austria');
    expect(done.statusCode).toBe(200);
    const reassigned = (await store.getLead(lead.leadId))!;
    expect(reassigned.ownerId).not.toBe(lead.ownerId);
    // The page says who has it now, so the rep knows it is in hand.
    expect(done.body).toContain(`It is now with ${config.salespeople.find((rep) => rep.id === reassigned.ownerId)!.name}, who has been sent an alert about it.`);
    expect(reassigned.ownerReason).toContain('said "not mine"');
    expect(reassigned.alert?.status).toBe('sent');
    const mails = await mailsAbout(lead.contact.email!);
    expect(mails.map((mail) => mail.destination.to[0])).toEqual([
      config.salespeople.find((rep) => rep.id === lead.ownerId)!.email,
      config.salespeople.find((rep) => rep.id === reassigned.ownerId)!.email,
    ]);
    const handover = mails[1]!;
    expect(handover.subject).toMatch(/^Reassigned to you: Ada /);
    expect(handover.body.text).toContain(`HANDED OVER\n${config.salespeople.find((rep) => rep.id === lead.ownerId)!.name} passed this lead on:\nI only cover Austria`);
  });
});

describe('reliability', () => {
  const streamEventFor = (leadId: string, sequence = `${Date.now()}${randomInt(1e6)}`): DynamoDBStreamEvent => ({
    Records: [{ eventName: 'INSERT', dynamodb: { Keys: { pk: { S: `LEAD#${leadId}` }, sk: { S: 'LEAD' } }, SequenceNumber: sequence } }],
  });

  it('a poison record ends in the failure queue without holding back the others', async () => {
    const good = `good.${unique()}@poison-neighbour.com`;
    const poisonId = `ld_poison${unique()}`;
    // A lead whose form was removed from config cannot be assigned: every attempt fails.
    await store.putNewLead({
      leadId: poisonId, formId: 'retired-form', formKind: 'website', status: 'new', receivedAt: new Date().toISOString(),
      followUpDeadline: new Date(Date.now() + 3_600_000).toISOString(), contact: { email: `poison.${unique()}@x.com`, emailDisplay: 'poison@x.com' }, answers: {}, tracking: { utm: {} },
    });
    const goodId = await submit({ email: good, country: 'DE' });
    await poller.idle(60_000);
    const dlqBatches = failureQueue.map((event) => JSON.parse(event.Records[0]!.body));
    expect(dlqBatches).toEqual([expect.objectContaining({ requestContext: expect.objectContaining({ condition: 'RetryAttemptsExhausted' }), DDBStreamBatchInfo: expect.objectContaining({ startSequenceNumber: expect.any(String) }) })]);
    expect((await store.getLead(goodId))?.alert?.status).toBe('sent');
    expect(await mailsAbout(good)).toHaveLength(1);
    // The poison lead is still stored, still waiting and unassigned: the nightly report lists it under "no owner".
    const poison = (await store.getLead(poisonId))!;
    expect(poison).toMatchObject({ status: 'new' });
    expect(poison.ownerId).toBeUndefined();
    expect(await store.waitingDueBy(new Date(Date.now() + 7_200_000))).toEqual(expect.arrayContaining([expect.objectContaining({ leadId: poisonId })]));
  });

  it('a redelivered stream record never sends a second alert', async () => {
    const email = `redeliver.${unique()}@redeliver.com`;
    const leadId = await submit({ email, country: 'DE' });
    await processed(leadId);
    const redelivered = await processLeads(streamEventFor(leadId), {} as never);
    expect(redelivered).toEqual({ batchItemFailures: [] });
    expect(await mailsAbout(email)).toHaveLength(1);
  });

  it('SES down: the record fails and the lead is not marked notified; SES back: exactly one alert', async () => {
    // Its own table (no poller watches it, so only this test processes the lead) and its own mailbox.
    const port = await findFreePort();
    let ses = await startSesLocal({ port });
    const saved = { table: process.env.TABLE_NAME, ses: process.env.AWS_ENDPOINT_URL_SES };
    const tableName = await createTestTable('process-ses-down');
    vi.resetModules();
    process.env.TABLE_NAME = tableName;
    process.env.AWS_ENDPOINT_URL_SES = ses.endpoint;
    try {
      const isolatedCapture = asLambda((await import('../../functions/capture.ts')).handler);
      const isolatedProcess = asLambda((await import('../../functions/process-leads.ts')).handler);
      const isolatedStore = new LeadStore({ client: testDynamoDbClient(), tableName, timezone: config.organisation.timezone });
      const email = `sesdown.${unique()}@ses-down.com`;
      const captured = await invokeHttp(isolatedCapture, { method: 'POST', url: '/forms/demo-request', sourceIp: '192.0.2.7', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, country: 'DE' }) });
      const { leadId } = JSON.parse(captured.body);

      await ses.stop();
      const failed = (await isolatedProcess(streamEventFor(leadId, '111'), {} as never)) as { batchItemFailures: unknown[] };
      expect(failed.batchItemFailures).toEqual([{ itemIdentifier: '111' }]);
      expect((await isolatedStore.getLead(leadId))?.alert).toMatchObject({ status: 'pending', attempts: 1 });

      ses = await startSesLocal({ port });
      expect(await isolatedProcess(streamEventFor(leadId, '111'), {} as never)).toEqual({ batchItemFailures: [] });
      expect(await isolatedProcess(streamEventFor(leadId, '111'), {} as never)).toEqual({ batchItemFailures: [] });
      expect((await isolatedStore.getLead(leadId))?.alert).toMatchObject({ status: 'sent', attempts: 2 });
      const mailbox = (await (await fetch(`${ses.endpoint}/store`)).json()) as { emails: MailboxEmail[] };
      expect(mailbox.emails.filter((mail) => mail.replyTo.some((address) => address.includes(email)))).toHaveLength(1);

      // SES still down on the final attempt (the failure queue's): the alert is marked failed, for the nightly report.
      await ses.stop();
      const { processLead } = await import('../../shared/usecases/process-lead.ts');
      const { mailerFromEnv } = await import('../../shared/adapters/mailer-from-env.ts');
      const otherEmail = `sesgone.${unique()}@ses-down.com`;
      const other = JSON.parse((await invokeHttp(isolatedCapture, { method: 'POST', url: '/forms/demo-request', sourceIp: '192.0.2.8', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: otherEmail, country: 'DE' }) })).body);
      const deps = { config, store: isolatedStore, mailer: mailerFromEnv(config), actionSecret, now: () => new Date() };
      await expect(processLead(other.leadId, deps)).rejects.toThrow();
      expect(await processLead(other.leadId, deps, { finalAttempt: true })).toBe('alert-failed');
      expect((await isolatedStore.getLead(other.leadId))?.alert).toMatchObject({ status: 'failed', attempts: 2, lastError: expect.stringContaining('could not be sent') });
    } finally {
      await ses.stop();
      process.env.TABLE_NAME = saved.table;
      process.env.AWS_ENDPOINT_URL_SES = saved.ses;
      vi.resetModules();
    }
  });
});

describe('a lead withdrawn by capture while it is processed (its address went over the rate limit)', () => {
  it('is skipped without an alert instead of failing the record', async () => {
    const tableName = await createTestTable('process-withdrawn');
    const isolatedStore = new LeadStore({ client: testDynamoDbClient(), tableName, timezone: config.organisation.timezone });
    const email = `withdrawn.${unique()}@withdrawn-co.com`;
    const now = new Date();
    const leadId = `ld_withdrawn${unique()}`;
    await isolatedStore.putNewLead({
      leadId, formId: 'demo-request', formKind: 'website', receivedAt: now.toISOString(), status: 'new',
      followUpDeadline: new Date(now.getTime() + 3_600_000).toISOString(),
      contact: { email, emailDisplay: email }, answers: {}, tracking: { utm: {} },
    });
    // Capture's withdrawal lands between the processor's first read and its assignment.
    const racing = new Proxy(isolatedStore, {
      get(target, property) {
        if (property === 'leadsOfPerson') {
          return async (contact: { email?: string; phone?: string }) => {
            expect(await target.withdrawNewLead(leadId)).toBe(true);
            return target.leadsOfPerson(contact);
          };
        }
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const { processLead } = await import('../../shared/usecases/process-lead.ts');
    const { mailerFromEnv } = await import('../../shared/adapters/mailer-from-env.ts');
    expect(await processLead(leadId, { config, store: racing, mailer: mailerFromEnv(config), actionSecret, now: () => new Date() })).toBe('not-a-lead');
    expect(await isolatedStore.getLead(leadId)).toBeUndefined();
    expect(await mailsAbout(email)).toEqual([]);
  });
});
