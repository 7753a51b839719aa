/**
 * An import tells each owner about their leads in one email per import (per part of 500 leads), not one per row:
 * 2,000 badge scans used to be 2,000 alerts. Against DynamoDB Local and the local SES, through the same use cases the
 * stream processor runs (the stream path itself is covered in import.test.ts).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { SESClient } from '@aws-sdk/client-ses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';
import { LeadStore } from '../../shared/adapters/lead-store/store.ts';
import { verifyActionToken } from '../../shared/domain/action-token.ts';
import { SesMailer, type Mailer } from '../../shared/adapters/mailer.ts';
import { mailerFromEnv } from '../../shared/adapters/mailer-from-env.ts';
import { StorageUnavailableError } from '../../shared/errors.ts';
import { captureLead } from '../../shared/usecases/capture-lead.ts';
import { SubmissionsSeenHere } from '../../shared/domain/rate-limit.ts';
import { importLeads, type ImportDependencies } from '../../shared/usecases/import-leads.ts';
import { alertImportedLeads } from '../../shared/usecases/import-alerts.ts';
import { processLead, type ProcessDependencies } from '../../shared/usecases/process-lead.ts';
import { DUMMY_CREDENTIALS, findFreePort, startSesLocal, type RunningService } from '../../infra/local/services.ts';
import { createTestTable, readMailbox, testDynamoDbClient, type MailboxEmail } from '../support/local-aws.ts';

const EVENT_FORM = 'data-summit-booth';
/** The Friday after Data Summit (24–26 Nov 2026): the scans below are from Wednesday, and their deadlines run from the import. */
const IMPORTED_AT = new Date('2026-11-27T10:00:00Z');
const run = randomInt(1e9);
const shipped = loadConfig('handoff.config.json');
/** The reps' addresses are this run's own, so the shared mailbox can be counted per rep. */
const config: Config = { ...shipped, salespeople: shipped.salespeople.map((rep) => ({ ...rep, email: `${rep.id}.${run}@reps.example` })) };
/** The event team with only Ana at work: every booth lead is hers, so a test can say exactly what her email holds. */
const anaAlone: Config = { ...config, salespeople: config.salespeople.map((rep) => (rep.id === 'jonas' ? { ...rep, away: [{ from: '2026-11-01', to: '2026-12-31' }] } : rep)) };

let store: LeadStore;
let actionSecret: string;

beforeAll(async () => {
  store = new LeadStore({ client: testDynamoDbClient(), tableName: await createTestTable('import-alerts'), timezone: config.organisation.timezone });
  actionSecret = randomBytes(48).toString('base64url');
});

const importDeps = (withConfig: Config): ImportDependencies => ({ config: withConfig, store, now: () => IMPORTED_AT });
const processDeps = (withConfig: Config, mailer: Mailer = mailerFromEnv(withConfig)): ProcessDependencies => ({
  config: withConfig, store, mailer, actionSecret, now: () => IMPORTED_AT,
});

let people = 0;
/** A badge-scan row for a new person, with an address unique to this run. */
function scan(first: string, notes = '', email = `${first.toLowerCase()}.${run}@buyer-${run}-${people++}.example`): { email: string; line: string } {
  return { email, line: [first, 'Tester', email, 'Acme Analytics', 'CTO', '+49 30 1234567', 'DE', notes, '2026-11-25 15:00'].join(';') };
}
const csvOf = (rows: Array<{ line: string }>) => ['First Name;Last Name;Email;Company;Job Title;Phone;Country;Notes;Scanned At', ...rows.map((row) => row.line)].join('\n');

const mailTo = async (repId: string): Promise<MailboxEmail[]> => (await readMailbox()).filter((mail) => mail.destination.to.includes(`${repId}.${run}@reps.example`));
const aboutPerson = (mails: MailboxEmail[], email: string) => mails.filter((mail) => mail.body.text?.includes(email));

