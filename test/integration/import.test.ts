/**
 * `handoff import`: event CSVs go through the capture rules into DynamoDB Local, and the imported leads are
 * processed from the table stream like any other lead (assigned, alerted through the local SES).
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStreamPoller, type StreamPoller } from '../../infra/local/stream-poller.ts';
import { loadConfig } from '../../shared/config/load.ts';
import { LeadStore } from '../../shared/adapters/lead-store/store.ts';
import { localDate } from '../../shared/domain/business-hours.ts';
import { importLeads, type ImportDependencies } from '../../shared/usecases/import-leads.ts';
import { asLambda } from '../support/handlers.ts';
import { createTestTable, dynamoDbEndpoint, readMailbox, testDynamoDbClient } from '../support/local-aws.ts';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG_FILE = join(repositoryRoot, 'handoff.config.json');
const config = loadConfig(CONFIG_FILE);
const EVENT_FORM = 'data-summit-booth';
const BADGE_SCANS = join(repositoryRoot, 'test/fixtures/csv/data-summit-badge-scans.csv');
const ATTENDEE_LIST = join(repositoryRoot, 'test/fixtures/csv/attendee-list-comma.csv');

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
  deps = { config, store, now: () => new Date() };
  const processLeads = asLambda((await import('../../functions/process-leads.ts')).handler);
  poller = await startStreamPoller({ endpoint: dynamoDbEndpoint(), tableName, functionName: 'processLeads', handler: processLeads });
});

afterAll(async () => {
  await poller?.stop();
});

const BADGE_SCAN_EMAILS = [
  'jose.mueller@muller-gmbh.de',
  'zoe.obriain@northwind-data.example',
  'li.xiaolong@shenzhen-tech.example',
  'ana.lukasiewicz@polska-data.example',
  'marta.garcia@iberia-analytics.example',
];

describe('importing a badge-scan export (BOM, CRLF, semicolons, quotes, unicode)', () => {
  it('stores the valid rows once each and reports the invalid ones by row and field', async () => {
    const summary = await importLeads(readFileSync(BADGE_SCANS), { formId: EVENT_FORM }, deps);
    expect(summary).toEqual({
      formId: EVENT_FORM, delimiter: ';', dryRun: false,
      rows: 9, imported: 5, duplicates: 1, spam: 0, invalid: 3, problemCount: 3,
      problems: [
        { row: 5, field: 'email', message: 'must be a valid email address like jane@example.com' },
        { row: 8, field: 'email', message: 'is required' },
        { row: 9, field: 'phone', message: 'must contain only digits, spaces and + ( ) . - /' },
      ],
    });
    const perPerson = await Promise.all(BADGE_SCAN_EMAILS.map((email) => store.leadsByEmail(email)));
    expect(perPerson.map((leads) => leads.length)).toEqual([1, 1, 1, 1, 1]);
    expect(await store.leadsByEmail('tomas.novak@prague-data.example')).toEqual([]);
  });

  it('keeps every column: aliases become contact fields, the rest become answers', async () => {
    const [jose] = await store.leadsByEmail('jose.mueller@muller-gmbh.de');
    expect(jose).toMatchObject({
      formId: EVENT_FORM, formKind: 'event',
      contact: { email: 'jose.mueller@muller-gmbh.de', firstName: 'José', lastName: 'Müller', company: 'Müller GmbH', jobTitle: 'Head of Sales', phone: '+49 30 1234567', country: 'DE', message: 'Wants a demo; call after 14:00' },
      answers: { 'Badge ID': 'DS-1001', Interest: 'Data platform', 'Scanned At': '2026-11-24 10:12' },
    });
    const [zoe] = await store.leadsByEmail('zoe.obriain@northwind-data.example');
    expect(zoe!.contact).toMatchObject({ firstName: 'Zoë', lastName: 'Ó Briain', company: 'Northwind "Data" Ltd', jobTitle: 'CTO' });
    const [li] = await store.leadsByEmail('li.xiaolong@shenzhen-tech.example');
    expect(li!.contact).toMatchObject({ firstName: '小龙', lastName: '李', company: '深圳科技有限公司' });
    const [ana] = await store.leadsByEmail('ana.lukasiewicz@polska-data.example');
    expect(ana!.contact.message).toBe('Met at the booth.\r\nSend the pricing sheet.');
    expect(ana!.answers.Interest).toBe('Streaming, CDC');
  });

  it('adds nothing when the same file is imported again', async () => {
    const again = await importLeads(readFileSync(BADGE_SCANS), { formId: EVENT_FORM }, deps);
    expect(again).toMatchObject({ rows: 9, imported: 0, duplicates: 6, invalid: 3 });
    const today = localDate(new Date(), config.organisation.timezone);
    const emails = (await store.leadsCapturedOn(today, EVENT_FORM)).map((lead) => lead.contact.email);
    expect(emails.filter((email) => BADGE_SCAN_EMAILS.includes(email)).sort()).toEqual([...BADGE_SCAN_EMAILS].sort());
  });

  it('sends the imported leads through the stream: assigned to the event team and alerted', async () => {
    await poller.idle(30_000);
    const leads = (await Promise.all(BADGE_SCAN_EMAILS.map((email) => store.leadsByEmail(email)))).flat();
    for (const lead of leads) {
      expect(lead).toMatchObject({ status: 'open', alert: { status: 'sent' } });
      expect(lead.ownerReason).toContain('Booth leads from Data Summit go to the event team');
    }
    const mailbox = await readMailbox();
    for (const email of BADGE_SCAN_EMAILS) {
      expect(mailbox.filter((mail) => mail.replyTo.some((address) => address.toLowerCase().includes(email)))).toHaveLength(1);
    }
  }, 60_000);
});

describe('importing other exports', () => {
  it('reads a comma-separated list with other header names, and a dry run stores nothing', async () => {
    const csv = readFileSync(ATTENDEE_LIST);
    const preview = await importLeads(csv, { formId: EVENT_FORM, dryRun: true }, deps);
    expect(preview).toMatchObject({ delimiter: ',', dryRun: true, rows: 2, imported: 2, duplicates: 0, invalid: 0 });
    expect(await store.leadsByEmail('priya.nair@lakehouse-labs.example')).toEqual([]);

    expect(await importLeads(csv, { formId: EVENT_FORM }, deps)).toMatchObject({ imported: 2, duplicates: 0 });
    const [priya] = await store.leadsByEmail('priya.nair@lakehouse-labs.example');
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

  it('refuses an unknown form and a file that is not CSV', async () => {
    await expect(importLeads('Email\na@b.example\n', { formId: 'no-such-form' }, deps)).rejects.toThrow('form "no-such-form" does not exist');
    await expect(importLeads('Email;Name\n"a@b.example;unclosed\n', { formId: EVENT_FORM }, deps)).rejects.toThrow(/^the file is not readable as CSV: Quote Not Closed/);
  });
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

  it('prints a summary with the first problems and exits 0 even with invalid rows', async () => {
    const run = await handoff(['import', BADGE_SCANS, '--form', EVENT_FORM]);
    expect(run).toMatchObject({ code: 0, errors: [] });
    expect(run.stdout).toBe([
      `Imported ${BADGE_SCANS} into form "${EVENT_FORM}": 9 row(s), separated by ";".`,
      '  new leads   5 stored',
      '  duplicates  1 skipped (already stored)',
      '  spam        0 stored as spam',
      '  invalid     3 skipped',
      'Problems, by row as a spreadsheet numbers them (header = row 1):',
      '  row 5: email must be a valid email address like jane@example.com',
      '  row 8: email is required',
      '  row 9: phone must contain only digits, spaces and + ( ) . - /',
      'New leads are assigned and alerted to their owners as the stream processes them.',
      '',
    ].join('\n'));
    const again = await handoff(['import', BADGE_SCANS, '--form', EVENT_FORM]);
    expect(again.stdout).toContain('  new leads   0 stored\n');
    expect(again.stdout.trimEnd().split('\n').at(-1)).toBe('No new leads, so nobody is alerted.');
    const cliStore = new LeadStore({ client: testDynamoDbClient(), tableName: cliTable, timezone: config.organisation.timezone });
    expect((await cliStore.leadsByEmail('jose.mueller@muller-gmbh.de')).map((lead) => lead.formId)).toEqual([EVENT_FORM]);
  }, 60_000);

  it('fails in one line on a usage error', async () => {
    expect(await handoff(['import', BADGE_SCANS, '--form', 'booth'])).toEqual({ code: 1, stdout: '', errors: ['handoff: --form "booth" is not a configured form: use one of demo-request, data-summit-booth'] });
    expect(await handoff(['import', join(tmpdir(), 'no-such-file.csv'), '--form', EVENT_FORM])).toMatchObject({ code: 1, errors: [expect.stringMatching(/^handoff: cannot read .*no-such-file\.csv: no such file$/)] });
    expect((await handoff(['import', '--form', EVENT_FORM])).errors).toEqual(['handoff: name exactly one CSV file (got 0): handoff import <file.csv> --form <formId>']);
  }, 60_000);

  it('fails when the table cannot be reached', async () => {
    const run = await handoff(['import', ATTENDEE_LIST, '--form', EVENT_FORM], { ...cliEnv, AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9' });
    expect(run.code).toBe(1);
    expect(run.errors).toEqual([
      'handoff: lead storage became unreachable after 0 new lead(s) were stored; nothing stored is lost: run the same import again, rows already stored count as duplicates',
    ]);
  }, 60_000);
});
