/**
 * SES bounce and complaint events end to end: the SNS events under test/fixtures/ses-events/ go through the
 * production handler into DynamoDB Local, and the nightly sales report (sent through the local SES) shows them.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SNSEvent } from 'aws-lambda';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/load.ts';
import { EmailHealthStore } from '../../shared/adapters/lead-store/email-health.ts';
import { LeadStore } from '../../shared/adapters/lead-store/store.ts';
import { mailerFromEnv } from '../../shared/adapters/mailer-from-env.ts';
import type { Lead } from '../../shared/domain/lead.ts';
import { runNightlyReport } from '../../shared/usecases/nightly-report.ts';
import { seedLead } from '../fixtures/nightly-scenario.ts';
import { createTestTable, readMailbox, testDynamoDbClient, type MailboxEmail } from '../support/local-aws.ts';

const config = loadConfig('handoff.config.json');
/** The lead whose owner alert the bounce fixture is about (its X-Handoff-Key header). */
const BOUNCED_LEAD = 'ld_7k2m9q4xv8r1c6t3w5yz';
const ANA = 'ana.silva@northwind.example';
const SALES_INBOX = 'sales-leads@northwind.example';

const fixture = (name: string): SNSEvent => JSON.parse(readFileSync(new URL(`../fixtures/ses-events/${name}.json`, import.meta.url), 'utf8'));

/** The fixture's SES record, changed by `edit`, back in its SNS envelope: for the variations the fixtures do not cover. */
function variant(name: string, edit: (message: Record<string, any>) => void): SNSEvent {
  const event = fixture(name);
  const sns = event.Records[0]!.Sns;
  const message = JSON.parse(sns.Message);
  edit(message);
  sns.Message = JSON.stringify(message);
  return event;
}

let sesEvents: (event: SNSEvent) => Promise<void>;
let leads: LeadStore;
let emailHealth: EmailHealthStore;
let stdout: string[];
const originalWrite = process.stdout.write;

beforeAll(async () => {
  process.env.TABLE_NAME = await createTestTable('ses-events');
  sesEvents = (await import('../../functions/ses-events.ts')).handler;
  const client = testDynamoDbClient();
  leads = new LeadStore({ client, tableName: process.env.TABLE_NAME, timezone: config.organisation.timezone });
  emailHealth = new EmailHealthStore({ client, tableName: process.env.TABLE_NAME });
});

beforeEach(() => {
  stdout = [];
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
});

afterEach(() => {
  process.stdout.write = originalWrite;
});

/** A lead as capture and processing leave it: assigned to `ownerId`, its alert sent. */
async function alertedLead(leadId: string, ownerId: string): Promise<Lead> {
  const { enrichment, alert: _alert, ownerId: _owner, ...captured } = seedLead(
    { leadId, formId: 'demo-request', receivedAt: '2026-11-26T09:10:00Z', status: 'new', name: 'José Müller', email: `jose.${leadId}@muller-gmbh.de`, company: 'Müller GmbH' },
    config,
  );
  expect((await leads.putNewLead(captured)).created).toBe(true);
  expect(await leads.recordAssignment(leadId, { enrichment: enrichment!, score: 72, scoreReasons: [], ownerId, ownerReason: 'Territory EMEA (DE)' })).toBe(true);
  expect(await leads.markAlertSent(leadId, new Date('2026-11-26T09:14:02Z'))).toBe(true);
  return (await leads.getLead(leadId))!;
}

const markOf = async (address: string) => (await emailHealth.marks()).find((mark) => mark.address === address);
const alertsFailedMetrics = () => stdout.filter((line) => line.includes('"_aws"') && line.includes('"AlertsFailed"'));

