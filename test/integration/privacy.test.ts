/**
 * `handoff export` and `handoff erase` against DynamoDB Local: one person with a processed lead, a follow-up
 * recorded through a one-click link, a returning submission joined into their open lead, a spam submission and
 * a submission joined into someone else's lead. After erase, a full-table Scan (test code only) proves that
 * no item mentions them, that the other person's lead stays, and that the stream processor takes the
 * aftermath in its stride.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { startStreamPoller } from '../../infra/local/stream-poller.ts';
import { loadConfig } from '../../shared/config/load.ts';
import { LeadStore } from '../../shared/adapters/lead-store/store.ts';
import { leadEraser } from '../../shared/adapters/lead-store/privacy-queries.ts';
import { mailerFromEnv } from '../../shared/adapters/mailer-from-env.ts';
import { captureLead } from '../../shared/usecases/capture-lead.ts';
import { SubmissionsSeenHere } from '../../shared/domain/rate-limit.ts';
import { processLead, type ProcessDependencies } from '../../shared/usecases/process-lead.ts';
import { recordFollowUp } from '../../shared/usecases/record-follow-up.ts';
import { EmailHealthStore } from '../../shared/adapters/lead-store/email-health.ts';
import { erasePersonalData, exportPersonalData, type PersonalDataExport, type PrivacyDependencies } from '../../shared/usecases/privacy.ts';
import { asLambda } from '../support/handlers.ts';
import { createTestTable, dynamoDbEndpoint, testDynamoDbClient } from '../support/local-aws.ts';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG_FILE = join(repositoryRoot, 'handoff.config.json');
const config = loadConfig(CONFIG_FILE);

const unique = `${Date.now().toString(36)}${randomInt(1e6)}`;
/** As the person typed it; Handoff matches on the lowercased address. */
const TYPED_ADDRESS = `Ines.Carvalho.${unique}@BrightPath-Analytics.example`;
const ADDRESS = TYPED_ADDRESS.toLowerCase();
const COLLEAGUE = `rui.santos.${unique}@brightpath-analytics.example`;

let tableName: string;
let store: LeadStore;
let processDeps: ProcessDependencies;
let privacyDeps: PrivacyDependencies;
let cliEnv: NodeJS.ProcessEnv;

/** The lead ids the scenario created, by role. */
const ids = { open: '', returning: '', spam: '', joinedElsewhere: '', colleague: '' };

const submit = async (fields: Record<string, string>, formId = 'demo-request') =>
  (await captureLead(
    // As the capture handler does, the body is kept as it arrived: erase must find and remove it too.
    { formId, fields: Object.entries(fields), sourceIp: `192.0.2.${randomInt(1, 254)}`, context: { query: {} }, raw: { contentType: 'application/json', body: JSON.stringify(fields) } },
    { config, store, seenHere: new SubmissionsSeenHere(), now: () => new Date() },
  )).leadId;

async function scanTable(): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await testDynamoDbClient().send(new ScanCommand({ TableName: tableName, ExclusiveStartKey }));
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

const mentions = (item: Record<string, unknown>, text: string) =>
  JSON.stringify(item, (_key, value: unknown) => (value instanceof Set ? [...value] : value)).toLowerCase().includes(text.toLowerCase());

function handoff(args: string[]): Promise<{ code: number; stdout: string; errors: string[] }> {
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'bin/handoff.ts', ...args], { cwd: repositoryRoot, env: cliEnv, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, errors: stderr.split('\n').filter((line) => line.startsWith('handoff:')) });
    });
  });
}

