/**
 * `handoff import`: event CSVs go through the capture rules into DynamoDB Local, and the imported leads are
 * processed from the table stream like any other lead (assigned, alerted through the local SES).
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBStreamEvent, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startStreamPoller, type StreamPoller } from '../../infra/local/stream-poller.ts';
import { loadConfig } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';
import { LeadStore } from '../../shared/adapters/lead-store/store.ts';
import { addDays, localDate, zonedTimeToUtc } from '../../shared/domain/business-hours.ts';
import { MissingContactColumnError, importLeads, type ImportDependencies } from '../../shared/usecases/import-leads.ts';
import { asLambda } from '../support/handlers.ts';
import { createTestTable, dynamoDbEndpoint, readMailbox, testDynamoDbClient } from '../support/local-aws.ts';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG_FILE = join(repositoryRoot, 'handoff.config.json');
const config = loadConfig(CONFIG_FILE);
const EVENT_FORM = 'data-summit-booth';
const BADGE_SCANS = join(repositoryRoot, 'test/fixtures/csv/data-summit-badge-scans.csv');
const ATTENDEE_LIST = join(repositoryRoot, 'test/fixtures/csv/attendee-list-comma.csv');
const MESSY_VALUES = join(repositoryRoot, 'test/fixtures/csv/badge-scans-messy-values.csv');
const EXCEL_SEP_LINE = join(repositoryRoot, 'test/fixtures/csv/excel-sep-line.csv');
/** The Friday after Data Summit (24–26 Nov 2026), when its badge scans are imported: a fixed clock keeps the fixture's scan times recent. */
const IMPORTED_AT = new Date('2026-11-27T10:00:00Z');

let store: LeadStore;
let deps: ImportDependencies;
let poller: StreamPoller;
let tableName: string;

beforeAll(async () => {
  tableName = await createTestTable('import');
  process.env.TABLE_NAME = tableName;
  const secretFile = join(mkdtempSync(join(tmpdir(), 'handoff-import-')), 'action-secret');
  writeFileSync(secretFile, randomBytes(48).toString('base64url'));
  process.env.ACTION_SECRET_FILE = secretFile;
  store = new LeadStore({ client: testDynamoDbClient(), tableName, timezone: config.organisation.timezone });
  deps = { config, store, now: () => IMPORTED_AT };
  const processLeads = asLambda((await import('../../functions/process-leads.ts')).handler);
  poller = await startStreamPoller({ endpoint: dynamoDbEndpoint(), tableName, functionName: 'processLeads', handler: processLeads });
});

afterAll(async () => {
  await poller?.stop();
});

const SCANNED_TUESDAY = [
  'jose.mueller@muller-gmbh.de',
  'zoe.obriain@northwind-data.example',
  'li.xiaolong@shenzhen-tech.example',
  'ana.lukasiewicz@polska-data.example',
];
const SCANNED_WEDNESDAY = ['tomas.novak@prague-data.example', 'marta.garcia@iberia-analytics.example'];
const BADGE_SCAN_EMAILS = [...SCANNED_TUESDAY, ...SCANNED_WEDNESDAY];
const PHONE_RULE = 'must contain only digits, spaces and + ( ) . - /, and an extension like "ext 12"';

