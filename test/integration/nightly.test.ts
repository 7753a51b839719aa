/**
 * The nightly report end to end: leads written with the real LeadStore into DynamoDB Local, the production
 * handler run for a chosen scheduled time, and the emails read back from the local SES mailbox.
 *
 * The config (test/fixtures/nightly-integration.config.json) is Europe/Berlin, Mon–Fri 09:00–17:00, with
 * recipients only this file uses (@nightly-it.example), so the shared mailbox can be filtered by address.
 * demo-request has a 4-business-hour SLA, data-summit-booth 1 business day (8 business hours).
 * Times below are UTC; Berlin is UTC+1 in November.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../shared/config/load.ts';
import { LeadStore } from '../../shared/adapters/lead-store/store.ts';
import { mailerFromEnv } from '../../shared/adapters/mailer-from-env.ts';
import type { Mailer } from '../../shared/adapters/mailer.ts';
import { verifyActionToken } from '../../shared/domain/action-token.ts';
import { WAITING_LEAD_FIELDS, type Activity } from '../../shared/domain/lead.ts';
import { NightlyReportSendError, runNightlyReport, type NightlyReportSummary } from '../../shared/usecases/nightly-report.ts';
import { seedLead } from '../fixtures/nightly-scenario.ts';
import { asLambda } from '../support/handlers.ts';
import { createTestTable, invokeHttp, readMailbox, testDynamoDbClient, type MailboxEmail } from '../support/local-aws.ts';

const CONFIG_FILE = fileURLToPath(new URL('../fixtures/nightly-integration.config.json', import.meta.url));
const config = loadConfig(CONFIG_FILE);
const actionSecret = randomBytes(48).toString('base64url');
const DOMAIN = '@nightly-it.example';
const SALES = config.reports.salesRecipients;
const MARKETING = config.reports.marketingRecipients;
const EVA = 'eva.manager@nightly-it.example';
const LUIS = 'luis.manager@nightly-it.example';
const repEmail = (id: string) => config.salespeople.find((rep) => rep.id === id)!.email;

type NightlyHandler = (event: unknown) => Promise<NightlyReportSummary>;

beforeAll(() => {
  const secretFile = join(mkdtempSync(join(tmpdir(), 'handoff-nightly-')), 'action-secret');
  writeFileSync(secretFile, actionSecret);
  Object.assign(process.env, { HANDOFF_CONFIG: CONFIG_FILE, ACTION_SECRET_FILE: secretFile });
});

/** A fresh table and the production handler bound to it (handlers read TABLE_NAME once, at module load). */
async function stackWithTable(prefix: string): Promise<{ store: LeadStore; nightly: NightlyHandler; tableName: string }> {
  const tableName = await createTestTable(prefix);
  process.env.TABLE_NAME = tableName;
  vi.resetModules();
  const { handler } = await import('../../functions/nightly-report.ts');
  return { store: new LeadStore({ client: testDynamoDbClient(), tableName, timezone: config.organisation.timezone }), nightly: handler, tableName };
}

interface Seed {
  leadId: string;
  formId: 'demo-request' | 'data-summit-booth';
  receivedAt: string;
  name: string;
  company?: string;
  /** As typed; `phoneE164` is what enrichment read from it, stored at assignment. */
  phone?: string;
  phoneE164?: string;
  owner?: string;
  alert?: 'sent' | 'failed';
  contactedAt?: string;
  qualifiedAt?: string;
  disqualifiedAt?: string;
  spam?: true;
  mergedInto?: string;
}

/** Writes a lead the way the app does: capture's conditional put, the processor's assignment, then the rep's follow-ups. */
async function seed(store: LeadStore, s: Seed): Promise<void> {
  const email = `${s.name.toLowerCase().replaceAll(' ', '.')}@${s.leadId.toLowerCase()}.example`;
  const full = seedLead({ leadId: s.leadId, formId: s.formId, receivedAt: s.receivedAt, status: 'new', name: s.name, email, ...(s.company ? { company: s.company } : {}), ...(s.phone ? { phone: s.phone, phoneE164: s.phoneE164 } : {}), score: 60 }, config);
  const { enrichment, score, alert: _alert, ...captured } = full;
  const created = await store.putNewLead({ ...captured, status: s.spam ? 'spam' : 'new' });
  expect(created.created).toBe(true);
  if (s.spam) return;
  if (s.mergedInto) {
    expect(await store.mergeIntoLead((await store.getLead(s.mergedInto))!, captured)).toBe(true);
    return;
  }
  if (!s.owner) return;
  expect(await store.recordAssignment(s.leadId, { enrichment: enrichment!, score: score!, scoreReasons: [], ownerId: s.owner, ownerReason: 'seeded' })).toBe(true);
  if (s.alert === 'failed') await store.markAlertAttemptFailed(s.leadId, 'MessageRejected', true);
  else await store.markAlertSent(s.leadId, new Date(Date.parse(s.receivedAt) + 5_000));
  const activity = (action: Activity['action'], at: string): Activity => ({ at, by: s.owner!, action, via: 'email-link' });
  if (s.contactedAt) await store.recordFollowUp({ leadId: s.leadId, activity: activity('contacted', s.contactedAt), status: 'contacted', firstContact: true });
  if (s.qualifiedAt) await store.recordFollowUp({ leadId: s.leadId, activity: activity('qualified', s.qualifiedAt), status: 'qualified', firstContact: true });
  if (s.disqualifiedAt) await store.recordFollowUp({ leadId: s.leadId, activity: activity('disqualified', s.disqualifiedAt), status: 'disqualified', firstContact: false });
}