beforeAll(async () => {
  tableName = await createTestTable('privacy');
  store = new LeadStore({ client: testDynamoDbClient(), tableName, timezone: config.organisation.timezone });
  processDeps = { config, store, mailer: mailerFromEnv(config), actionSecret: randomBytes(48).toString('base64url'), now: () => new Date() };
  const emailHealth = new EmailHealthStore({ client: testDynamoDbClient(), tableName });
  privacyDeps = { store, eraser: leadEraser({ client: testDynamoDbClient(), tableName }), emailHealth, now: () => new Date() };
  // The address once bounced (say the person was also mailed a report): erase must take that mark too.
  await emailHealth.markAddress({ address: ADDRESS, event: 'bounce', at: new Date().toISOString(), feedbackId: `fb-${unique}`, bounceType: 'Permanent', bounceSubType: 'General' });
  cliEnv = { ...process.env, TABLE_NAME: tableName, HANDOFF_CONFIG: CONFIG_FILE };

  ids.open = await submit({ email: TYPED_ADDRESS, firstName: 'Inês', lastName: 'Carvalho', company: 'BrightPath Analytics', phone: '+351 21 123 4567', country: 'PT', message: 'Looking for a demo in March' });
  expect(await processLead(ids.open, processDeps)).toBe('alerted');
  await recordFollowUp(
    { leadId: ids.open, action: 'contacted', by: 'ana', note: 'Called Inês, demo booked', via: 'email-link', usedLink: { nonce: `nonce-${unique}`, ownerId: (await store.getLead(ids.open))?.ownerId } },
    processDeps,
  );
  ids.returning = await submit({ email: ADDRESS, firstName: 'Inês', message: 'Back with a budget for Q2' }, 'data-summit-booth');
  expect(await processLead(ids.returning, processDeps)).toBe('alerted');
  ids.spam = await submit({ email: ADDRESS, _gotcha: 'http://spam.example', 'Team size': '12', budget: '50k', Area: 'CRM' });

  // Another person's open lead holding one of Inês's submissions: the shape erase must cut out, not delete.
  ids.colleague = await submit({ email: COLLEAGUE, firstName: 'Rui', lastName: 'Santos', country: 'PT', message: 'Evaluating vendors' });
  expect(await processLead(ids.colleague, processDeps)).toBe('alerted');
  ids.joinedElsewhere = await submit({ email: ADDRESS, message: 'Forwarded by Rui: Inês will join the call' });
  expect(await store.mergeIntoLead((await store.getLead(ids.colleague))!, (await store.getLead(ids.joinedElsewhere))!)).toBe(true);
}, 60_000);