describe('importing a badge-scan export (BOM, CRLF, semicolons, quotes, unicode)', () => {
  it('stores every row with an email once, reports the rows without one by row, column and value, and the bad phone as a warning', async () => {
    const summary = await importLeads(readFileSync(BADGE_SCANS), { formId: EVENT_FORM }, deps);
    expect(summary).toEqual({
      formId: EVENT_FORM, delimiter: ';', encoding: 'utf-8', dryRun: false,
      rows: 9, imported: 6, duplicates: 1, repeatedInFile: 1, spam: 0, invalid: 2, scanTimeColumn: 'Scanned At', scanTimezone: 'Europe/Berlin', scanTimed: 7,
      problems: [
        { row: 5, field: 'Email', value: 'soren(at)philo.example', message: 'must be a valid email address like jane@example.com' },
        { row: 8, field: 'Email', message: 'is required, or a phone number' },
      ],
      warnings: [
        { row: 9, field: 'Phone', value: 'ask at booth', message: `${PHONE_RULE}; kept as the answer "Phone (as in the file)"` },
      ],
      alerts: { importId: expect.any(String), parts: 1, leads: 6 },
    });
    const perPerson = await Promise.all(BADGE_SCAN_EMAILS.map((email) => store.leadsOfPerson({ email: email })));
    expect(perPerson.map((leads) => leads.length)).toEqual([1, 1, 1, 1, 1, 1]);
    // Row 8 repeats row 2 with the address in capitals: the row in the file first is the one stored.
    expect(perPerson[0]![0]!.contact.emailDisplay).toBe('Jose.Mueller@muller-gmbh.de');
    expect(await store.leadsOfPerson({ email: 'soren(at)philo.example' })).toEqual([]);
  });

  it('keeps every column: aliases become contact fields, the rest become answers', async () => {
    const [jose] = await store.leadsOfPerson({ email: 'jose.mueller@muller-gmbh.de' });
    expect(jose).toMatchObject({
      formId: EVENT_FORM, formKind: 'event',
      contact: { email: 'jose.mueller@muller-gmbh.de', firstName: 'José', lastName: 'Müller', company: 'Müller GmbH', jobTitle: 'Head of Sales', phone: '+49 30 1234567', country: 'DE', message: 'Wants a demo; call after 14:00' },
      answers: { 'Badge ID': 'DS-1001', Interest: 'Data platform', 'Scanned At': '2026-11-24 10:12' },
    });
    const [zoe] = await store.leadsOfPerson({ email: 'zoe.obriain@northwind-data.example' });
    expect(zoe!.contact).toMatchObject({ firstName: 'Zoë', lastName: 'Ó Briain', company: 'Northwind "Data" Ltd', jobTitle: 'CTO' });
    const [li] = await store.leadsOfPerson({ email: 'li.xiaolong@shenzhen-tech.example' });
    expect(li!.contact).toMatchObject({ firstName: '小龙', lastName: '李', company: '深圳科技有限公司' });
    const [ana] = await store.leadsOfPerson({ email: 'ana.lukasiewicz@polska-data.example' });
    expect(ana!.contact.message).toBe('Met at the booth.\r\nSend the pricing sheet.');
    expect(ana!.answers.Interest).toBe('Streaming, CDC');
    const [tomas] = await store.leadsOfPerson({ email: 'tomas.novak@prague-data.example' });
    expect(tomas!.contact).not.toHaveProperty('phone');
    expect(tomas!.answers).toEqual({ 'Badge ID': 'DS-1007', 'Phone (as in the file)': 'ask at booth', 'Scanned At': '2026-11-25 09:40' });
  });

  it('counts each lead as received when its badge was scanned, and its owner’s deadline from the import, when they could first act', async () => {
    const [jose] = await store.leadsOfPerson({ email: 'jose.mueller@muller-gmbh.de' });
    // Scanned Tuesday 10:12 in Berlin, imported Friday 11:00: "1 business day" runs from the import, to Monday 11:00.
    // A deadline from the scan (Wednesday) would have been overdue before his owner heard of him.
    expect(jose).toMatchObject({ receivedAt: '2026-11-24T09:12:00.000Z', importedAt: IMPORTED_AT.toISOString(), followUpDeadline: '2026-11-30T10:00:00.000Z' });
    const [marta] = await store.leadsOfPerson({ email: 'marta.garcia@iberia-analytics.example' });
    expect(marta!.receivedAt).toBe('2026-11-25T09:02:00.000Z');
  });

  it('adds nothing when the same file is imported again, on another day', async () => {
    const aWeekLater = { ...deps, now: () => new Date(IMPORTED_AT.getTime() + 7 * 86_400_000) };
    const again = await importLeads(readFileSync(BADGE_SCANS), { formId: EVENT_FORM }, aWeekLater);
    expect(again).toMatchObject({ rows: 9, imported: 0, duplicates: 7, repeatedInFile: 1, invalid: 2, scanTimed: 7 });
    const capturedOn = async (day: string) => (await store.leadsCapturedOn(day, EVENT_FORM)).map((lead) => lead.contact.email).filter((email) => BADGE_SCAN_EMAILS.includes(email!)).sort();
    expect(await capturedOn('2026-11-24')).toEqual([...SCANNED_TUESDAY].sort());
    expect(await capturedOn('2026-11-25')).toEqual([...SCANNED_WEDNESDAY].sort());
  });

  it('sends the imported leads through the stream: assigned to the event team, and each owner told once, in one email listing their leads', async () => {
    await poller.idle(30_000);
    const leads = (await Promise.all(BADGE_SCAN_EMAILS.map((email) => store.leadsOfPerson({ email: email })))).flat();
    for (const lead of leads) {
      expect(lead).toMatchObject({ status: 'open', alert: { status: 'sent', attempts: 1 } });
      expect(lead.ownerReason).toContain('Booth leads from Data Summit go to the event team');
    }
    const mailbox = await readMailbox();
    for (const lead of leads) {
      const owner = config.salespeople.find((rep) => rep.id === lead.ownerId)!;
      expect(mailbox.filter((mail) => mail.replyTo.some((address) => address.toLowerCase().includes(lead.contact.email!)))).toEqual([]);
      const digests = mailbox.filter((mail) => mail.body.text?.toLowerCase().includes(lead.contact.email!) && mail.subject.includes('from Data Summit 2026 for you'));
      expect(digests.map((mail) => mail.destination.to)).toEqual([[owner.email]]);
    }
    // Each row's scan time is its "Received" line; the "Scanned At" answer is not repeated under it.
    const joseDigest = mailbox.find((mail) => mail.body.text?.toLowerCase().includes('jose.mueller@muller-gmbh.de') && mail.subject.includes('from Data Summit 2026 for you'))!;
    expect(joseDigest.body.text).toContain('Received Tue 24 Nov, 10:12 CET\n     "Wants a demo; call after 14:00"\n     Badge ID: DS-1001 · Interest: Data platform\n');
    expect(joseDigest.body.text).not.toContain('Scanned At:');
  }, 60_000);
});