describe('telling owners about an import', () => {
  it('holds each imported lead\'s own alert, then sends each owner one email listing their leads, most urgent first, with a CSV', async () => {
    const rows = ['Amara', 'Bodil', 'Chen', 'Dara', 'Eero', 'Farah'].map((name) => scan(name, name === 'Chen' ? 'Wants <b>pricing</b> & a demo' : ''));
    const summary = await importLeads(csvOf(rows), { formId: EVENT_FORM, fileName: 'summit-scans.csv' }, importDeps(config));
    expect(summary).toMatchObject({ imported: 6, alerts: { importId: expect.stringMatching(/^20261127T100000-[0-9a-f]{10}$/), parts: 1, leads: 6 } });
    const { importId } = summary.alerts!;

    // Three rows' own stream records arrive before the part's: they are placed, and their alert is held for the digest.
    const leadIdOf = async (email: string) => (await store.leadsOfPerson({ email: email }))[0]!.leadId;
    for (const row of rows.slice(0, 3)) expect(await processLead(await leadIdOf(row.email), processDeps(config))).toBe('awaiting-import-digest');
    expect([...(await mailTo('ana')), ...(await mailTo('jonas'))]).toEqual([]);

    const outcome = await alertImportedLeads({ importId, part: 1 }, processDeps(config));
    const leads = await Promise.all(rows.map(async (row) => (await store.leadsOfPerson({ email: row.email }))[0]!));
    expect(leads.map((lead) => lead.alert)).toEqual(leads.map(() => expect.objectContaining({ kind: 'new', status: 'sent', attempts: 1 })));
    const owners = [...new Set(leads.map((lead) => lead.ownerId!))].sort();
    expect(owners).toEqual(['ana', 'jonas']);
    expect(outcome).toEqual({ digests: 2, singleAlerts: 0, leadsTold: 6, failed: 0 });

    for (const owner of owners) {
      const theirs = leads.filter((lead) => lead.ownerId === owner);
      const [digest, ...more] = await mailTo(owner);
      expect(more).toEqual([]);
      expect(digest!.subject).toBe(`${theirs.length} leads from Data Summit 2026 for you · first due Mon 30 Nov, 11:00 CET`);
      expect(digest!.replyTo).toEqual([]);
      for (const lead of leads) expect(digest!.body.text!.includes(lead.contact.email!)).toBe(lead.ownerId === owner);
      expect(digest!.body.text).toContain(`From summit-scans.csv, imported Fri 27 Nov, 11:00 CET into "Data Summit 2026 booth tablet"`);
      expect(digest!.body.text).toContain('First contact by Mon 30 Nov, 11:00 CET');
      expect(digest!.body.text).not.toContain('Overdue');
      expect(digest!.body.html).toContain('tel:+49301234567');
      const [csv] = digest!.attachments;
      expect(csv!.filename).toBe('summit-scans-your-leads.csv');
      const csvText = Buffer.from(csv!.content, 'base64').toString('utf8');
      expect(csvText.trimEnd().split('\r\n')).toHaveLength(theirs.length + 1);
    }
    const chensDigest = aboutPerson([...(await mailTo('ana')), ...(await mailTo('jonas'))], rows[2]!.email)[0]!;
    expect(chensDigest.body.html).toContain('Wants &lt;b&gt;pricing&lt;/b&gt; &amp; a demo');
    expect(chensDigest.body.html).not.toContain('<b>pricing');

    // The other rows' own records, late, and the part's again (a redelivery): nobody is told twice.
    for (const row of rows) expect(await processLead(await leadIdOf(row.email), processDeps(config))).toBe('already-alerted');
    expect(await alertImportedLeads({ importId, part: 1 }, processDeps(config))).toEqual({ digests: 0, singleAlerts: 0, leadsTold: 0, failed: 0 });
    expect([...(await mailTo('ana')), ...(await mailTo('jonas'))]).toHaveLength(2);
  });

  it("tells an away owner's manager too, in a copy whose links record the manager, as for a single lead", async () => {
    const manager = `eva.${run}@managers.example`;
    // The whole event team is away, so the fallback owner (Ana) takes the leads while away.
    const teamAway: Config = {
      ...config,
      salespeople: config.salespeople.map((rep) => ({ ...rep, ...(rep.team === 'emea' ? { away: [{ from: '2026-11-20', to: '2026-12-02' }] } : {}), ...(rep.id === 'ana' ? { managerEmail: manager } : {}) })),
    };
    const rows = ['Ines', 'Jens'].map((name) => scan(name));
    const summary = await importLeads(csvOf(rows), { formId: EVENT_FORM, fileName: 'away.csv' }, importDeps(teamAway));
    expect(await alertImportedLeads({ importId: summary.alerts!.importId, part: 1 }, processDeps(teamAway))).toMatchObject({ digests: 1, leadsTold: 2, failed: 0 });

    const [own, ...moreToOwner] = aboutPerson(await mailTo('ana'), rows[0]!.email);
    expect(moreToOwner).toEqual([]);
    expect(own!.body.text).toContain(`You are marked away until Wed 2 Dec, so your manager (${manager}) gets a copy of this email.`);
    const [copy, ...moreCopies] = (await readMailbox()).filter((mail) => mail.destination.to.includes(manager));
    expect(moreCopies).toEqual([]);
    expect(copy!.subject).toMatch(/^\[Copy for Ana Silva\] 2 leads from Data Summit 2026 for Ana Silva · /);
    expect(copy!.body.text).toContain("Sent to you as Ana Silva's manager: Handoff assigned these imported leads to them while they are away.");
    expect(copy!.attachments).toHaveLength(1);
    const actors = [...new Set(copy!.body.html!.match(/\/actions\/[A-Za-z0-9_.-]+/g) ?? [])].map((path) => {
      const verified = verifyActionToken(path.replace('/actions/', ''), actionSecret, IMPORTED_AT);
      return verified.ok ? verified.payload.actor?.address : 'invalid';
    });
    expect(actors.length).toBeGreaterThan(0);
    expect(new Set(actors)).toEqual(new Set([manager]));
  });

  it('gives an owner with a single lead the usual alert for it', async () => {
    const before = (await mailTo('ana')).length;
    const row = scan('Gita', 'Call on Monday');
    const summary = await importLeads(csvOf([row]), { formId: EVENT_FORM, fileName: 'one.csv' }, importDeps(anaAlone));
    expect(await alertImportedLeads({ importId: summary.alerts!.importId, part: 1 }, processDeps(anaAlone))).toEqual({ digests: 0, singleAlerts: 1, leadsTold: 1, failed: 0 });
    const mails = (await mailTo('ana')).slice(before);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toMatch(/^New lead: Gita Tester \(Acme Analytics\) · score \d+ · Data Summit 2026$/);
    expect(mails[0]!.replyTo).toEqual([row.email]);
    // Received at its scan, as the alert says: the "Scanned At" column is not repeated among the answers.
    expect(mails[0]!.body.text).toContain('WHAT THEY ASKED\nCall on Monday\n');
    expect(mails[0]!.body.text).not.toContain('Scanned At');
  });

  it('lists a person who already had an open lead once, as returning, however often they were scanned', async () => {
    const known = `returning.${run}@known-buyer.de`;
    const { leadId: openLeadId } = await captureLead(
      { formId: 'demo-request', fields: [['email', known], ['firstName', 'Rosa'], ['country', 'DE']], sourceIp: `192.0.2.${randomInt(1, 254)}`, context: { query: {} } },
      { config: anaAlone, store, seenHere: new SubmissionsSeenHere(), now: () => new Date('2026-11-20T09:00:00Z') },
    );
    expect(await processLead(openLeadId, processDeps(anaAlone))).toBe('alerted');
    const before = (await mailTo('ana')).length;

    const rows = [scan('Rosa', 'first scan', known), scan('Rosa', 'second scan', known), scan('Ivo'), scan('Jia')];
    const summary = await importLeads(csvOf(rows), { formId: EVENT_FORM, fileName: 'day-two.csv' }, importDeps(anaAlone));
    expect(summary).toMatchObject({ imported: 4, alerts: { leads: 4 } });
    expect(await alertImportedLeads({ importId: summary.alerts!.importId, part: 1 }, processDeps(anaAlone))).toEqual({ digests: 1, singleAlerts: 0, leadsTold: 3, failed: 0 });

    const [digest, ...more] = (await mailTo('ana')).slice(before);
    expect(more).toEqual([]);
    expect(digest!.subject).toMatch(/^3 leads from Data Summit 2026 for you · /);
    const rosaLine = digest!.body.text!.split('\n').find((line) => line.includes('Rosa'))!;
    expect(rosaLine).toContain('Returning · 2 rows in the file');
    expect(digest!.body.text!.match(new RegExp(known.replaceAll('.', '\\.'), 'g'))).toHaveLength(1);
    const rosaRows = (await store.leadsOfPerson({ email: known })).filter((lead) => lead.leadId !== openLeadId);
    expect(rosaRows.map((lead) => [lead.status, lead.mergedInto, lead.alert?.status])).toEqual([['merged', openLeadId, 'sent'], ['merged', openLeadId, 'sent']]);
  });

  it('cuts a large import into parts of at most 500 leads, oldest scans first, and never splits a person\'s rows', async () => {
    const twice = `split.${run}@split-${run}.example`;
    const filler = Array.from({ length: 501 }, (_, index) => scan(`Filler${index}`).line.replace('2026-11-25 15:00', `2026-11-25 ${String(9 + Math.floor(index / 60)).padStart(2, '0')}:${String(index % 60).padStart(2, '0')}`));
    const first = scan('Split', 'at the booth', twice).line.replace('2026-11-25 15:00', '2026-11-25 08:00');
    const again = scan('Split', 'at the talk', twice).line.replace('2026-11-25 15:00', '2026-11-25 18:00');
    const summary = await importLeads(csvOf([{ line: first }, ...filler.map((line) => ({ line })), { line: again }]), { formId: EVENT_FORM, fileName: 'big.csv' }, importDeps(config));
    expect(summary).toMatchObject({ imported: 503, alerts: { parts: 2, leads: 503 } });
    const [one, two] = await Promise.all([1, 2].map((part) => store.getImportPart(summary.alerts!.importId, part)));
    expect([one!.leadIds.length, two!.leadIds.length]).toEqual([500, 3]);
    // Parts are only needed until their emails are out: DynamoDB's TTL deletes them 30 days after the import.
    expect([one!.deletedAfter, two!.deletedAfter]).toEqual(['2026-12-27T10:00:00.000Z', '2026-12-27T10:00:00.000Z']);
    const splitRows = (await store.leadsOfPerson({ email: twice })).map((lead) => lead.leadId);
    expect(one!.leadIds.slice(0, 2).sort()).toEqual([...splitRows].sort());
    const scannedAt = async (leadIds: string[]) => (await store.getLeads(leadIds)).map((lead) => lead.receivedAt).sort();
    // The last part holds the people scanned last: fillers 498–500, scanned 17:18–17:20 in Berlin.
    expect(await scannedAt(two!.leadIds)).toEqual(['2026-11-25T16:18:00.000Z', '2026-11-25T16:19:00.000Z', '2026-11-25T16:20:00.000Z']);
  }, 60_000);

  it('tells the other owners when one lead of a part cannot be placed, and fails the part so that lead is tried again', async () => {
    const rows = [scan('Quinn'), scan('Rami')];
    const summary = await importLeads(csvOf(rows), { formId: EVENT_FORM, fileName: 'poison.csv' }, importDeps(anaAlone));
    const good = await Promise.all(rows.map(async (row) => (await store.leadsOfPerson({ email: row.email }))[0]!));
    // A row of a form since taken out of the config: processing cannot place it.
    const poison = { ...good[0]!, leadId: `ld_poison${run}`, formId: 'retired-form', contact: { ...good[0]!.contact, email: `poison.${run}@poison.example`, emailDisplay: `poison.${run}@poison.example` } };
    await store.putNewLead(poison);
    const part = { ...(await store.getImportPart(summary.alerts!.importId, 1))!, part: 2, parts: 2 };
    await store.putImportPart({ ...part, leadIds: [poison.leadId, ...part.leadIds] });

    const before = (await mailTo('ana')).length;
    await expect(alertImportedLeads({ importId: part.importId, part: 2 }, processDeps(anaAlone))).rejects.toThrow('form "retired-form" does not exist');
    const [digest, ...more] = (await mailTo('ana')).slice(before);
    expect(more).toEqual([]);
    for (const row of rows) expect(digest!.body.text).toContain(row.email);
    // The retry tells nobody twice; the final attempt leaves the poison row unplaced and says so.
    expect(await alertImportedLeads({ importId: part.importId, part: 2 }, processDeps(anaAlone), { finalAttempt: true })).toEqual({ digests: 0, singleAlerts: 0, leadsTold: 0, failed: 1 });
    expect((await mailTo('ana')).length).toBe(before + 1);
    expect((await store.getLead(poison.leadId))!.status).toBe('new');
  });

  it('tells the owners when the same file is imported again after an import stopped before it could', async () => {
    const rows = [scan('Kofi'), scan('Lena')];
    const broken: ImportDependencies = {
      ...importDeps(anaAlone),
      store: {
        putNewLead: (lead, expiresAt) => store.putNewLead(lead, expiresAt),
        getLead: (leadId) => store.getLead(leadId),
        putImportPart: () => Promise.reject(new StorageUnavailableError()),
      },
    };
    await expect(importLeads(csvOf(rows), { formId: EVENT_FORM, fileName: 'stopped.csv' }, broken)).rejects.toMatchObject({
      statusCode: 503,
      message: 'every row is stored, but lead storage became unreachable before the owners could be told; run the same import again: it adds no rows and tells the owners',
    });
    const stored = await Promise.all(rows.map(async (row) => (await store.leadsOfPerson({ email: row.email }))[0]!));
    for (const lead of stored) expect(await processLead(lead.leadId, processDeps(anaAlone))).toBe('awaiting-import-digest');

    const again = await importLeads(csvOf(rows), { formId: EVENT_FORM, fileName: 'stopped.csv' }, importDeps(anaAlone));
    expect(again).toMatchObject({ imported: 0, duplicates: 2, alerts: { parts: 1, leads: 2 } });
    const before = (await mailTo('ana')).length;
    expect(await alertImportedLeads({ importId: again.alerts!.importId, part: 1 }, processDeps(anaAlone))).toMatchObject({ digests: 1, leadsTold: 2 });
    const [digest] = (await mailTo('ana')).slice(before);
    for (const row of rows) expect(digest!.body.text).toContain(row.email);

    // Told now: a third import of the file has nobody left to tell.
    expect((await importLeads(csvOf(rows), { formId: EVENT_FORM }, importDeps(anaAlone))).alerts).toBeUndefined();
  });
});