describe('handoff export --email', () => {
  let exported: PersonalDataExport;

  it('prints, as JSON, every lead, joined submission and activity about the person', async () => {
    const run = await handoff(['export', '--email', TYPED_ADDRESS]);
    expect(run).toMatchObject({ code: 0, errors: [] });
    exported = JSON.parse(run.stdout);
    expect(exported.email).toBe(ADDRESS);
    expect(Object.fromEntries(exported.leads.map((lead) => [lead.leadId, lead.status]))).toEqual({
      [ids.open]: 'contacted', [ids.returning]: 'merged', [ids.spam]: 'spam', [ids.joinedElsewhere]: 'merged',
    });
    const open = exported.leads.find((lead) => lead.leadId === ids.open)!;
    expect(open.contact).toMatchObject({ email: ADDRESS, emailDisplay: TYPED_ADDRESS, firstName: 'Inês', phone: '+351 21 123 4567' });
    expect(open.submissions?.map((submission) => submission.message)).toEqual(['Back with a budget for Q2']);
    expect(exported.joinedInto).toEqual(expect.arrayContaining([
      { leadId: ids.open, sameAddress: true, submissions: [expect.objectContaining({ leadId: ids.returning, message: 'Back with a budget for Q2' })] },
      { leadId: ids.colleague, sameAddress: false, submissions: [expect.objectContaining({ leadId: ids.joinedElsewhere, message: 'Forwarded by Rui: Inês will join the call' })] },
    ]));
    expect(exported.joinedInto).toHaveLength(2);
    expect(exported.activities).toEqual([expect.objectContaining({ leadId: ids.open, action: 'contacted', by: 'ana', note: 'Called Inês, demo booked', via: 'email-link' })]);
    expect(exported.notes).toEqual([expect.stringMatching(/^spam leads and raw payloads are deleted automatically/), expect.stringMatching(/^rate-limit counters hold no address/)]);
    expect(exported.emailHealthMark).toMatchObject({ address: ADDRESS, lastEvent: 'bounce', bounces: 1, complaints: 0, bounceType: 'Permanent', bounceSubType: 'General' });
    expect(run.stdout).not.toContain(COLLEAGUE);
  }, 60_000);

  it("says when each spam lead and raw payload is deleted, by the retention periods in config; a spam lead's raw payload with it", async () => {
    const days = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 86_400_000;
    const spam = exported.leads.find((lead) => lead.leadId === ids.spam)!;
    expect(days(spam.receivedAt, spam.deletedAfter!)).toBeCloseTo(config.retention.spamDays, 4);
    expect(exported.leads.filter((lead) => lead.deletedAfter !== undefined).map((lead) => lead.leadId)).toEqual([ids.spam]);
    expect(exported.rawPayloads.length).toBeGreaterThan(0);
    // A spam lead is never placed, so its raw payload stays on it and goes with it.
    expect(exported.rawPayloads.map((raw) => raw.leadId)).toEqual(expect.arrayContaining([ids.open, ids.returning, ids.spam]));
    for (const raw of exported.rawPayloads) {
      expect(days(raw.receivedAt, raw.deletedAfter!)).toBeCloseTo(raw.leadId === ids.spam ? config.retention.spamDays : config.retention.rawPayloadDays, 4);
    }
  });

  it('prints every lead in reading order: identity and contact, source, status and dates, enrichment, history', async () => {
    const open = exported.leads.find((lead) => lead.leadId === ids.open)!;
    expect(Object.keys(open)).toEqual([
      'leadId', 'contact', 'answers',
      'formId', 'formKind', 'tracking',
      'status', 'receivedAt', 'followUpDeadline', 'firstContactAt', 'firstContactBy',
      'enrichment', 'score', 'scoreReasons', 'ownerId', 'ownerReason', 'alert',
      'submissions', 'activities',
    ]);
    expect(Object.keys(open.contact)).toEqual(['email', 'emailDisplay', 'firstName', 'lastName', 'company', 'phone', 'country', 'message']);
    expect(Object.keys(open.enrichment!)).toEqual(['displayName', 'emailDomain', 'isFreeMail', 'isDisposable', 'companyName', 'companySource', 'phoneE164', 'country', 'countrySource', 'source']);
    expect(Object.keys(open.enrichment!.source).slice(0, 6)).toEqual(['label', 'formId', 'formName', 'formKind', 'campaign', 'channel']);
    expect(Object.keys(open.alert!)).toEqual(['kind', 'status', 'attempts', 'sentAt']);
    expect(Object.keys(open.activities![0]!)).toEqual(['at', 'action', 'by', 'note', 'via']);
    expect(Object.keys(exported.activities[0]!)).toEqual(['leadId', 'at', 'action', 'by', 'note', 'via']);
    expect(Object.keys(exported.rawPayloads[0]!)).toEqual(['leadId', 'receivedAt', 'deletedAfter', 'contentType', 'body']);
    const spam = exported.leads.find((lead) => lead.leadId === ids.spam)!;
    expect(Object.keys(spam)).toEqual(['leadId', 'contact', 'answers', 'formId', 'formKind', 'tracking', 'status', 'spamReason', 'deletedAfter', 'receivedAt', 'followUpDeadline']);
    // Answers keep the order the form sent them in.
    expect(Object.keys(spam.answers)).toEqual(['Team size', 'budget', 'Area']);
    // The table's key and index attributes mean nothing to the person and only repeat what the export shows.
    const storageKeys = ['pk', 'sk', 'entity', 'emailKey', 'emailSort', 'domainKey', 'domainSort', 'waitingKey', 'waitingSort', 'dayKey', 'dayFormSort'];
    for (const lead of exported.leads) expect(Object.keys(lead).filter((name) => storageKeys.includes(name))).toEqual([]);
  });

  it('prints the same text whatever order the table returns attributes in', async () => {
    // Reverses the key order of every object, as another storage order would; answers come from the store in the form's order.
    const reversed = <Value>(value: Value): Value => {
      if (Array.isArray(value)) return value.map(reversed) as Value;
      if (typeof value !== 'object' || value === null) return value;
      return Object.fromEntries(Object.entries(value).reverse().map(([name, item]) => [name, name === 'answers' ? item : reversed(item)])) as Value;
    };
    const reversingStore: PrivacyDependencies['store'] = {
      leadsOfPerson: async (person) => reversed(await store.leadsOfPerson(person)),
      getLead: async (leadId) => reversed(await store.getLead(leadId)),
      getRawPayload: async (leadId) => reversed(await store.getRawPayload(leadId)),
      deleteRawPayload: (leadId) => store.deleteRawPayload(leadId),
    };
    const fixedTime = { now: () => new Date('2026-11-27T09:00:00Z') };
    const asStored = await exportPersonalData({ email: ADDRESS }, { ...privacyDeps, ...fixedTime });
    const reordered = await exportPersonalData({ email: ADDRESS }, { ...privacyDeps, ...fixedTime, store: reversingStore });
    expect(JSON.stringify(reordered, null, 2)).toBe(JSON.stringify(asStored, null, 2));
  });

  it('finds the same through the use case, whatever the case of the address', async () => {
    const direct = await exportPersonalData({ email: ADDRESS.toUpperCase() }, privacyDeps);
    expect(direct.leads.map((lead) => lead.leadId).sort()).toEqual(exported.leads.map((lead) => lead.leadId).sort());
  });
});