describe('importing other exports', () => {
  it('reads a comma-separated list with other header names, and a dry run stores nothing', async () => {
    const csv = readFileSync(ATTENDEE_LIST);
    const preview = await importLeads(csv, { formId: EVENT_FORM, dryRun: true }, deps);
    expect(preview).toMatchObject({ delimiter: ',', dryRun: true, rows: 2, imported: 2, duplicates: 0, invalid: 0 });
    expect(await store.leadsOfPerson({ email: 'priya.nair@lakehouse-labs.example' })).toEqual([]);

    expect(await importLeads(csv, { formId: EVENT_FORM }, deps)).toMatchObject({ imported: 2, duplicates: 0 });
    const [priya] = await store.leadsOfPerson({ email: 'priya.nair@lakehouse-labs.example' });
    expect(priya).toMatchObject({
      contact: { name: 'Priya Nair', company: 'Lakehouse Labs', jobTitle: 'Director of Data', phone: '+1 415 555 0100' },
      answers: { 'How did you hear about us?': 'Conference talk, Day 1' },
    });
    expect(await importLeads(csv, { formId: EVENT_FORM, dryRun: true }, deps)).toMatchObject({ imported: 0, duplicates: 2 });
  });

  it('is not rate limited: an operator import is not a flood from one address', async () => {
    const batch = `batch${randomInt(1e9)}`;
    const rows = Array.from({ length: 3 * config.capture.rateLimitPerMinute }, (_, index) => `${batch}.${index}@scanned.example,Guest ${index}`);
    const summary = await importLeads(['Email,Name', ...rows].join('\n'), { formId: EVENT_FORM }, deps);
    expect(summary).toMatchObject({ rows: rows.length, imported: rows.length, invalid: 0 });
    const { Items = [] } = await testDynamoDbClient().send(new ScanCommand({ TableName: tableName, FilterExpression: 'begins_with(pk, :rate)', ExpressionAttributeValues: { ':rate': { S: 'RATE#' } } }));
    expect(Items).toEqual([]);
  });

  it('stores the first of a person\'s repeated rows, even when a later one would be written sooner', async () => {
    const run = randomInt(1e9);
    const first = `Pat.Lee${run}@slow-first.example`;
    const csv = ['Email,Name', `${first},Pat Lee`, `other${run}@elsewhere.example,Someone Else`, `${first.toUpperCase()},Pat Lee`].join('\n');
    // The first row's write is slow, as a throttled request is: without ordering, the repeat would land first.
    const slowFirst: ImportDependencies = {
      ...deps,
      store: {
        getLead: (leadId) => store.getLead(leadId),
        putImportPart: (part) => store.putImportPart(part),
        putNewLead: async (lead) => {
          if (lead.contact.emailDisplay === first) await new Promise((resolve) => setTimeout(resolve, 300));
          return store.putNewLead(lead);
        },
      },
    };
    expect(await importLeads(csv, { formId: EVENT_FORM }, slowFirst)).toMatchObject({ rows: 3, imported: 2, duplicates: 1, repeatedInFile: 1 });
    const [pat] = await store.leadsOfPerson({ email: first });
    expect(pat!.contact.emailDisplay).toBe(first);
  });

  it('stops when asked: reads no further row, finishes the rows in flight, tells their owners, and says where it stopped', async () => {
    const batch = `stop${randomInt(1e9)}`;
    const rows = Array.from({ length: 10 }, (_, index) => `${batch}.${index}@stop-${batch}-${index}.example,Guest ${index}`);
    const stop = new AbortController();
    let written = 0;
    const stoppingDeps: ImportDependencies = {
      ...deps,
      store: {
        getLead: (leadId) => store.getLead(leadId),
        putImportPart: (part) => store.putImportPart(part),
        putNewLead: async (lead) => {
          const result = await store.putNewLead(lead);
          if (++written === 3) stop.abort();
          return result;
        },
      },
    };
    const csv = ['Email,Name', ...rows].join('\n');
    const stopped = await importLeads(csv, { formId: EVENT_FORM, concurrency: 1, signal: stop.signal }, stoppingDeps);
    expect(stopped).toMatchObject({ rows: 10, stoppedAfter: 3, imported: 3, invalid: 0, alerts: { parts: 1, leads: 3 } });
    expect((await store.leadsOfPerson({ email: `${batch}.3@stop-${batch}-3.example` }))).toEqual([]);
    const rest = await importLeads(csv, { formId: EVENT_FORM }, deps);
    expect(rest).toMatchObject({ rows: 10, imported: 7, duplicates: 3 });
    expect(rest).not.toHaveProperty('stoppedAfter');
  });

  it('refuses, before reading a row, a header read with the wrong separator, and names the one that fits', async () => {
    const commaFile = readFileSync(ATTENDEE_LIST);
    const written: string[] = [];
    const watchedDeps: ImportDependencies = {
      ...deps,
      store: {
        getLead: (leadId) => store.getLead(leadId),
        putNewLead: (lead) => {
          written.push(lead.leadId);
          return store.putNewLead(lead);
        },
        putImportPart: (part) => {
          written.push(part.importId);
          return store.putImportPart(part);
        },
      },
    };
    const refusal: unknown = await importLeads(commaFile, { formId: EVENT_FORM, delimiter: ';' }, watchedDeps).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(MissingContactColumnError);
    expect(refusal).toMatchObject({ statusCode: 422, likelyDelimiter: ',' });
    expect((refusal as Error).message).toBe('no email or phone column in the header (read with ";" as the separator: 1 column(s), "Email Address,Full Name,Organization,Title,Mobile,How did yo…"); the header looks ","-separated');
    await expect(importLeads(readFileSync(BADGE_SCANS), { formId: EVENT_FORM, delimiter: ',' }, watchedDeps)).rejects.toMatchObject({ statusCode: 422, likelyDelimiter: ';' });
    expect(written).toEqual([]);
  });

  it('refuses a header with no email or phone column under any separator, and says what to name it', async () => {
    const refusal: unknown = await importLeads('Name,Company\nJane,Acme\n', { formId: EVENT_FORM }, deps).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ statusCode: 422, likelyDelimiter: undefined });
    expect((refusal as Error).message).toBe('no email or phone column in the header (read with "," as the separator: 2 column(s), "Name", "Company"); name the column that holds the addresses Email (or E-mail, Email Address, Work Email), or the one with the numbers Phone (or Mobile)');
  });

  it('imports a file of phone numbers without addresses into an event form, and refuses it for a form that requires an email', async () => {
    const run = randomInt(1e8);
    const file = `Name;Mobile;Company;Notes\nJonas Weber;+49 171 ${run};Weber Logistik;No email, call him Monday\nLena Vogt;12 34;Vogt AG;\n`;
    const summary = await importLeads(file, { formId: EVENT_FORM }, deps);
    expect(summary).toMatchObject({ rows: 2, imported: 1, invalid: 1, problems: [{ row: 3, field: 'Mobile', value: '12 34', message: 'must have at least 7 digits when there is no email' }] });
    const [jonas, ...others] = await store.leadsOfPerson({ phone: `0171 ${run}` });
    expect(others).toEqual([]);
    expect(jonas).toMatchObject({ formId: EVENT_FORM, contact: { name: 'Jonas Weber', phone: `+49 171 ${run}`, company: 'Weber Logistik', message: 'No email, call him Monday' } });
    expect(jonas!.contact).not.toHaveProperty('email');
    const refusal: unknown = await importLeads(file, { formId: 'demo-request' }, deps).catch((error: unknown) => error);
    expect((refusal as Error).message).toBe('no email column in the header (read with ";" as the separator: 4 column(s), "Name", "Mobile", "Company", "Notes"); name the column that holds the addresses Email (or E-mail, Email Address, Work Email)');
  });

  it('reads the separator that gives an email column, even when another occurs more often in the header', async () => {
    const address = `detect${randomInt(1e9)}@scanned.example`;
    const summary = await importLeads(`Name, first;Name, last;Email\nAna;Ng;${address}\n`, { formId: EVENT_FORM, dryRun: true }, deps);
    expect(summary).toMatchObject({ delimiter: ';', rows: 1, imported: 1, invalid: 0 });
  });

  it('refuses a header with no rows under it', async () => {
    await expect(importLeads('Email;Name\r\n;\r\n', { formId: EVENT_FORM }, deps)).rejects.toThrow('the file has a header but no data rows: nothing to import');
  });

  it('refuses an unknown form and a file that is not CSV', async () => {
    await expect(importLeads('Email\na@b.example\n', { formId: 'no-such-form' }, deps)).rejects.toThrow('form "no-such-form" does not exist');
    await expect(importLeads('Email;Name\n"a@b.example;unclosed\n', { formId: EVENT_FORM }, deps)).rejects.toThrow(/^the file is not readable as CSV: Quote Not Closed/);
  });
});