/** What one action sent: the mailbox is shared by the whole run, so only new emails to this file's addresses count. */
async function mailsSentBy<Result>(action: () => Promise<Result>): Promise<{ result: Result; mails: MailboxEmail[] }> {
  const before = new Set((await readMailbox()).map((mail) => mail.messageId));
  const result = await action();
  const mails = (await readMailbox()).filter((mail) => !before.has(mail.messageId) && mail.destination.to.some((address) => address.endsWith(DOMAIN)));
  return { result, mails };
}

/** The local SES keeps one To header as one string, "a@x, b@x". */
const recipientsOf = (mail: MailboxEmail) => mail.destination.to.flatMap((header) => header.split(/,\s*/));

function mailTo(mails: readonly MailboxEmail[], ...recipients: string[]): MailboxEmail {
  const matching = mails.filter((mail) => recipientsOf(mail).sort().join() === [...recipients].sort().join());
  expect(matching, `one email to ${recipients.join(', ')}`).toHaveLength(1);
  return matching[0]!;
}

/** RFC 4180: quoted fields may hold commas, doubled quotes and line breaks; records end with CRLF. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') record.push(field), (field = '');
    else if (char === '\r' && text[i + 1] === '\n') record.push(field), records.push(record), (record = []), (field = ''), i++;
    else field += char;
  }
  return records;
}

const linkToken = (link: string) => link.replace(/^http:\/\/localhost:3000\/actions\//, '');
const htmlLinks = (mail: MailboxEmail) => [...new Set((mail.body.html ?? '').match(/http:\/\/localhost:3000\/actions\/[A-Za-z0-9_.-]+/g) ?? [])];

describe('the nightly report for Thu 26 Nov 2026 07:00 Europe/Berlin', () => {
  const SCHEDULED = '2026-11-26T06:00:00Z';
  let store: LeadStore;
  let nightly: NightlyHandler;
  let tableName: string;
  let firstRun: { result: NightlyReportSummary; mails: MailboxEmail[] };

  // The last day is Wed 25 Nov; the last 7 days are Thu 19 – Wed 25 Nov.
  const leads: Seed[] = [
    // Wed 25 Nov, the last day
    { leadId: 'N01', formId: 'demo-request', receivedAt: '2026-11-25T08:00:00Z', name: 'Lena Fischer', company: 'Brightpath', owner: 'ana', contactedAt: '2026-11-25T08:03:00Z' }, // 09:00 local, due 13:00; in time after 3 min
    { leadId: 'N02', formId: 'demo-request', receivedAt: '2026-11-25T09:00:00Z', name: 'Tom Becker', owner: 'jonas', contactedAt: '2026-11-25T09:10:00Z', qualifiedAt: '2026-11-25T15:00:00Z' }, // in time after 10 min; a deal
    { leadId: 'N03', formId: 'demo-request', receivedAt: '2026-11-25T10:00:00Z', name: 'Sofia Marino', company: 'Lattice Foods', phone: '030 1234567', phoneE164: '+49301234567', owner: 'ana' }, // 11:00, due 15:00 (14:00Z): missed, 16 h overdue
    { leadId: 'N04', formId: 'demo-request', receivedAt: '2026-11-25T11:00:00Z', name: 'Grace Lee', owner: 'maya', contactedAt: '2026-11-25T15:30:00Z' }, // due 16:00 local, contacted 16:30: late after 4 h 30 min
    { leadId: 'N05', formId: 'data-summit-booth', receivedAt: '2026-11-25T13:00:00Z', name: 'Jan de Vries', owner: 'jonas' }, // 14:00, due Thu 14:00: still pending
    { leadId: 'N06', formId: 'data-summit-booth', receivedAt: '2026-11-25T14:00:00Z', name: 'Buy Followers', spam: true },
    { leadId: 'N07', formId: 'data-summit-booth', receivedAt: '2026-11-25T15:00:00Z', name: 'Max Student', owner: 'ana', disqualifiedAt: '2026-11-25T15:20:00Z' }, // closed without contact: untimed
    { leadId: 'N08', formId: 'demo-request', receivedAt: '2026-11-25T19:00:00Z', name: 'Priya Nair', company: 'Orbitly' }, // 20:00, never assigned; due Thu 13:00: pending
    { leadId: 'N14', formId: 'demo-request', receivedAt: '2026-11-25T12:00:00Z', name: 'Lena Fischer Again', mergedInto: 'N01' }, // a returning person, folded into N01
    // Thu 19 – Tue 24 Nov
    { leadId: 'N09', formId: 'demo-request', receivedAt: '2026-11-23T09:00:00Z', name: 'Ethan Walker', company: 'Summit Ridge', owner: 'maya', alert: 'failed' }, // Mon 10:00, due 14:00: 65 h overdue
    { leadId: 'N10', formId: 'data-summit-booth', receivedAt: '2026-11-24T10:00:00Z', name: 'Chloe Dubois', owner: 'jonas' }, // Tue 11:00, due Wed 11:00: 20 h overdue
    { leadId: 'N11', formId: 'data-summit-booth', receivedAt: '2026-11-24T11:00:00Z', name: 'Miguel Santos', owner: 'ana', contactedAt: '2026-11-24T11:40:00Z', qualifiedAt: '2026-11-25T10:00:00Z' }, // in time after 40 min; a deal
    { leadId: 'N12', formId: 'demo-request', receivedAt: '2026-11-20T17:00:00Z', name: 'Hannah Schulz', owner: 'ana', contactedAt: '2026-11-23T08:30:00Z' }, // Fri 18:00, due Mon 13:00, contacted Mon 09:30: in time after 63 h 30 min
    { leadId: 'N13', formId: 'demo-request', receivedAt: '2026-11-19T08:00:00Z', name: 'Oliver Brown', company: 'Fenwick & Co', owner: 'ana' }, // Thu 19 09:00, due 13:00: 162 h overdue
    { leadId: 'N15', formId: 'demo-request', receivedAt: '2026-11-24T08:10:00Z', name: 'Ava Martin', owner: 'diego', contactedAt: '2026-11-24T08:11:00Z' }, // in time after 1 min
    { leadId: 'N18', formId: 'data-summit-booth', receivedAt: '2026-11-19T13:00:00Z', name: 'Kai Wagner', owner: 'jonas', disqualifiedAt: '2026-11-19T18:00:00Z' }, // closed without contact: untimed
    { leadId: 'N19', formId: 'data-summit-booth', receivedAt: '2026-11-24T14:00:00Z', name: 'Noah Klein', owner: 'jonas', contactedAt: '2026-11-24T14:20:00Z' }, // in time after 20 min
    // Outside the window: only the deadline index knows these.
    { leadId: 'N16', formId: 'demo-request', receivedAt: '2026-11-18T09:00:00Z', name: 'Isabella Rossi', company: 'Verdana Foods', phone: '030 7654321', phoneE164: '+49307654321', owner: 'diego' }, // Wed 18 10:00, due 14:00: 185 h overdue
    { leadId: 'N20', formId: 'demo-request', receivedAt: '2026-11-18T10:00:00Z', name: 'Ravi Kumar' }, // Wed 18 11:00, due 15:00, never assigned: 184 h overdue
    { leadId: 'N17', formId: 'demo-request', receivedAt: '2026-11-25T23:30:00Z', name: 'Ida Berg', owner: 'ana' }, // Thu 26 00:30: the report date itself, due Thu 13:00
  ];
  const nameOf = (leadId: string) => leads.find((lead) => lead.leadId === leadId)!.name;

  beforeAll(async () => {
    ({ store, nightly, tableName } = await stackWithTable('nightly'));
    for (const lead of leads) await seed(store, lead);
    firstRun = await mailsSentBy(() => nightly({ scheduledTime: SCHEDULED }));
  });

  it('sends the sales and marketing reports, four rep digests and two escalations', () => {
    expect(firstRun.result).toEqual({
      reportDate: '2026-11-26',
      overdue: 6,
      sent: ['sales', 'marketing', 'digest#diego', 'digest#ana', 'digest#maya', 'digest#jonas', `escalation#${EVA}`, `escalation#${LUIS}`],
      skipped: [],
    });
    expect(firstRun.mails).toHaveLength(8);
  });

  it('lists exactly the overdue leads in the sales report and its CSV, worst rep first', () => {
    const sales = mailTo(firstRun.mails, ...SALES);
    expect(sales.subject).toBe('Missed follow-ups: 6 leads overdue as of Thu 26 Nov, 07:00 CET');
    expect(sales.attachments.map((attachment) => attachment.filename)).toEqual(['overdue-leads-2026-11-26.csv']);

    const csv = Buffer.from(sales.attachments[0]!.content, 'base64').toString('utf8');
    expect(csv.startsWith('\uFEFF')).toBe(true);
    const [header, ...rows] = parseCsv(csv.slice(1));
    const column = (title: string) => rows.map((row) => row[header!.indexOf(title)]);
    // Diego's 185 h lead is the worst, then Ana (162 h, 16 h), Maya (65 h), Jonas (20 h); the ownerless lead comes last.
    expect(column('Lead ID')).toEqual(['N16', 'N13', 'N03', 'N09', 'N10', 'N20']);
    expect(column('Name')).toEqual(['Isabella Rossi', 'Oliver Brown', 'Sofia Marino', 'Ethan Walker', 'Chloe Dubois', 'Ravi Kumar']);
    expect(column('Owner')).toEqual(['Diego Ramos', 'Ana Silva', 'Ana Silva', 'Maya Johnson', 'Jonas Weber', 'no owner']);
    expect(column('Deadline (local)')).toEqual(['Wed 18 Nov, 14:00 CET', 'Thu 19 Nov, 13:00 CET', 'Wed 25 Nov, 15:00 CET', 'Mon 23 Nov, 14:00 CET', 'Wed 25 Nov, 11:00 CET', 'Wed 18 Nov, 15:00 CET']);
    expect(column('Overdue hours')).toEqual(['185', '162', '16', '65', '20', '184']);
    // Business hours past the deadline, up to Thu 07:00: e.g. N13 has Thu 19 13–17 (4) + Fri 20 (8) + Mon–Wed (24) = 36.
    expect(column('Overdue business hours')).toEqual(['43', '36', '2', '19', '6', '42']);
    expect(column('Alert')).toEqual(['sent', 'sent', 'sent', 'failed', 'sent', '']);
    // N16 and N20 are older than the 7-day window: the deadline index keeps no tracking, so their attribution is unknown.
    expect(column('Campaign')).toEqual(['', 'Always-on demo request', 'Always-on demo request', 'Always-on demo request', 'Data Summit 2026', '']);
    // N10 came through the booth form: its channel is the event, in the sales CSV as in the marketing report.
    expect(column('Channel')).toEqual(['', '(direct)', '(direct)', '(direct)', 'event: Data Summit 2026', '']);
    // N03's phone as enrichment read it (the apostrophe keeps a spreadsheet from reading +49 as a formula); N16's as
    // typed, because the deadline index keeps the contact but not the enrichment.
    expect(column('Email')).toEqual(['isabella.rossi@n16.example', 'oliver.brown@n13.example', 'sofia.marino@n03.example', 'ethan.walker@n09.example', 'chloe.dubois@n10.example', 'ravi.kumar@n20.example']);
    expect(column('Phone')).toEqual(['030 7654321', '', "'+49 30 1234567", '', '', '']);

    const text = sales.body.text ?? '';
    // 6 overdue against the marketing report's 4 missed follow-ups: N16 and N20 were captured before its 7 days.
    expect(text).toContain('6 leads passed the first-contact deadline without a recorded contact (4 reps, 1 with no owner); the marketing report’s missed follow-ups (19–25 Nov) leave out 2 captured before 19 Nov.');
    expect(text).toContain('- Isabella Rossi, Verdana Foods · Website demo request · score 60\n  isabella.rossi@n16.example · 030 7654321\n');
    expect(sales.body.html).toContain('<a href="tel:0307654321" style="color:#1d4ed8;text-decoration:none;">030 7654321</a>');
    expect(sales.body.html).toContain('<a href="mailto:isabella.rossi@n16.example"');
    expect(text).toMatch(/Alert not delivered:\n- Ethan Walker, Summit Ridge/);
    // The ownerless lead not yet due (Priya) is listed under "No owner" with the overdue one; nobody else appears.
    expect(text).toMatch(/No owner:\n- Ravi Kumar[^\n]*\n  ravi\.kumar@n20\.example\n  overdue 7 d 16 h[\s\S]*- Priya Nair, Orbitly[^\n]*\n  priya\.nair@n08\.example\n  due in 6 h/);
    for (const absent of ['N01', 'N02', 'N04', 'N05', 'N06', 'N07', 'N11', 'N12', 'N14', 'N15', 'N17', 'N18', 'N19']) {
      expect(text, `${absent} is not overdue`).not.toContain(nameOf(absent));
    }
  });

  it('links every overdue lead to a signed one-click "contacted" link for its owner, valid for 14 days', () => {
    const sales = mailTo(firstRun.mails, ...SALES);
    const csv = Buffer.from(sales.attachments[0]!.content, 'base64').toString('utf8');
    expect(csv.startsWith('\uFEFF')).toBe(true);
    const [header, ...rows] = parseCsv(csv.slice(1));
    const owners: Record<string, string> = { N16: 'diego', N13: 'ana', N03: 'ana', N09: 'maya', N10: 'jonas', N20: 'ana' /* the fallback owner */ };
    for (const row of rows) {
      const link = row[header!.indexOf('Mark contacted link')]!;
      const verified = verifyActionToken(linkToken(link), actionSecret, new Date());
      // The sales report's links record whoever of its recipients uses them, on the owner's behalf.
      expect(verified.ok && verified.payload).toMatchObject({ leadId: row[0], action: 'contacted', repId: owners[row[0]!], actor: { role: 'sales-report', address: SALES.join(', ') } });
      const daysValid = verified.ok ? (verified.payload.expiresAt.getTime() - Date.now()) / 86_400_000 : 0;
      expect(daysValid).toBeGreaterThan(13.9);
      expect(daysValid).toBeLessThanOrEqual(14);
      expect(sales.body.html).toContain(link);
    }
  });

  it('matches the hand-computed speed-to-lead figures in the marketing report', () => {
    const marketing = mailTo(firstRun.mails, ...MARKETING);
    // Last day (Wed 25): N01, N02, N03, N04, N05, N07, N08 = 7 real leads (N06 spam and N14 merged never count).
    //   in time N01 N02, late N04, missed N03, pending N05 N08, untimed N07 → within SLA 2 / (2+1+1) = 50%.
    //   Times to first contact 3 min, 10 min, 270 min: P50 = rank ceil(1.5) = 2nd = 10 min, P95 = rank 3 = 4 h 30 min.
    // 7 days (Thu 19 – Wed 25): those plus N09 N10 N11 N12 N13 N15 N18 N19 = 15 (N16, N20 are older, N17 is today's).
    //   in time N01 N02 N11 N12 N15 N19 = 6, late N04 = 1, missed N03 N09 N10 N13 = 4, pending 2, untimed N07 N18 = 2
    //   → 6 / 11 = 55%. Times 1, 3, 10, 20, 40, 270, 3810 min: P50 = rank 4 = 20 min, P95 = rank ceil(6.65) = 7 = 63.5 h,
    //   shown to the nearest hour (half up) as 64 h = 2 d 16 h.
    //   Bands: <5m N15 N01, 5–15m N02, 15–60m N19 N11, 1–24h N04, >24h N12, not yet 4 missed + 2 pending. Deals N02, N11.
    // Beside the leads, read from the same by-day index: not a fit N07 (Wed) and N18, N14 a returning visit (Wed), N06 spam (Wed).
    expect(marketing.subject).toBe('Speed to lead · Wed 25 Nov: 7 leads, 2 of 4 due contacted within SLA · 19–25 Nov: 4 missed follow-ups');
    const text = marketing.body.text ?? '';
    expect(text).toContain('4 missed follow-ups (the sales report’s overdue leads also include 2 captured before 19 Nov) and 2 deals in the last 7 days.');
    expect(text).toContain([
      'All sources',
      '  Yesterday (Wed 25 Nov): 7 leads, 50% within SLA (2 of 4), P50 10 min, P95 4 h 30 min (business hours: 10 min, 4 h 30 min), 1 missed, 1 deal, 1 not a fit, 1 returning visit, 1 spam; elapsed bands: <5m 1, 5–15m 1, 15–60m 0, 1–24h 1, >24h 0, Not yet 3',
      '  Last 7 days (19–25 Nov): 15 leads, 55% within SLA (6 of 11), P50 20 min, P95 2 d 16 h (business hours: 20 min, 4 h 30 min), 4 missed, 2 deals, 2 not a fit, 1 returning visit, 1 spam; elapsed bands: <5m 2, 5–15m 1, 15–60m 2, 1–24h 1, >24h 1, Not yet 6',
    ].join('\n'));
    // Per source. Demo request, 7 days: N01 N02 N03 N04 N08 N09 N12 N13 N15 = 9; in time N01 N02 N12 N15, late N04,
    //   missed N03 N09 N13 → 4/8 = 50%; times 1, 3, 10, 270, 3810 → P50 rank 3 = 10 min, P95 rank 5 = 63.5 h = 2 d 16 h.
    // Booth, 7 days: N05 N07 N10 N11 N18 N19 = 6; in time N11 N19, missed N10 → 2/3 = 67%; times 20, 40 → P50 20 min, P95 40 min.
    //   Last day: N05 (pending) and N07 (untimed): nothing decided yet, so no share and no times.
    expect(text).toContain([
      'By source',
      'Website demo request',
      '  Yesterday (Wed 25 Nov): 5 leads, 50% within SLA (2 of 4), P50 10 min, P95 4 h 30 min (business hours: 10 min, 4 h 30 min), 1 missed, 1 deal, 0 not a fit, 1 returning visit, 0 spam; elapsed bands: <5m 1, 5–15m 1, 15–60m 0, 1–24h 1, >24h 0, Not yet 2',
      '  Last 7 days (19–25 Nov): 9 leads, 50% within SLA (4 of 8), P50 10 min, P95 2 d 16 h (business hours: 10 min, 4 h 30 min), 3 missed, 1 deal, 0 not a fit, 1 returning visit, 0 spam; elapsed bands: <5m 2, 5–15m 1, 15–60m 0, 1–24h 1, >24h 1, Not yet 4',
      'Data Summit 2026 booth tablet',
      '  Yesterday (Wed 25 Nov): 2 leads, — within SLA, P50 —, P95 —, 0 missed, 0 deals, 1 not a fit, 0 returning visits, 1 spam; elapsed bands: <5m 0, 5–15m 0, 15–60m 0, 1–24h 0, >24h 0, Not yet 1',
      '  Last 7 days (19–25 Nov): 6 leads, 67% within SLA (2 of 3), P50 20 min, P95 40 min (business hours: 20 min, 40 min), 1 missed, 1 deal, 2 not a fit, 0 returning visits, 1 spam; elapsed bands: <5m 0, 5–15m 0, 15–60m 2, 1–24h 0, >24h 0, Not yet 2',
    ].join('\n'));
    // No lead came with a UTM source, lead source or outside referrer: the booth's leads came from the event, the demo
    // request's directly, with the same figures as their sources (spam is counted per form only).
    expect(text).toContain([
      'By channel',
      '(direct)',
      '  Yesterday (Wed 25 Nov): 5 leads, 50% within SLA (2 of 4), P50 10 min, P95 4 h 30 min (business hours: 10 min, 4 h 30 min), 1 missed, 1 deal, 0 not a fit, 1 returning visit; elapsed bands: <5m 1, 5–15m 1, 15–60m 0, 1–24h 1, >24h 0, Not yet 2',
      '  Last 7 days (19–25 Nov): 9 leads, 50% within SLA (4 of 8), P50 10 min, P95 2 d 16 h (business hours: 10 min, 4 h 30 min), 3 missed, 1 deal, 0 not a fit, 1 returning visit; elapsed bands: <5m 2, 5–15m 1, 15–60m 0, 1–24h 1, >24h 1, Not yet 4',
      'event: Data Summit 2026',
      '  Yesterday (Wed 25 Nov): 2 leads, — within SLA, P50 —, P95 —, 0 missed, 0 deals, 1 not a fit, 0 returning visits; elapsed bands: <5m 0, 5–15m 0, 15–60m 0, 1–24h 0, >24h 0, Not yet 1',
      '  Last 7 days (19–25 Nov): 6 leads, 67% within SLA (2 of 3), P50 20 min, P95 40 min (business hours: 20 min, 40 min), 1 missed, 1 deal, 2 not a fit, 0 returning visits; elapsed bands: <5m 0, 5–15m 0, 15–60m 2, 1–24h 0, >24h 0, Not yet 2',
    ].join('\n'));
  });

  it('sends each rep a digest of their own overdue leads, and each manager the leads over 24 h', () => {
    const listed = (mail: MailboxEmail) => (mail.body.text ?? '').split('\n').filter((line) => line.startsWith('- ')).map((line) => line.slice(2).split(/[,·]/)[0]!.trim());
    expect(listed(mailTo(firstRun.mails, repEmail('ana')))).toEqual(['Oliver Brown', 'Sofia Marino']);
    expect(mailTo(firstRun.mails, repEmail('ana')).subject).toBe('2 leads waiting for your first contact');
    // How to reach them, straight from the digest.
    expect(mailTo(firstRun.mails, repEmail('ana')).body.text).toContain('- Sofia Marino, Lattice Foods · Website demo request · Always-on demo request · score 60\n  sofia.marino@n03.example · +49 30 1234567\n');
    expect(mailTo(firstRun.mails, repEmail('ana')).body.html).toContain('<a href="tel:+49301234567" style="color:#1d4ed8;text-decoration:none;">+49 30 1234567</a>');
    expect(listed(mailTo(firstRun.mails, repEmail('diego')))).toEqual(['Isabella Rossi']);
    expect(listed(mailTo(firstRun.mails, repEmail('maya')))).toEqual(['Ethan Walker']);
    expect(listed(mailTo(firstRun.mails, repEmail('jonas')))).toEqual(['Chloe Dubois']);
    // Over 24 h: N16 (185 h, Diego → Luis), N13 (162 h, Ana → Eva), N09 (65 h, Maya → Luis). N03 (16 h) and N10 (20 h) are not.
    expect(mailTo(firstRun.mails, EVA).subject).toBe('Escalation: 1 lead overdue by more than 24 hours');
    expect(listed(mailTo(firstRun.mails, EVA))).toEqual(['Oliver Brown']);
    expect(mailTo(firstRun.mails, LUIS).subject).toBe('Escalation: 2 leads overdue by more than 24 hours');
    expect(listed(mailTo(firstRun.mails, LUIS))).toEqual(['Isabella Rossi', 'Ethan Walker']);
  });

  it('sends nothing when the same date runs again', async () => {
    const { result, mails } = await mailsSentBy(() => nightly({ scheduledTime: '2026-11-26T06:40:00Z' }));
    expect(result.sent).toEqual([]);
    expect(result.skipped).toEqual(firstRun.result.sent);
    expect(mails).toEqual([]);
  });

  it('refuses an event without a valid scheduledTime', async () => {
    await expect(nightly({})).rejects.toThrow('expects the Scheduler event {"scheduledTime"');
    await expect(nightly({ scheduledTime: 'yesterday' })).rejects.toThrow('got {"scheduledTime":"yesterday"}');
  });

  it('lets a rep record the contact straight from the digest link', async () => {
    process.env.TABLE_NAME = tableName;
    const leadActions = asLambda((await import('../../functions/lead-actions.ts')).handler);
    const link = htmlLinks(mailTo(firstRun.mails, repEmail('ana'))).find((candidate) => {
      const verified = verifyActionToken(linkToken(candidate), actionSecret, new Date());
      return verified.ok && verified.payload.leadId === 'N03';
    });
    expect(link).toBeDefined();
    const response = await invokeHttp(leadActions, { method: 'POST', url: `/actions/${linkToken(link!)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(response.statusCode).toBe(200);
    expect(await store.getLead('N03')).toMatchObject({ status: 'contacted', firstContactBy: 'ana', activities: [{ action: 'contacted', via: 'email-link', by: 'ana' }] });
    expect((await store.waitingDueBy(new Date(SCHEDULED))).map((lead) => lead.leadId)).not.toContain('N03');
  });

  it("records a manager's contact from their escalation as the manager's, on the owner's behalf, and burns the lead's other links", async () => {
    process.env.TABLE_NAME = tableName;
    const leadActions = asLambda((await import('../../functions/lead-actions.ts')).handler);
    const tokenFor = (mail: MailboxEmail, leadId: string) => htmlLinks(mail).map(linkToken).find((token) => {
      const verified = verifyActionToken(token, actionSecret, new Date());
      return verified.ok && verified.payload.leadId === leadId;
    })!;
    const post = (token: string) => invokeHttp(leadActions, { method: 'POST', url: `/actions/${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    // N13, Ana's lead, 162 h overdue: in Eva's escalation, the sales report and Ana's digest.
    const fromEscalation = tokenFor(mailTo(firstRun.mails, EVA), 'N13');
    expect(verifyActionToken(fromEscalation, actionSecret, new Date())).toMatchObject({ ok: true, payload: { repId: 'ana', actor: { role: 'manager', address: EVA } } });

    const confirm = await invokeHttp(leadActions, { method: 'GET', url: `/actions/${fromEscalation}` });
    expect(confirm.body).toContain(`You record it as ${EVA} (manager), on behalf of Ana Silva.`);
    const done = await post(fromEscalation);
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain(`Recorded as contacted by ${EVA} (manager), on behalf of Ana Silva.`);
    const lead = (await store.getLead('N13'))!;
    expect(lead).toMatchObject({ status: 'contacted', ownerId: 'ana', firstContactBy: EVA });
    expect(lead.activities).toEqual([{ at: lead.firstContactAt, by: EVA, onBehalfOf: 'ana', action: 'contacted', via: 'email-link' }]);

    // The lead's links in the other emails of the run are the same single-use link: used, and they say by whom.
    for (const mail of [mailTo(firstRun.mails, ...SALES), mailTo(firstRun.mails, repEmail('ana'))]) {
      const again = await post(tokenFor(mail, 'N13'));
      expect(again.statusCode).toBe(409);
      expect(again.body).toContain(`by ${EVA}, on behalf of Ana Silva. Each link works once`);
    }
    expect((await store.getLead('N13'))!.activities).toHaveLength(1);
  });

  it('after a failed send, the retry sends only the missing email', async () => {
    const deps = { config, store, actionSecret, now: () => new Date() };
    const ses = mailerFromEnv(config);
    const refusingMaya: Mailer = {
      send: (email) => (email.to.includes(repEmail('maya')) ? Promise.reject(Object.assign(new Error(`Email address not verified: ${repEmail('maya')}`), { name: 'MessageRejected' })) : ses.send(email)),
    };
    const friday = { scheduledTime: new Date('2026-11-27T06:00:00Z') };

    const failed = await mailsSentBy(() => runNightlyReport(friday, { ...deps, mailer: refusingMaya }).catch((error: unknown) => error));
    expect(failed.result).toBeInstanceOf(NightlyReportSendError);
    expect((failed.result as Error).message).toBe('1 of 8 nightly report emails for 2026-11-27 could not be sent (digest#maya); a retry sends only those');
    expect(failed.mails.flatMap(recipientsOf)).not.toContain(repEmail('maya'));
    expect(failed.mails).toHaveLength(7);

    const retried = await mailsSentBy(() => runNightlyReport(friday, { ...deps, mailer: ses }));
    expect(retried.result.sent).toEqual(['digest#maya']);
    expect(retried.mails.map(recipientsOf)).toEqual([[repEmail('maya')]]);
  });
});

describe('a quiet Monday after a Friday-evening lead', () => {
  let store: LeadStore;
  let nightly: NightlyHandler;

  beforeAll(async () => {
    ({ store, nightly } = await stackWithTable('nightly-quiet'));
    const quietWeek: Seed[] = [
      { leadId: 'Q1', formId: 'demo-request', receivedAt: '2026-11-27T09:00:00Z', name: 'Mila Novak', owner: 'ana', contactedAt: '2026-11-27T09:20:00Z' }, // Fri 10:00, in time after 20 min
      { leadId: 'Q2', formId: 'demo-request', receivedAt: '2026-11-27T17:00:00Z', name: 'Felix Hart', company: 'Hart Logistics', owner: 'jonas' }, // Fri 18:00: 4 business hours run Mon 09:00–13:00
      { leadId: 'Q3', formId: 'data-summit-booth', receivedAt: '2026-11-28T10:00:00Z', name: 'Cheap Pills', spam: true },
      { leadId: 'Q4', formId: 'demo-request', receivedAt: '2026-11-26T14:00:00Z', name: 'Otto Lang', owner: 'maya', disqualifiedAt: '2026-11-26T14:30:00Z' },
    ];
    for (const lead of quietWeek) await seed(store, lead);
  });

  it('still sends a short "no missed follow-ups" sales report and the marketing report on Monday 07:00', async () => {
    const { result, mails } = await mailsSentBy(() => nightly({ scheduledTime: '2026-11-30T06:00:00Z' }));
    expect(result).toEqual({ reportDate: '2026-11-30', overdue: 0, sent: ['sales', 'marketing'], skipped: [] });
    expect(mails).toHaveLength(2);
    const sales = mailTo(mails, ...SALES);
    expect(sales.subject).toBe('No missed follow-ups as of Mon 30 Nov, 07:00 CET');
    expect(sales.attachments).toEqual([]);
    expect(sales.body.text).toContain('Every lead due by Mon 30 Nov, 07:00 CET has a recorded first contact.');
    // The Friday-evening lead is due Monday 13:00, so Monday's report does not list it yet.
    expect(sales.body.text).not.toContain('Felix Hart');
    // Mon 23 – Sun 29: Q1 (in time), Q2 (pending), Q4 (untimed, not a fit) → 1 / 1 within SLA; Q3 spam; nothing on Sunday.
    const marketing = mailTo(mails, ...MARKETING);
    expect(marketing.subject).toBe('Speed to lead · Sun 29 Nov: no new leads · 23–29 Nov: 3 leads');
    expect(marketing.body.text).toContain('  Last 7 days (23–29 Nov): 3 leads, 100% within SLA (1 of 1), P50 20 min, P95 20 min (business hours: 20 min, 20 min), 0 missed, 0 deals, 1 not a fit, 0 returning visits, 1 spam; elapsed bands: <5m 0, 5–15m 0, 15–60m 1, 1–24h 0, >24h 0, Not yet 1');
  });

  it('lists the Friday-evening lead on Tuesday, overdue since Monday 13:00', async () => {
    const { result, mails } = await mailsSentBy(() => nightly({ scheduledTime: '2026-12-01T06:00:00Z' }));
    expect(result).toEqual({ reportDate: '2026-12-01', overdue: 1, sent: ['sales', 'marketing', 'digest#jonas'], skipped: [] });
    const digest = mailTo(mails, repEmail('jonas'));
    expect(digest.body.text).toContain('- Felix Hart, Hart Logistics');
    expect(digest.body.text).toContain('overdue 18 h (4 h in business hours); deadline Mon 30 Nov, 13:00 CET');
    expect(mailTo(mails, ...SALES).subject).toBe('Missed follow-ups: 1 lead overdue as of Tue 1 Dec, 07:00 CET');
  });
});

describe('a run for an earlier time of the day, after a lead captured that day was contacted', () => {
  it("lists the lead as it stood at the run's time: overdue, and with its campaign in the CSV", async () => {
    const { store, nightly } = await stackWithTable('nightly-same-day');
    // Wed 2 Dec 09:00 CET, due 13:00 CET; Jonas called at 17:00 CET, after the run's time of 16:00 CET.
    await seed(store, { leadId: 'SD1', formId: 'demo-request', receivedAt: '2026-12-02T08:00:00Z', name: 'Lena Vogt', company: 'Vogt Maschinenbau', owner: 'jonas', contactedAt: '2026-12-02T16:00:00Z' });
    const { result, mails } = await mailsSentBy(() => nightly({ scheduledTime: '2026-12-02T15:00:00Z' }));
    expect(result).toMatchObject({ reportDate: '2026-12-02', overdue: 1 });
    const sales = mailTo(mails, ...SALES);
    expect(sales.body.text).toContain('- Lena Vogt, Vogt Maschinenbau');
    const [header, row] = parseCsv(Buffer.from(sales.attachments[0]!.content, 'base64').toString('utf8').replace(/^\uFEFF/, ''));
    expect(row![header!.indexOf('Campaign')]).toBe('Always-on demo request');
  });
});

describe('a lead left waiting for a month', () => {
  let store: LeadStore;
  let nightly: NightlyHandler;

  beforeAll(async () => {
    ({ store, nightly } = await stackWithTable('nightly-old'));
    // Mon 26 Oct, long before the 7-day window: the report knows it only from the deadline index.
    await seed(store, { leadId: 'OLD1', formId: 'demo-request', receivedAt: '2026-10-26T10:00:00Z', name: 'Greta Olsen', company: 'Olsen Freight', phone: '+49 40 1234567', phoneE164: '+49401234567', owner: 'maya', alert: 'failed' });
    await seed(store, { leadId: 'OLD2', formId: 'demo-request', receivedAt: '2026-10-27T10:00:00Z', name: 'Piet Bakker', owner: 'ana', contactedAt: '2026-10-27T10:30:00Z' });
  });

  it('is read from the deadline index alone, which keeps exactly the fields the report needs', async () => {
    const waiting = await store.waitingDueBy(new Date('2026-11-26T06:00:00Z'));
    expect(waiting.map((lead) => lead.leadId)).toEqual(['OLD1']);
    const whole = (await store.getLead('OLD1'))!;
    // No enrichment, tracking or answers: these came from the index, not from a read of the lead itself.
    expect(Object.keys(waiting[0]!).sort()).toEqual(WAITING_LEAD_FIELDS.filter((field) => whole[field] !== undefined).sort());
    expect(waiting[0]).toEqual(Object.fromEntries(WAITING_LEAD_FIELDS.filter((field) => whole[field] !== undefined).map((field) => [field, whole[field]])));
  });

  it('still lists it for its owner, with its company, its phone as typed and its undelivered alert', async () => {
    const { result, mails } = await mailsSentBy(() => nightly({ scheduledTime: '2026-11-26T06:00:00Z' }));
    expect(result.overdue).toBe(1);
    expect(mailTo(mails, repEmail('maya')).body.text).toContain('- Greta Olsen, Olsen Freight');
    expect(mailTo(mails, repEmail('maya')).body.text).toContain('\n  greta.olsen@old1.example · +49 40 1234567\n');
    expect(mailTo(mails, repEmail('maya')).body.html).toContain('<a href="tel:+49401234567" style="color:#1d4ed8;text-decoration:none;">+49 40 1234567</a>');
    const sales = mailTo(mails, ...SALES).body.text ?? '';
    expect(sales).toContain('Alert not delivered:');
    expect(sales.slice(sales.indexOf('Alert not delivered:'))).toContain('Greta Olsen');
  });
});