describe('handoff erase --email', () => {
  it('removes the person everywhere, reports what went, and leaves the other person whole', async () => {
    const before = await scanTable();
    expect(before.filter((item) => mentions(item, ADDRESS)).length).toBeGreaterThanOrEqual(4);
    expect(before.filter((item) => mentions(item, `nonce-${unique}`))).toHaveLength(1);
    expect(before.find((item) => item.pk === `LEAD#${ids.colleague}`)?.mergedLeadIds).toEqual(new Set([ids.joinedElsewhere]));

    const run = await handoff(['erase', '--email', TYPED_ADDRESS]);
    expect(run).toMatchObject({ code: 0, errors: [] });
    expect(run.stdout).toContain(`Erased ${ADDRESS}:`);
    const rows = run.stdout.split('\n').slice(1, run.stdout.split('\n').indexOf('Notes:'));
    expect(rows.map((row) => row.trim().replace(/ {2,}/g, ' | '))).toEqual([
      'leads | 4 (1 contacted, 2 merged, 1 spam)',
      "submissions joined into other people's leads | 1",
      'activities | 1 (removed with their leads)',
      'email-health mark | removed',
    ]);
    // The values line up in one column.
    expect(new Set(rows.map((row) => row.lastIndexOf('  ')))).toHaveProperty('size', 1);
    expect(run.stdout).toContain('used one-click links (recorded on the lead) went with the leads');
    expect(run.stdout).toContain('importing a file (or replaying a form tool\'s webhook) that still holds this person adds them again as a new lead');

    const items = await scanTable();
    expect(items.filter((item) => mentions(item, ADDRESS))).toEqual([]);
    expect(items.filter((item) => mentions(item, 'Inês'))).toEqual([]);
    for (const leadId of [ids.open, ids.returning, ids.spam, ids.joinedElsewhere]) {
      expect(items.filter((item) => item.pk === `LEAD#${leadId}`)).toEqual([]);
    }
    expect(await store.getLead(ids.colleague)).toMatchObject({ status: 'open', contact: { email: COLLEAGUE, firstName: 'Rui' }, submissions: [] });
    expect(items.find((item) => item.pk === `LEAD#${ids.colleague}`)).not.toHaveProperty('mergedLeadIds');
    expect(items.filter((item) => mentions(item, `nonce-${unique}`))).toEqual([]);
  }, 60_000);

  it('is idempotent: a second erase finds and removes nothing', async () => {
    const again = await erasePersonalData({ email: ADDRESS }, privacyDeps);
    expect(again).toMatchObject({ email: ADDRESS, leads: 0, leadsByStatus: {}, joinedSubmissions: 0, activities: 0, emailHealthMark: false });
    expect(await exportPersonalData({ email: ADDRESS }, privacyDeps)).toMatchObject({ leads: [], joinedInto: [], activities: [], rawPayloads: [], emailHealthMark: null });
  });

  it('leaves the stream processor nothing to trip over: REMOVE events are filtered, replayed inserts find no lead', async () => {
    process.env.TABLE_NAME = tableName;
    const secretFile = join(mkdtempSync(join(tmpdir(), 'handoff-privacy-')), 'action-secret');
    writeFileSync(secretFile, processDeps.actionSecret);
    process.env.ACTION_SECRET_FILE = secretFile;
    const processLeads = asLambda((await import('../../functions/process-leads.ts')).handler);
    const failures: SQSEvent[] = [];
    // From TRIM_HORIZON: the poller replays every insert, modify and removal of this table.
    const poller = await startStreamPoller({ endpoint: dynamoDbEndpoint(), tableName, functionName: 'processLeads', handler: processLeads, onFailure: async (event) => failures.push(event) });
    try {
      await poller.idle(30_000);
    } finally {
      await poller.stop();
    }
    expect(failures).toEqual([]);
    expect((await scanTable()).filter((item) => mentions(item, ADDRESS))).toEqual([]);
    expect(await store.getLead(ids.colleague)).toMatchObject({ status: 'open' });
  }, 60_000);

  it('asks for an address', async () => {
    expect(await handoff(['erase'])).toEqual({ code: 1, stdout: '', errors: ['handoff: --email <address> or --phone <number> is required: handoff erase --email jane@example.com (--phone for a lead that gave only a phone)'] });
    expect((await handoff(['export', '--email', 'not-an-address'])).errors).toEqual(['handoff: "not-an-address" is not an email address']);
  }, 60_000);
});