describe('rows with values capture refuses in contact fields other than the email', () => {
  const setAside = (column: string) => `kept as the answer "${column} (as in the file)"`;
  const messyWarnings = [
    { row: 2, field: 'Phone', value: 'ask at booth', message: `${PHONE_RULE}; ${setAside('Phone')}` },
    { row: 3, field: 'Phone', value: '4.91701E+11', message: `is a number in the scientific notation a spreadsheet turns long numbers into, and has lost its last digits; ${setAside('Phone')}` },
    { row: 4, field: 'Job Title', value: 'Senior Vice President of Global Data Pl…', message: `must be at most 150 characters; ${setAside('Job Title')}` },
    { row: 5, field: 'Phone', value: 'call me', message: `${PHONE_RULE}; ${setAside('Phone')}` },
  ];

  it('imports them with the bad values kept verbatim as answers, lists those as warnings, and refuses only the row without a valid email; a dry run predicts the same', async () => {
    const csv = readFileSync(MESSY_VALUES);
    const preview = await importLeads(csv, { formId: EVENT_FORM, dryRun: true }, deps);
    expect(await store.leadsOfPerson({ email: 'anna.berg@fjord-data.example' })).toEqual([]);
    const { alerts, ...summary } = await importLeads(csv, { formId: EVENT_FORM }, deps);
    expect(summary).toEqual({ ...preview, dryRun: false });
    expect(alerts).toEqual({ importId: expect.any(String), parts: 1, leads: 4 });
    expect(summary).toEqual({
      formId: EVENT_FORM, delimiter: ',', encoding: 'utf-8', dryRun: false,
      rows: 5, imported: 4, duplicates: 0, repeatedInFile: 0, spam: 0, invalid: 1, scanTimed: 0,
      problems: [
        { row: 6, field: 'Email', value: 'eve.adams(at)adams-co.example', message: 'must be a valid email address like jane@example.com' },
        { row: 6, field: 'Phone', value: 'ask at booth', message: PHONE_RULE },
      ],
      warnings: messyWarnings,
    });

    const [anna] = await store.leadsOfPerson({ email: 'anna.berg@fjord-data.example' });
    expect(anna!.contact).toEqual({ email: 'anna.berg@fjord-data.example', emailDisplay: 'anna.berg@fjord-data.example', firstName: 'Anna', lastName: 'Berg', company: 'Fjord Data AS', jobTitle: 'Data Engineer', country: 'NO' });
    expect(anna!.answers).toEqual({ 'Phone (as in the file)': 'ask at booth' });
    const [bjorn] = await store.leadsOfPerson({ email: 'bjorn.lie@fjord-data.example' });
    expect(bjorn!.answers).toEqual({ 'Phone (as in the file)': '4.91701E+11' });
    const [carla] = await store.leadsOfPerson({ email: 'carla.rossi@dati-italia.example' });
    expect(carla!.contact).toMatchObject({ phone: '+39 02 1234567' });
    expect(carla!.contact).not.toHaveProperty('jobTitle');
    expect(carla!.answers['Job Title (as in the file)']).toBe(readFileSync(MESSY_VALUES, 'utf8').split('"')[1]);
    // The phone nobody can dial is set aside, and the mobile number next to it becomes the contact's phone.
    const [dev] = await store.leadsOfPerson({ email: 'dev.patel@ledger-labs.example' });
    expect(dev!.contact.phone).toBe('+44 7700 900123');
    expect(dev!.answers).toEqual({ 'Phone (as in the file)': 'call me' });
    expect(await store.leadsOfPerson({ email: 'eve.adams(at)adams-co.example' })).toEqual([]);

    const again = await importLeads(csv, { formId: EVENT_FORM }, deps);
    expect(again).toMatchObject({ imported: 0, duplicates: 4, invalid: 1, warnings: messyWarnings });
  });

  it('quotes a bad value shortened at a character boundary, with controls and line breaks shown harmlessly', async () => {
    const address = `controls${randomInt(1e9)}@scanned.example`;
    const csv = `Email,Job Title,Company\n${address},"Head of\r\nData\u001b[2J",${'🏳️‍🌈'.repeat(201)}\n`;
    const summary = await importLeads(csv, { formId: EVENT_FORM, dryRun: true }, deps);
    expect(summary).toMatchObject({ imported: 1, invalid: 0 });
    // In the order of the columns, as the operator reads the row.
    expect(summary.warnings).toEqual([
      { row: 2, field: 'Job Title', value: 'Head of↵Data\ufffd[2J', message: `must be a single line, without line breaks; ${setAside('Job Title')}` },
      { row: 2, field: 'Company', value: `${'🏳️‍🌈'.repeat(39)}…`, message: `must be at most 200 characters; ${setAside('Company')}` },
    ]);
  });
});

describe('badge scans timed by their scan-time column', () => {
  it('reads the scan-time column in the organisation\'s timezone, uses the import time for a value it cannot trust, and keeps the column as an answer', async () => {
    const batch = `scan${randomInt(1e9)}`;
    const csv = [
      'Registered;Email;Name;Scan-Zeit',
      `01.11.2026;${batch}.a@scanned.example;Ada;24.11.2026 14:05`,
      `01.11.2026;${batch}.b@scanned.example;Ben;28.11.2026 09:00`,
      `01.11.2026;${batch}.c@scanned.example;Cleo;gestern`,
      `01.11.2026;${batch}.d@scanned.example;Dan;`,
    ].join('\r\n');
    const summary = await importLeads(csv, { formId: EVENT_FORM }, deps);
    expect(summary).toMatchObject({ imported: 4, invalid: 0, scanTimeColumn: 'Scan-Zeit', scanTimed: 1, problems: [] });
    expect(summary.warnings).toEqual([
      { row: 3, field: 'Scan-Zeit', value: '28.11.2026 09:00', message: 'is in the future (read as Sat 28 Nov 2026, 09:00 CET); counted as received at the import instead' },
      { row: 4, field: 'Scan-Zeit', value: 'gestern', message: 'is not a date and time the import reads (such as 2026-11-24 10:00, 24.11.2026 10:00 or 2026-11-24T10:00:00Z); counted as received at the import instead' },
    ]);
    const [ada] = await store.leadsOfPerson({ email: `${batch}.a@scanned.example` });
    expect(ada).toMatchObject({ receivedAt: '2026-11-24T13:05:00.000Z', followUpDeadline: '2026-11-30T10:00:00.000Z', answers: { Registered: '01.11.2026', 'Scan-Zeit': '24.11.2026 14:05' } });
    for (const letter of ['b', 'c', 'd']) {
      const [lead] = await store.leadsOfPerson({ email: `${batch}.${letter}@scanned.example` });
      expect(lead!.receivedAt).toBe(IMPORTED_AT.toISOString());
    }

    const nextDay = { ...deps, now: () => new Date(IMPORTED_AT.getTime() + 86_400_000) };
    expect(await importLeads(csv, { formId: EVENT_FORM }, nextDay)).toMatchObject({ imported: 0, duplicates: 4, scanTimed: 2 });
  });
});