describe('an import digest while SES is down', () => {
  let ses: RunningService | undefined;
  afterAll(async () => {
    await ses?.stop();
  });

  it('is retried until SES is back and then sent once; on the final attempt its leads are marked failed', async () => {
    const port = await findFreePort();
    ses = await startSesLocal({ port });
    const mailer = new SesMailer(new SESClient({ endpoint: ses.endpoint, region: 'eu-central-1', credentials: DUMMY_CREDENTIALS, maxAttempts: 1 }), { sender: anaAlone.sender, senderName: 'Handoff' });
    const ownMailbox = async () => ((await (await fetch(`${ses!.endpoint}/store`)).json()) as { emails: MailboxEmail[] }).emails;

    const rows = [scan('Mira'), scan('Noor')];
    const { alerts } = await importLeads(csvOf(rows), { formId: EVENT_FORM, fileName: 'ses-down.csv' }, importDeps(anaAlone));
    await ses.stop();
    await expect(alertImportedLeads({ importId: alerts!.importId, part: 1 }, processDeps(anaAlone, mailer))).rejects.toThrow();
    const pending = await Promise.all(rows.map(async (row) => (await store.leadsOfPerson({ email: row.email }))[0]!));
    expect(pending.map((lead) => lead.alert)).toEqual(pending.map(() => expect.objectContaining({ status: 'pending', attempts: 1, lastError: expect.stringContaining('import digest could not be sent') })));

    ses = await startSesLocal({ port });
    expect(await alertImportedLeads({ importId: alerts!.importId, part: 1 }, processDeps(anaAlone, mailer))).toMatchObject({ digests: 1, leadsTold: 2 });
    expect(await alertImportedLeads({ importId: alerts!.importId, part: 1 }, processDeps(anaAlone, mailer))).toMatchObject({ digests: 0, leadsTold: 0 });
    expect(await ownMailbox()).toHaveLength(1);

    const later = [scan('Oren'), scan('Pia')];
    const second = await importLeads(csvOf(later), { formId: EVENT_FORM, fileName: 'ses-gone.csv' }, importDeps(anaAlone));
    await ses.stop();
    expect(await alertImportedLeads({ importId: second.alerts!.importId, part: 1 }, processDeps(anaAlone, mailer), { finalAttempt: true })).toEqual({ digests: 0, singleAlerts: 0, leadsTold: 0, failed: 2 });
    const failed = await Promise.all(later.map(async (row) => (await store.leadsOfPerson({ email: row.email }))[0]!));
    expect(failed.map((lead) => lead.alert?.status)).toEqual(['failed', 'failed']);
    ses = undefined;
  });
});