describe('handoff export and erase --phone (a booth lead that gave no email)', () => {
  const subscriber = String(randomInt(1e6, 1e7));
  const PHONE = `+49 171 ${subscriber}`;

  it('exports and erases a phone-only person, found by the number written another way, and leaves a lead with an email alone', async () => {
    const first = await submit({ firstName: 'Lukas', phone: PHONE, message: 'No email, call him' }, 'data-summit-booth');
    expect(await processLead(first, processDeps)).toBe('alerted');
    const second = await submit({ firstName: 'Lukas', phone: `0171 ${subscriber}`, message: 'at the talk' }, 'data-summit-booth');
    expect(await processLead(second, processDeps)).toBe('alerted');
    // Same number beside an address: found by the address, not the phone.
    const withAddress = await submit({ email: `lukas.${unique}@brandt.example`, phone: PHONE }, 'data-summit-booth');

    const exported = await handoff(['export', '--phone', `0171 ${subscriber}`]);
    expect(exported.code).toBe(0);
    const personal = JSON.parse(exported.stdout) as PersonalDataExport;
    expect(personal).toMatchObject({ phone: `0171 ${subscriber}`, emailHealthMark: null });
    expect(personal).not.toHaveProperty('email');
    expect(personal.leads.map((lead) => lead.leadId).sort()).toEqual([first, second].sort());
    expect(personal.joinedInto).toEqual([expect.objectContaining({ leadId: first, sameAddress: true })]);

    const erased = await handoff(['erase', '--phone', PHONE]);
    expect(erased.stdout).toContain(`Erased ${PHONE}:\n  leads`);
    expect(erased.stdout).toMatch(/leads\s+2 \(1 open, 1 merged\)/);
    expect((await scanTable()).filter((item) => mentions(item, subscriber) && !mentions(item, `lukas.${unique}`))).toEqual([]);
    expect(await store.getLead(withAddress)).toMatchObject({ contact: { phone: PHONE } });
    expect(await erasePersonalData({ phone: PHONE }, privacyDeps)).toMatchObject({ phone: PHONE, leads: 0, joinedSubmissions: 0 });
  }, 60_000);

  it('erases, with the address, the booth visit that left only a phone and was joined to the person’s lead', async () => {
    const line = String(randomInt(1e6, 1e7));
    const address = `mara.${unique}@holm-data.example`;
    const web = await submit({ email: address, firstName: 'Mara', lastName: 'Holm', country: 'DE', phone: `+49 151 ${line}`, message: 'pricing?' });
    expect(await processLead(web, processDeps)).toBe('alerted');
    const booth = await submit({ name: 'Mara Holm', phone: `0151 ${line}`, message: 'met at the booth' }, 'data-summit-booth');
    expect(await processLead(booth, processDeps)).toBe('alerted');
    expect(await store.getLead(booth)).toMatchObject({ status: 'merged', mergedInto: web });

    const personal = await exportPersonalData({ email: address }, privacyDeps);
    expect(personal.leads.map((lead) => lead.leadId)).toEqual([web, booth]);
    expect(personal.joinedInto).toEqual([expect.objectContaining({ leadId: web, sameAddress: true })]);

    expect(await erasePersonalData({ email: address }, privacyDeps)).toMatchObject({ leads: 2, leadsByStatus: { open: 1, merged: 1 }, joinedSubmissions: 0 });
    expect((await scanTable()).filter((item) => mentions(item, line) || mentions(item, address))).toEqual([]);
  }, 60_000);

  it('erases, by the phone, only what came under it: the submission leaves the lead with an address, which stays', async () => {
    const line = String(randomInt(1e6, 1e7));
    const address = `jon.${unique}@falk-ag.example`;
    const web = await submit({ email: address, firstName: 'Jon', lastName: 'Falk', country: 'DE', phone: `+49 152 ${line}`, message: 'pricing?' });
    expect(await processLead(web, processDeps)).toBe('alerted');
    const booth = await submit({ name: 'Jon Falk', phone: `0152 ${line}`, message: 'met at the booth' }, 'data-summit-booth');
    expect(await processLead(booth, processDeps)).toBe('alerted');

    const personal = await exportPersonalData({ phone: `0152 ${line}` }, privacyDeps);
    expect(personal.leads.map((lead) => lead.leadId)).toEqual([booth]);
    expect(personal.joinedInto).toEqual([expect.objectContaining({ leadId: web, sameAddress: false })]);

    expect(await erasePersonalData({ phone: `0152 ${line}` }, privacyDeps)).toMatchObject({ leads: 1, joinedSubmissions: 1 });
    expect(await store.getLead(booth)).toBeUndefined();
    const kept = (await store.getLead(web))!;
    expect(kept.contact).toMatchObject({ email: address, phone: `+49 152 ${line}` });
    expect(kept.submissions ?? []).toEqual([]);
    expect(JSON.stringify(kept)).not.toContain('met at the booth');
  }, 60_000);

  it('refuses something that is not a phone number, or both an address and a phone', async () => {
    expect((await handoff(['export', '--phone', '12 34'])).errors).toEqual(['handoff: "12 34" is not a phone number']);
    expect((await handoff(['erase', '--email', 'a@b.example', '--phone', PHONE])).errors).toEqual(['handoff: give --email or --phone, not both: a lead that gave an address is found by it (handoff erase --email jane@example.com)']);
  }, 60_000);
});