describe('a hard bounce of an owner alert', () => {
  it("marks the owner's address and fails the lead's alert, once however often SNS delivers it", async () => {
    await alertedLead(BOUNCED_LEAD, 'ana');
    const bounce = fixture('bounce-permanent-general');

    await sesEvents(bounce);
    await sesEvents(bounce);

    expect(await markOf(ANA)).toEqual({
      address: ANA, lastEvent: 'bounce', lastEventAt: '2026-11-26T09:14:04.318Z', bounces: 1, complaints: 0, bounceType: 'Permanent', bounceSubType: 'General',
    });
    const lead = (await leads.getLead(BOUNCED_LEAD))!;
    expect(lead.alert).toMatchObject({ kind: 'new', status: 'failed', lastError: 'bounced', attempts: 1 });
    expect(lead.status).toBe('open');
    expect(alertsFailedMetrics()).toHaveLength(1);
  });

  it("leaves the alert alone once the lead belongs to someone else: the bounce was the old owner's", async () => {
    const leadId = 'ld_reassigned0000000000';
    await alertedLead(leadId, 'jonas');
    await sesEvents(variant('bounce-permanent-general', (message) => {
      message.bounce.feedbackId = 'bounce-after-reassignment';
      message.mail.headers.find((header: { name: string }) => header.name === 'X-Handoff-Key').value = `alert:${leadId}:new`;
    }));
    expect((await leads.getLead(leadId))!.alert).toMatchObject({ status: 'sent' });
    expect(await markOf(ANA)).toMatchObject({ bounces: 2 });
    expect(alertsFailedMetrics()).toEqual([]);
  });

  it('a soft bounce marks the address but does not fail the alert: SES retried and the owner may still get it', async () => {
    const leadId = 'ld_softbounce0000000000';
    await alertedLead(leadId, 'maya');
    await sesEvents(variant('bounce-permanent-general', (message) => {
      Object.assign(message.bounce, { bounceType: 'Transient', bounceSubType: 'MailboxFull', feedbackId: 'soft-bounce', timestamp: '2026-11-26T10:00:00.000Z' });
      message.bounce.bouncedRecipients[0].emailAddress = 'Maya Johnson <Maya.Johnson@northwind.example>';
      message.mail.headers.find((header: { name: string }) => header.name === 'X-Handoff-Key').value = `alert:${leadId}:new`;
    }));
    expect(await markOf('maya.johnson@northwind.example')).toMatchObject({ lastEvent: 'bounce', bounceType: 'Transient', bounceSubType: 'MailboxFull', bounces: 1 });
    expect((await leads.getLead(leadId))!.alert).toMatchObject({ status: 'sent' });
  });
});

describe('other SES events', () => {
  it('a complaint about a report marks the recipient and touches no lead', async () => {
    await sesEvents(fixture('complaint-abuse'));
    expect(await markOf(SALES_INBOX)).toEqual({
      address: SALES_INBOX, lastEvent: 'complaint', lastEventAt: '2026-11-26T11:02:47.000Z', bounces: 0, complaints: 1, complaintFeedbackType: 'abuse',
    });
  });

  it('a delivery changes nothing', async () => {
    const before = await emailHealth.marks();
    await sesEvents(fixture('delivery'));
    expect(await emailHealth.marks()).toEqual(before);
    expect(await markOf('jonas.weber@northwind.example')).toBeUndefined();
  });

  it('a message that is not an SES event fails the invocation without quoting it, so it ends in the failure queue', async () => {
    const event = fixture('delivery');
    event.Records[0]!.Sns.Message = JSON.stringify({ eventType: 'Bounce', mail: { destination: ['secret.person@example.com'] } });
    const failure = await sesEvents(event).catch((error: unknown) => error as Error);
    expect(failure).toMatchObject({ name: 'MalformedSesEventError', message: expect.stringContaining('mail.messageId') });
    expect((failure as Error).message).not.toContain('secret.person');

    event.Records[0]!.Sns.Message = 'not json';
    await expect(sesEvents(event)).rejects.toMatchObject({ name: 'MalformedSesEventError' });
  });

  it('logs what it did without any address', async () => {
    await sesEvents(fixture('complaint-abuse'));
    const logged = stdout.join('');
    expect(logged).toContain('SES feedback recorded');
    expect(logged).not.toMatch(/@northwind\.example/);
  });
});

describe('the nightly sales report', () => {
  it('lists the addresses that bounced or complained and the lead whose alert bounced', async () => {
    const actionSecret = randomBytes(48).toString('base64url');
    const summary = await runNightlyReport(
      { scheduledTime: new Date('2026-11-27T06:00:00Z') },
      { config, store: leads, mailer: mailerFromEnv(config), emailHealth, actionSecret, now: () => new Date() },
    );
    expect(summary.sent).toContain('sales');

    const listsBouncedLead = (mail: MailboxEmail) => mail.attachments.some((file) => Buffer.from(file.content, 'base64').toString('utf8').includes(BOUNCED_LEAD));
    // Other test files share the mailbox and the sales inbox, and on the real 27 Nov 2026 their runs of "today's"
    // report carry this subject too: this table's report is the one whose CSV lists its bounced lead.
    const [report, ...more] = (await readMailbox()).filter((mail) => mail.destination.to.includes(SALES_INBOX) && mail.subject.includes('as of Fri 27 Nov') && listsBouncedLead(mail));
    expect(more).toEqual([]);
    const text = report!.body.text ?? '';
    expect(text).toMatch(/Email problems:[\s\S]*- ana\.silva@northwind\.example \(rep Ana Silva\): hard bounce \(General\), 2 bounces; last /);
    expect(text).toMatch(/- maya\.johnson@northwind\.example \(rep Maya Johnson\): soft bounce \(MailboxFull\), 1 bounce; last /);
    expect(text).toMatch(/- sales-leads@northwind\.example \(sales report recipient\): complaint \(abuse\), 1 complaint; last /);
    expect(text).toMatch(/Alert not delivered:\n- José Müller, Müller GmbH/);
    expect(report!.body.html).toContain('Email problems');
  });
});