describe('an event in another timezone', () => {
  it('reads scan times without a zone on the event’s clock', async () => {
    const london: Config = { ...config, forms: config.forms.map((form) => (form.id === EVENT_FORM ? { ...form, event: { ...form.event!, location: 'ExCeL London', timezone: 'Europe/London' } } : form)) };
    const batch = `london${randomInt(1e9)}`;
    const csv = ['Email,Scanned At', `${batch}.a@scanned.example,2026-11-24 10:00`].join('\r\n');
    expect(await importLeads(csv, { formId: EVENT_FORM }, { ...deps, config: london })).toMatchObject({ imported: 1, scanTimed: 1, scanTimezone: 'Europe/London' });
    // 10:00 in London is 10:00 UTC in November; read in Berlin it would have been 09:00 UTC.
    expect((await store.leadsOfPerson({ email: `${batch}.a@scanned.example` }))[0]!.receivedAt).toBe('2026-11-24T10:00:00.000Z');
  });
});

describe('a write retried after it had landed', () => {
  it('counts the row as imported by this import, not as a duplicate from an earlier one', async () => {
    // The SDK retries a PutItem that timed out; when the first attempt had landed, the retry's condition fails and the
    // store answers "already stored". A store that writes every new lead twice makes every row such a row.
    const writesTwice = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'putNewLead') return async (...args: Parameters<LeadStore['putNewLead']>) => (await target.putNewLead(...args), target.putNewLead(...args));
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const batch = `retry${randomInt(1e9)}`;
    const csv = ['Email,Name', `${batch}.a@scanned.example,Ada`, `${batch}.b@scanned.example,Ben`, `${batch}.b@scanned.example,Ben`].join('\r\n');
    const summary = await importLeads(csv, { formId: EVENT_FORM }, { ...deps, store: writesTwice });
    expect(summary).toMatchObject({ rows: 3, imported: 2, duplicates: 1, repeatedInFile: 1 });
    expect(summary.alerts?.leads).toBe(2);
  });
});

describe('a scan date and a scan time in two columns', () => {
  it('reads them together, as the one scan time they are', async () => {
    const batch = `split${randomInt(1e9)}`;
    const csv = [
      'Email,Name,Scan Time,Scan Date',
      `${batch}.a@scanned.example,Ada,10:32,11/26/2026`,
      `${batch}.b@scanned.example,Ben,4:05 PM,11/25/2026`,
      `${batch}.c@scanned.example,Cleo,,11/25/2026`,
    ].join('\r\n');
    const summary = await importLeads(csv, { formId: EVENT_FORM }, deps);
    expect(summary).toMatchObject({ imported: 3, scanTimeColumn: 'Scan Date + Scan Time', scanTimed: 3, warnings: [] });
    const receivedAt = async (letter: string) => (await store.leadsOfPerson({ email: `${batch}.${letter}@scanned.example` }))[0]!.receivedAt;
    expect(await receivedAt('a')).toBe('2026-11-26T09:32:00.000Z');
    expect(await receivedAt('b')).toBe('2026-11-25T15:05:00.000Z');
    // A date alone counts from the start of that day, as in a single date column.
    expect(await receivedAt('c')).toBe('2026-11-24T23:00:00.000Z');
  });

  it('keeps a scan-time column that holds whole dates and times as the one it reads', async () => {
    const batch = `whole${randomInt(1e9)}`;
    const csv = ['Email,Scan Time,Scan Date', `${batch}.a@scanned.example,2026-11-26 10:32,11/20/2026`].join('\r\n');
    expect(await importLeads(csv, { formId: EVENT_FORM }, deps)).toMatchObject({ imported: 1, scanTimeColumn: 'Scan Time', scanTimed: 1 });
    expect((await store.leadsOfPerson({ email: `${batch}.a@scanned.example` }))[0]!.receivedAt).toBe('2026-11-26T09:32:00.000Z');
  });
});

describe('Excel\'s "sep=" first line', () => {
  it('reads the separator it names, skips it, and numbers the rows as Excel shows them (header = row 1)', async () => {
    const summary = await importLeads(readFileSync(EXCEL_SEP_LINE), { formId: EVENT_FORM, dryRun: true }, deps);
    expect(summary).toEqual({
      formId: EVENT_FORM, delimiter: ';', declaredDelimiter: ';', encoding: 'utf-8', dryRun: true,
      rows: 3, imported: 2, duplicates: 0, repeatedInFile: 0, spam: 0, invalid: 1, scanTimed: 0,
      problems: [{ row: 3, field: 'Email', value: 'lukas.becker(at)rhein-data.example', message: 'must be a valid email address like jane@example.com' }],
      warnings: [],
    });
  });

  it('gives way to --delimiter, and is skipped all the same', async () => {
    const address = `sep${randomInt(1e9)}@scanned.example`;
    const summary = await importLeads(`sep=,\nEmail;Name, first\n${address};Ana\n`, { formId: EVENT_FORM, delimiter: ';', dryRun: true }, deps);
    expect(summary).toMatchObject({ delimiter: ';', declaredDelimiter: ',', rows: 1, imported: 1, invalid: 0 });
    expect(await importLeads(`SEP=\t\t\r\nEmail\tName\r\n${address}\tAna\r\n`, { formId: EVENT_FORM, dryRun: true }, deps)).toMatchObject({ delimiter: '\t', declaredDelimiter: '\t', rows: 1, imported: 1 });
  });
});

describe('importing the encodings Excel saves', () => {
  it('reads a file that is not valid UTF-8 as Windows-1252 (Excel\'s "CSV" on Windows); the same rows saved as UTF-8 are duplicates of it', async () => {
    const address = `juergen.weiss${randomInt(1e9)}@example.de`;
    // The bytes Excel writes: ü ß ö as in Latin-1, and – € “ ” from the 0x80–0x9F range that only Windows-1252 fills.
    const windows1252 = Buffer.from(`Email;First Name;Last Name;Company;Notes\r\n${address};J\xfcrgen;Wei\xdf;M\xfcller \x96 S\xf6hne;Budget 5.000 \x80, \x93asap\x94\r\n`, 'latin1');
    expect(await importLeads(windows1252, { formId: EVENT_FORM }, deps)).toMatchObject({ encoding: 'windows-1252', rows: 1, imported: 1, invalid: 0 });
    const [juergen] = await store.leadsOfPerson({ email: address });
    expect(juergen!.contact).toMatchObject({ firstName: 'Jürgen', lastName: 'Weiß', company: 'Müller – Söhne', message: 'Budget 5.000 €, “asap”' });

    const utf8 = Buffer.from(`Email;First Name;Last Name;Company;Notes\r\n${address};Jürgen;Weiß;Müller – Söhne;Budget 5.000 €, “asap”\r\n`, 'utf8');
    expect(await importLeads(utf8, { formId: EVENT_FORM }, deps)).toMatchObject({ encoding: 'utf-8', imported: 0, duplicates: 1 });
  });

  it('reads every character Windows-1252 puts where Latin-1 has control characters', async () => {
    const address = `symbols${randomInt(1e9)}@example.de`;
    const undefinedInWindows1252 = [0x81, 0x8d, 0x8f, 0x90, 0x9d];
    const symbols = Array.from({ length: 32 }, (_, index) => 0x80 + index).filter((byte) => !undefinedInWindows1252.includes(byte));
    const file = Buffer.concat([Buffer.from(`Email,Symbols\n${address},`, 'latin1'), Buffer.from(symbols), Buffer.from('\n', 'latin1')]);
    expect(await importLeads(file, { formId: EVENT_FORM }, deps)).toMatchObject({ encoding: 'windows-1252', imported: 1 });
    const [lead] = await store.leadsOfPerson({ email: address });
    expect(lead!.answers.Symbols).toBe('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
  });

  it('reads Excel\'s "Unicode text" (UTF-16 with a byte-order mark, tab-separated), little- and big-endian', async () => {
    const address = `juergen.weiss${randomInt(1e9)}@example.de`;
    const text = `Email\tFirst Name\tLast Name\tCompany\r\n${address}\tJürgen\tWeiß\t深圳科技有限公司\r\n`;
    const littleEndian = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    expect(await importLeads(littleEndian, { formId: EVENT_FORM }, deps)).toMatchObject({ encoding: 'utf-16le', delimiter: '\t', rows: 1, imported: 1, invalid: 0, problems: [] });
    const [juergen] = await store.leadsOfPerson({ email: address });
    expect(juergen!.contact).toMatchObject({ email: address, firstName: 'Jürgen', lastName: 'Weiß', company: '深圳科技有限公司' });

    const bigEndian = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
    expect(await importLeads(bigEndian, { formId: EVENT_FORM }, deps)).toMatchObject({ encoding: 'utf-16be', imported: 0, duplicates: 1 });
  });
});

describe('an import part whose every attempt fails', () => {
  it('reaches the failure queue, whose consumer reads the part back from the stream and tells its owners once', async () => {
    const saved = process.env.TABLE_NAME;
    const ownTable = await createTestTable('import-failure-queue');
    vi.resetModules();
    process.env.TABLE_NAME = ownTable;
    let failingPoller: StreamPoller | undefined;
    try {
      const processLeads = asLambda((await import('../../functions/process-leads.ts')).handler);
      const leadsDlq = asLambda((await import('../../functions/leads-dlq.ts')).handler);
      // The processor crashes on any batch with an import part in it (as a timeout would) and handles leads as usual,
      // so only the failure queue's consumer can tell these owners.
      const crashingOnParts = async (event: DynamoDBStreamEvent, context: Context) => {
        if (event.Records.some((record) => record.dynamodb?.Keys?.pk?.S?.startsWith('IMPORT#'))) throw new Error('the processor crashed');
        return processLeads(event, context);
      };
      const failureQueue: SQSEvent[] = [];
      failingPoller = await startStreamPoller({
        endpoint: dynamoDbEndpoint(), tableName: ownTable, functionName: 'processLeads', handler: crashingOnParts,
        onFailure: async (event) => {
          failureQueue.push(event);
          return leadsDlq(event, {} as never);
        },
      });
      const run = randomInt(1e9);
      const emails = [`nadia.${run}@failure-queue-a.example`, `oskar.${run}@failure-queue-b.example`];
      const csv = ['Email;First Name;Company;Country', `${emails[0]};Nadia;Queue A;DE`, `${emails[1]};Oskar;Queue B;DE`].join('\n');
      const ownStore = new LeadStore({ client: testDynamoDbClient(), tableName: ownTable, timezone: config.organisation.timezone });
      const summary = await importLeads(csv, { formId: EVENT_FORM, fileName: 'failure-queue.csv' }, { config, store: ownStore, now: () => IMPORTED_AT });
      expect(summary).toMatchObject({ imported: 2, alerts: { parts: 1, leads: 2 } });
      await failingPoller.idle(90_000);

      const conditions = failureQueue.map((event) => JSON.parse(event.Records[0]!.body).requestContext.condition);
      expect(conditions).toEqual(['RetryAttemptsExhausted']);
      const leads = (await Promise.all(emails.map((email) => ownStore.leadsOfPerson({ email: email })))).flat();
      expect(leads.map((lead) => lead.alert)).toEqual([expect.objectContaining({ status: 'sent' }), expect.objectContaining({ status: 'sent' })]);
      const mailbox = await readMailbox();
      for (const lead of leads) {
        const owner = config.salespeople.find((rep) => rep.id === lead.ownerId)!;
        expect(mailbox.filter((mail) => mail.body.text?.toLowerCase().includes(lead.contact.email!)).map((mail) => mail.destination.to)).toEqual([[owner.email]]);
      }
    } finally {
      await failingPoller?.stop();
      process.env.TABLE_NAME = saved;
      vi.resetModules();
    }
  }, 120_000);
});

describe('npx handoff import', () => {
  let cliEnv: NodeJS.ProcessEnv;
  let cliTable: string;

  beforeAll(async () => {
    cliTable = await createTestTable('import-cli');
    cliEnv = { ...process.env, TABLE_NAME: cliTable, HANDOFF_CONFIG: CONFIG_FILE };
  });

  const handoff = (args: string[], env: NodeJS.ProcessEnv = cliEnv) =>
    new Promise<{ code: number; stdout: string; errors: string[] }>((resolve) => {
      execFile('npx', ['tsx', 'bin/handoff.ts', ...args], { cwd: repositoryRoot, env, timeout: 60_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, errors: stderr.split('\n').filter((line) => line.startsWith('handoff:')) });
      });
    });

  /** The badge-scan fixture as if Data Summit had been this week, so that its scan times are recent whenever the suite runs. */
  const badgeScansFromThisWeek = () => {
    const today = localDate(new Date(), config.organisation.timezone);
    const [tuesday, wednesday] = [addDays(today, -3), addDays(today, -2)];
    const file = join(mkdtempSync(join(tmpdir(), 'handoff-import-')), 'data-summit-badge-scans.csv');
    // One pass: with two chained replaces, a Tuesday that falls on the fixture's Wednesday (when today is 28 Nov) would move again.
    const thisWeek: Record<string, string> = { '2026-11-24': tuesday, '2026-11-25': wednesday };
    writeFileSync(file, readFileSync(BADGE_SCANS, 'utf8').replace(/2026-11-2[45]/g, (fixtureDay) => thisWeek[fixtureDay]!));
    return file;
  };

  it('prints a summary with the problems and warnings, stores every row with an email and exits 1 for the rows without one', async () => {
    const file = badgeScansFromThisWeek();
    const run = await handoff(['import', file, '--form', EVENT_FORM]);
    expect(run).toMatchObject({
      code: 1,
      errors: ['handoff: 2 of 9 row(s) were not imported (see the problems above); the other rows are stored, and count as duplicates when you import the fixed file again'],
    });
    expect(run.stdout).toBe([
      `Imported ${file} into form "${EVENT_FORM}": 9 row(s), separated by ";".`,
      '  submissions 6 stored',
      '  duplicates  1 skipped (repeated in this file)',
      '  spam        0 stored as spam',
      '  invalid     2 skipped',
      '7 row(s) count as received at their time in column "Scanned At" (in Europe/Berlin unless it names a zone), not at the import.',
      'Problems (rows left out), by row as a spreadsheet numbers them (header = row 1):',
      '  row 5: Email "soren(at)philo.example" must be a valid email address like jane@example.com',
      '  row 8: Email is required, or a phone number',
      'Warnings (rows imported all the same), by row as a spreadsheet numbers them (header = row 1):',
      `  row 9: Phone "ask at booth" ${PHONE_RULE}; kept as the answer "Phone (as in the file)"`,
      'The stream processor makes each submission a new lead, or joins it to the person\'s open lead, and assigns it.',
      'Each owner then gets one email listing their leads from this import, or the usual alert when it is just one.',
      '',
    ].join('\n'));
    const again = await handoff(['import', file, '--form', EVENT_FORM]);
    expect(again.stdout).toContain('  submissions 0 stored\n  duplicates  7 skipped (6 already stored, 1 repeated in this file)\n');
    // No stream processor watches this table, so the first run's owners are still to be told: the second run says so, and tells them.
    expect(again.stdout.trimEnd().split('\n').at(-1)).toBe('That includes 6 lead(s) stored by an earlier import of this file whose owners have not been told yet.');
    const cliStore = new LeadStore({ client: testDynamoDbClient(), tableName: cliTable, timezone: config.organisation.timezone });
    const [jose] = await cliStore.leadsOfPerson({ email: 'jose.mueller@muller-gmbh.de' });
    expect(jose).toMatchObject({ formId: EVENT_FORM, receivedAt: zonedTimeToUtc(addDays(localDate(new Date(), config.organisation.timezone), -3), '10:12', config.organisation.timezone).toISOString() });
  }, 60_000);

  it('exits 0 when every row is in, some with a warning', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'handoff-import-')), 'every-row-has-an-email.csv');
    writeFileSync(file, readFileSync(MESSY_VALUES, 'utf8').split('\n').slice(0, 5).join('\n'));
    const run = await handoff(['import', file, '--form', EVENT_FORM, '--dry-run']);
    expect(run).toMatchObject({ code: 0, errors: [] });
    expect(run.stdout).toContain('  submissions 4 would be stored\n');
    expect(run.stdout).toContain('Warnings (rows that would be imported all the same), by row as a spreadsheet numbers them (header = row 1):\n  row 2: Phone "ask at booth" ');
  }, 60_000);

  it('says it skipped Excel\'s "sep=" line, and numbers the rows as Excel shows them', async () => {
    const run = await handoff(['import', EXCEL_SEP_LINE, '--form', EVENT_FORM, '--dry-run']);
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n').slice(0, 2)).toEqual([
      `Dry run of ${EXCEL_SEP_LINE} into form "${EVENT_FORM}": 3 row(s), separated by ";".`,
      'The first line names the separator, ";" (Excel\'s "sep=" line): skipped, and not counted, so the header is row 1 as Excel shows the file.',
    ]);
    expect(run.stdout).toContain('\n  row 3: Email "lukas.becker(at)rhein-data.example" must be a valid email address like jane@example.com\n');
  }, 60_000);

  it('lists the first 20 problems and warnings, and writes every one to a file it names', async () => {
    const batch = `many${randomInt(1e9)}`;
    const rows = [
      ...Array.from({ length: 25 }, (_, index) => `not-an-address-${index},call ${index}`),
      ...Array.from({ length: 22 }, (_, index) => `${batch}.${index}@scanned.example,ask for ${index}`),
    ];
    const file = join(mkdtempSync(join(tmpdir(), 'handoff-import-')), 'many-problems.csv');
    writeFileSync(file, ['Email,Phone', ...rows].join('\n'));
    const run = await handoff(['import', file, '--form', EVENT_FORM, '--dry-run']);
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines).toContain('Problems (rows that would be left out; first 20 of 50), by row as a spreadsheet numbers them (header = row 1):');
    expect(lines).toContain('Warnings (rows that would be imported all the same; first 20 of 22), by row as a spreadsheet numbers them (header = row 1):');
    expect(lines.filter((line) => line.startsWith('  row '))).toHaveLength(40);
    const listed = lines.find((line) => line.startsWith('Every problem and warning: '))!.slice('Every problem and warning: '.length);
    expect(listed).toMatch(/many-problems\.problems\.txt$/);
    const all = readFileSync(listed, 'utf8').split('\n');
    expect(all[0]).toMatch(/^Dry run of \/.*\/many-problems\.csv into form "data-summit-booth" at \d{4}-\d{2}-\d{2}T[\d:.]+Z: every problem and warning\.$/);
    expect(all.filter((line) => line.startsWith('  row '))).toHaveLength(2 * 25 + 22);
    expect(all).toContain('  row 26: Email "not-an-address-24" must be a valid email address like jane@example.com');
    expect(all).toContain(`  row 48: Phone "ask for 21" ${PHONE_RULE}; kept as the answer "Phone (as in the file)"`);
  }, 60_000);

  it('says in one line that a file which is not valid UTF-8 was read as Windows-1252, and one with a UTF-16 byte-order mark as UTF-16', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'handoff-import-')), 'saved-by-excel-on-windows.csv');
    writeFileSync(file, Buffer.from('Email;First Name;Last Name\r\njuergen.weiss@example.de;J\xfcrgen;Wei\xdf\r\n', 'latin1'));
    const run = await handoff(['import', file, '--form', EVENT_FORM, '--dry-run']);
    expect(run).toMatchObject({ code: 0, errors: [] });
    expect(run.stdout.split('\n').slice(0, 3)).toEqual([
      `Dry run of ${file} into form "${EVENT_FORM}": 1 row(s), separated by ";".`,
      'Read as Windows-1252 (what Excel on Windows saves as "CSV"), because the file is not valid UTF-8.',
      '  submissions 1 would be stored',
    ]);
    const unicodeText = join(mkdtempSync(join(tmpdir(), 'handoff-import-')), 'unicode-text.csv');
    writeFileSync(unicodeText, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Email\tFirst Name\r\nzoe@example.de\tZoë\r\n', 'utf16le')]));
    const utf16 = await handoff(['import', unicodeText, '--form', EVENT_FORM, '--dry-run']);
    expect(utf16.stdout.split('\n')[1]).toBe('Read as UTF-16 (little-endian), as its byte-order mark says: what Excel saves as "Unicode text".');
  }, 60_000);

  it('exits 0 when every row is in, and 1 when every row is invalid', async () => {
    const dryRun = await handoff(['import', ATTENDEE_LIST, '--form', EVENT_FORM, '--dry-run']);
    expect(dryRun).toMatchObject({ code: 0, errors: [] });
    expect(dryRun.stdout).toContain('  submissions 2 would be stored\n  duplicates  0 would be skipped\n');

    const allInvalid = join(mkdtempSync(join(tmpdir(), 'handoff-import-')), 'all-invalid.csv');
    writeFileSync(allInvalid, 'Email,Name\nnot-an-address,Ana\n,Bo\n');
    const run = await handoff(['import', allInvalid, '--form', EVENT_FORM]);
    expect(run).toMatchObject({ code: 1, errors: ['handoff: no row was imported: all 2 row(s) are invalid (see the problems above); fix them and import the file again'] });
    expect(run.stdout).toContain('  invalid     2 skipped\n');
  }, 60_000);

  it('stops cleanly on Ctrl-C: says after how many rows and how to finish, and exits 1', async () => {
    const batch = `ctrlc${randomInt(1e9)}`;
    const file = join(mkdtempSync(join(tmpdir(), 'handoff-import-')), 'long-list.csv');
    writeFileSync(file, ['Email,Name', ...Array.from({ length: 20_000 }, (_, index) => `${batch}.${index}@${batch}-${index}.example,Guest ${index}`)].join('\n'));
    const cli = spawn(process.execPath, ['--import', 'tsx', 'bin/handoff.ts', 'import', file, '--form', EVENT_FORM], { cwd: repositoryRoot, env: cliEnv });
    let stdout = '';
    let stderr = '';
    cli.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    cli.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => cli.on('exit', resolve));
    // Interrupt once rows are being written, as an operator who picked the wrong file would.
    const cliStore = new LeadStore({ client: testDynamoDbClient(), tableName: cliTable, timezone: config.organisation.timezone });
    while ((await cliStore.leadsOfPerson({ email: `${batch}.0@${batch}-0.example` })).length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    cli.kill('SIGINT');
    expect(await exited).toBe(1);
    const stoppedAfter = Number(/Stopped as asked after the first (\d+) row\(s\): the counts below are theirs\./.exec(stdout)?.[1]);
    expect(stoppedAfter).toBeGreaterThan(0);
    expect(stoppedAfter).toBeLessThan(20_000);
    expect(stdout).toContain(`  submissions ${stoppedAfter} stored`);
    expect(stderr).toContain('handoff: stopping after the rows being written (Ctrl-C again to quit at once)');
    expect(stderr).toContain(`handoff: stopped as asked after ${stoppedAfter} of 20000 row(s); the rest were not read: import the same file again to add them (rows already stored count as duplicates)`);
    expect(await cliStore.leadsOfPerson({ email: `${batch}.19999@${batch}-19999.example` })).toEqual([]);
  }, 120_000);

  it('refuses a file read with the wrong separator in one line that names the fix, and stores nothing', async () => {
    const wrongComma = await handoff(['import', BADGE_SCANS, '--form', EVENT_FORM, '--delimiter', ',']);
    expect(wrongComma.code).toBe(1);
    expect(wrongComma.stdout).toBe('');
    expect(wrongComma.errors).toEqual([
      'handoff: no email or phone column in the header (read with "," as the separator: 1 column(s), "Badge ID;First Name;Last Name;Email;Company;Job Title;Phone;…"); the header looks ";"-separated: try --delimiter \';\'',
    ]);

    const wrongSemicolon = await handoff(['import', ATTENDEE_LIST, '--form', EVENT_FORM, '--delimiter', 'semicolon']);
    expect(wrongSemicolon).toMatchObject({ code: 1, stdout: '', errors: [expect.stringMatching(/the header looks ","-separated: try --delimiter ','$/)] });
    const cliStore = new LeadStore({ client: testDynamoDbClient(), tableName: cliTable, timezone: config.organisation.timezone });
    expect(await cliStore.leadsOfPerson({ email: 'priya.nair@lakehouse-labs.example' })).toEqual([]);
  }, 60_000);

  it('fails in one line on a usage error', async () => {
    expect(await handoff(['import', BADGE_SCANS, '--form', 'booth'])).toEqual({ code: 1, stdout: '', errors: ['handoff: --form "booth" is not a configured form: use one of demo-request, data-summit-booth'] });
    expect(await handoff(['import', join(tmpdir(), 'no-such-file.csv'), '--form', EVENT_FORM])).toMatchObject({ code: 1, errors: [expect.stringMatching(/^handoff: cannot read .*no-such-file\.csv: no such file$/)] });
    expect((await handoff(['import', '--form', EVENT_FORM])).errors).toEqual(['handoff: name exactly one CSV file (got 0): handoff import <file.csv> --form <formId>']);
  }, 60_000);

  it('says how to find the stack when there is none to talk to', async () => {
    const { TABLE_NAME: _table, ...withoutTable } = cliEnv;
    const emptyDataDir = mkdtempSync(join(tmpdir(), 'handoff-no-stack-'));
    const run = await handoff(['import', ATTENDEE_LIST, '--form', EVENT_FORM], { ...withoutTable, HANDOFF_DATA_DIR: emptyDataDir });
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.errors).toEqual([expect.stringContaining(`no local stack is running with its data in ${emptyDataDir}. Start one with npm start, or set HANDOFF_DATA_DIR`)]);
  }, 60_000);

  it('fails when the table cannot be reached', async () => {
    const run = await handoff(['import', ATTENDEE_LIST, '--form', EVENT_FORM], { ...cliEnv, AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9' });
    expect(run.code).toBe(1);
    expect(run.errors).toEqual([
      'handoff: lead storage became unreachable after 0 row(s) were stored; nothing stored is lost: run the same import again, rows already stored count as duplicates',
    ]);
  }, 60_000);
});
