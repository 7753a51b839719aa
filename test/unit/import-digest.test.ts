import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../../shared/config/load.ts';
import { enrichSubmission } from '../../shared/domain/enrich.ts';
import type { FollowUpAction, Lead } from '../../shared/domain/lead.ts';
import { renderImportDigest, type ImportDigestEntry, type ImportDigestInput } from '../../shared/domain/render/import-digest.ts';
import { launchChromium, openHtml } from '../support/screenshot.ts';

const config = loadConfig(new URL('../../handoff.config.json', import.meta.url).pathname);
const boothForm = config.forms.find((form) => form.id === 'data-summit-booth')!;
const ana = config.salespeople.find((rep) => rep.id === 'ana')!;
const SCREENSHOT = new URL('../fixtures/screenshots/import-digest.png', import.meta.url).pathname;
/** Friday 27 Nov 2026, 11:00 in Berlin. */
const NOW = new Date('2026-11-27T10:00:00Z');

const links = (leadId: string): Record<FollowUpAction, string> => ({
  contacted: `http://localhost:3000/actions/${leadId}-contacted`,
  qualified: `http://localhost:3000/actions/${leadId}-qualified`,
  disqualified: `http://localhost:3000/actions/${leadId}-disqualified`,
  reassign: `http://localhost:3000/actions/${leadId}-reassign`,
});

function boothLead(leadId: string, contact: Partial<Lead['contact']>, overrides: Partial<Lead> = {}): Lead {
  const lead: Lead = {
    leadId, formId: boothForm.id, formKind: 'event', status: 'open', receivedAt: '2026-11-25T14:00:00.000Z', followUpDeadline: '2026-11-26T09:00:00.000Z',
    contact: { ...(contact.email ? { emailDisplay: contact.email } : {}), ...contact }, answers: {}, tracking: { utm: {} }, ownerId: 'ana', score: 40, alert: { kind: 'new', status: 'pending', attempts: 0 },
    ...overrides,
  };
  return { ...lead, enrichment: enrichSubmission(lead, boothForm) };
}

const low = boothLead('ld_low', { email: 'li.xiaolong@shenzhen-tech.example', firstName: '小龙', lastName: '李', company: '深圳科技有限公司', jobTitle: 'Data Engineer' }, { score: 20, followUpDeadline: '2026-11-30T09:00:00.000Z' });
const hostile = boothLead('ld_hostile', {
  email: 'jose.mueller@muller-gmbh.de', firstName: 'José', lastName: 'Müller', company: 'Müller <GmbH>', jobTitle: 'Head of Sales', phone: '+49 30 1234567', country: 'DE',
  message: 'Wants a demo <script>alert(1)</script>; call after 14:00',
}, { score: 75, answers: { Interest: 'Data platform', '<b>Badge</b>': '</td></tr></table><h1>broken?</h1>' } });
/** José's badge scanned a second time, at the talk: a row of the same import joined to his lead. */
const hostileAgain = boothLead('ld_hostile2', { email: 'jose.mueller@muller-gmbh.de', firstName: 'José', lastName: 'Müller', message: 'Asked about SSO at the talk' }, {
  status: 'merged', mergedInto: 'ld_hostile', receivedAt: '2026-11-25T16:30:00.000Z', answers: { Interest: 'Governance' },
});
/** Zoë asked for a demo on the website two weeks ago, was called, and came by the booth with her mobile number. */
const zoe = boothLead('ld_back', { email: 'zoe@northwind-data.example', firstName: 'Zoë', lastName: 'Ó Briain', company: 'Northwind Data' }, {
  receivedAt: '2026-11-10T09:00:00.000Z', formId: 'demo-request', firstContactAt: '2026-11-10T10:00:00.000Z', status: 'contacted', score: 55,
});
const zoeAtTheBooth = boothLead('ld_back_booth', { email: 'zoe@northwind-data.example', firstName: 'Zoë', lastName: 'Ó Briain', phone: '+44 7700 900123', jobTitle: 'CTO', message: 'Ready for a pilot in January' }, {
  status: 'merged', mergedInto: 'ld_back', answers: { Interest: 'Pipelines' },
});

const entries: ImportDigestEntry[] = [
  { lead: low, kind: 'new', rows: [low], actionLinks: links('ld_low') },
  { lead: hostile, kind: 'new', rows: [hostileAgain, hostile], actionLinks: links('ld_hostile') },
  { lead: zoe, kind: 'returning', rows: [zoeAtTheBooth], actionLinks: links('ld_back') },
];

const input = (overrides: Partial<ImportDigestInput> = {}): ImportDigestInput => ({
  owner: ana, form: boothForm, fileName: 'summit-scans.csv', importedAt: NOW.toISOString(), scanTimeColumns: [], part: { number: 1, of: 1 }, entries, config, now: NOW, ...overrides,
});

describe('renderImportDigest', () => {
  it('counts the leads and the overdue ones in the subject, and names the part when there are several', () => {
    expect(renderImportDigest(input()).subject).toBe('3 leads from Data Summit 2026 for you · 1 overdue');
    const partTwo = renderImportDigest(input({ part: { number: 2, of: 3 }, now: new Date('2026-11-25T15:00:00Z') }));
    expect(partTwo.subject).toBe('3 leads from Data Summit 2026 for you (part 2 of 3) · first due Thu 26 Nov, 10:00 CET');
    expect(partTwo.text).toContain("(the import's part 2 of 3, in scan order)");
  });

  it('lists the leads most urgent first, a returning person someone already spoke to last', () => {
    const { text } = renderImportDigest(input());
    const order = ['José Müller', '小龙 李', 'Zoë Ó Briain'].map((name) => text.indexOf(name));
    expect(order.every((position) => position >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(text).toContain('1. José Müller (Head of Sales · Müller <GmbH>) · score 75 · New · 2 rows in the file');
    expect(text).toContain('   Overdue: first contact was due Thu 26 Nov, 10:00 CET\n   Received Wed 25 Nov, 15:00 CET');
    expect(text).toContain('   First contact by Mon 30 Nov, 10:00 CET');
    expect(text).toContain('   Already contacted Tue 10 Nov, 11:00 CET: follow up on this visit');
    expect(text).toContain('1 of these is already past the first-contact deadline');
  });

  it('shows what every row of the import said about a person, and the best way to reach them now', () => {
    const { text } = renderImportDigest(input());
    const jose = text.slice(text.indexOf('1. José Müller'), text.indexOf('2. '));
    expect(jose).toContain('   Received Wed 25 Nov, 15:00 CET\n     "Wants a demo <script>alert(1)</script>; call after 14:00"\n     Interest: Data platform');
    expect(jose).toContain('   Received Wed 25 Nov, 17:30 CET\n     "Asked about SSO at the talk"\n     Interest: Governance');
    const zoeText = text.slice(text.indexOf('3. Zoë'));
    expect(zoeText).toContain('3. Zoë Ó Briain (CTO · Northwind Data) · score 55 · Returning');
    expect(zoeText).toContain('zoe@northwind-data.example · +44 7700 900123');
    expect(zoeText).toContain('   Yours since Tue 10 Nov, 10:00 CET');
    expect(zoeText).toContain('"Ready for a pilot in January"');
  });

  it('lists a scan that gave only a phone by its number, with no mail link', () => {
    const lukas = boothLead('ld_phone', { firstName: 'Lukas', lastName: 'Brandt', phone: '+49 171 2345678', message: 'No email, call him Monday' }, { score: 30 });
    const { text, html } = renderImportDigest(input({ entries: [{ lead: lukas, kind: 'new', rows: [lukas], actionLinks: links('ld_phone') }] }));
    expect(text).toContain('1. Lukas Brandt · score 30 · New\n   +49 171 2345678 · DE\n');
    expect(html).toContain('href="tel:+491712345678"');
    expect(html).not.toContain('mailto:');
  });

  it('leaves out the scan-time column where the row was counted as received at it, and keeps it where it could not be', () => {
    const scanned = boothLead('ld_scanned', { email: 'nadia@scanned.example', firstName: 'Nadia' }, {
      receivedAt: '2026-11-25T08:12:00.000Z', importedAt: NOW.toISOString(), answers: { 'Scanned At': '2026-11-25 09:12', Interest: 'CDC' },
    });
    const unreadable = boothLead('ld_unreadable', { email: 'oskar@scanned.example', firstName: 'Oskar' }, {
      receivedAt: NOW.toISOString(), importedAt: NOW.toISOString(), answers: { 'Scanned At': 'yesterday', Interest: 'Lakehouse' },
    });
    const { text } = renderImportDigest(input({
      scanTimeColumns: ['Scanned At'],
      entries: [scanned, unreadable].map((lead) => ({ lead, kind: 'new' as const, rows: [lead], actionLinks: links(lead.leadId) })),
    }));
    expect(text).toContain('   Received Wed 25 Nov, 09:12 CET\n     Interest: CDC\n');
    expect(text).toContain('Received Fri 27 Nov, 11:00 CET\n     Scanned At: yesterday · Interest: Lakehouse\n');
  });

  it('marks a returning person in a one-line row too, as the text part does', () => {
    const many: ImportDigestEntry[] = Array.from({ length: 27 }, (_, index) => {
      const lead = boothLead(`ld_${index}`, { email: `p${index}@firm${index}.example`, firstName: `Person${index}` }, {
        followUpDeadline: new Date(Date.parse('2026-11-30T09:00:00.000Z') + index * 60_000).toISOString(),
      });
      return { lead, kind: index === 26 ? 'returning' : 'new', rows: [lead], actionLinks: links(`ld_${index}`) };
    });
    const { html, text } = renderImportDigest(input({ entries: many }));
    expect(text).toMatch(/27\. Person26 .*· Returning/);
    expect(html).toMatch(/<strong>Person26<\/strong>.*· Returning/);
  });

  it('shows the most urgent 25 in full and the rest in a line each, with their Contacted link', () => {
    const many: ImportDigestEntry[] = Array.from({ length: 30 }, (_, index) => {
      const lead = boothLead(`ld_${index}`, { email: `p${index}@firm${index}.example`, firstName: `Person${index}`, message: `note ${index}` }, {
        followUpDeadline: new Date(Date.parse('2026-11-30T09:00:00.000Z') + index * 60_000).toISOString(),
      });
      return { lead, kind: 'new', rows: [lead], actionLinks: links(`ld_${index}`) };
    });
    const digest = renderImportDigest(input({ entries: many }));
    expect(digest.html).toContain('Your 25 most urgent leads');
    expect(digest.html).toContain('And 5 more');
    expect(digest.html).not.toContain('in the attached CSV</strong>');
    expect(digest.html).toContain('note 24');
    expect(digest.html).not.toContain('note 25');
    expect(digest.html).toContain('href="http://localhost:3000/actions/ld_29-contacted"');
    expect(digest.html).not.toContain('ld_29-reassign');
    expect(digest.csv.content).toContain('note 29');
  });

  it('keeps a big import\'s email short: 25 in full, 50 in a line each, the rest only in the CSV, and says so', () => {
    const many: ImportDigestEntry[] = Array.from({ length: 300 }, (_, index) => {
      const lead = boothLead(`ld_${index}`, { email: `p${index}@firm${index}.example`, firstName: `Person${index}`, phone: '+49 30 1234567' }, {
        followUpDeadline: new Date(Date.parse('2026-11-30T09:00:00.000Z') + index * 60_000).toISOString(),
      });
      return { lead, kind: 'new', rows: [lead], actionLinks: links(`ld_${index}`) };
    });
    const digest = renderImportDigest(input({ entries: many }));
    expect(digest.subject).toMatch(/^300 leads from Data Summit 2026 for you/);
    expect(digest.html).toContain('And 275 more');
    expect(digest.html).toContain('ld_74-contacted');
    expect(digest.html).not.toContain('ld_75-contacted');
    expect(digest.html).toContain('The other 225, the least urgent, are in the attached CSV');
    expect(Buffer.byteLength(digest.html)).toBeLessThan(120_000);
    // The text part is cut the same way.
    expect(digest.text).toContain('ld_74-contacted');
    expect(digest.text).not.toContain('ld_75-contacted');
    expect(digest.text).toContain('The other 225, the least urgent, are in the attached CSV, each with its Contacted link.');
    expect(digest.csv.content).toContain('ld_299-contacted');
  });

  it('keeps the line breaks of a note in the email and in the CSV', () => {
    const note = boothLead('ld_note', { email: 'nora@lines.example', firstName: 'Nora', message: 'first line\nsecond line' });
    const digest = renderImportDigest(input({ entries: [{ lead: note, kind: 'new', rows: [note], actionLinks: links('ld_note') }, entries[0]!] }));
    expect(digest.html).toContain('first line<br>second line');
    expect(digest.csv.content).toContain('"first line\nsecond line"');
  });

  it('escapes every submitted value in the HTML, and links each lead\'s address, phone and four actions', () => {
    const { html } = renderImportDigest(input());
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<h1>broken?');
    expect(html).not.toContain('<b>Badge');
    expect(html).toContain('Wants a demo &lt;script&gt;alert(1)&lt;/script&gt;; call after 14:00');
    expect(html).toContain('Müller &lt;GmbH&gt;');
    expect(html).toContain('href="mailto:jose.mueller@muller-gmbh.de"');
    expect(html).toContain('href="tel:+49301234567"');
    for (const entry of entries) for (const action of Object.values(entry.actionLinks)) expect(html).toContain(`href="${action}"`);
  });

  it('attaches the same leads as a CSV Excel reads as UTF-8, with ISO times, every row\'s message in full, and formula-looking cells neutralised', () => {
    const formula = { ...low, contact: { ...low.contact, message: `=HYPERLINK("http://evil.example") ${'long '.repeat(100)}` } };
    const { csv } = renderImportDigest(input({ entries: [{ ...entries[0]!, lead: formula, rows: [formula] }, entries[1]!], part: { number: 2, of: 3 } }));
    expect(csv.filename).toBe('summit-scans-your-leads-part-2.csv');
    expect(csv.content.startsWith('\uFEFFLead ID,')).toBe(true);
    const lines = csv.content.slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toBe('Lead ID,Name,Job title,Company,Email,Phone,Country,Score,Kind,Rows in the file,First received,First contact by,First contact by (local),Overdue,Already contacted,Message,Answers,Contacted link');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe("ld_hostile,José Müller,Head of Sales,Müller <GmbH>,jose.mueller@muller-gmbh.de,'+49 30 1234567,DE,75,New,2,2026-11-25T14:00:00.000Z,2026-11-26T09:00:00.000Z,\"Thu 26 Nov, 10:00 CET\",yes,,\"Wants a demo <script>alert(1)</script>; call after 14:00\n---\nAsked about SSO at the talk\",Interest: Data platform / <b>Badge</b>: </td></tr></table><h1>broken?</h1> / Interest: Governance,http://localhost:3000/actions/ld_hostile-contacted");
    expect(lines[2]).toContain(`"'=HYPERLINK(""http://evil.example"") long long`);
    expect(lines[2]).toContain(`${'long '.repeat(99)}long",`);
  });

  it('keeps the subject free of line breaks from a form name', () => {
    const subject = renderImportDigest(input({ form: { ...boothForm, event: { ...boothForm.event!, name: 'Summit\r\nBcc: x@evil.example' } } })).subject;
    expect(subject).not.toMatch(/[\r\n]/);
  });
});

describe('the import digest in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('renders within 600px, loads nothing external, and fits a phone without sideways scrolling', async () => {
    const markup = renderImportDigest(input()).html;
    const { page, refusedRequests } = await openHtml(browser, markup);
    expect((await page.locator('table[width="600"]').first().boundingBox())?.width).toBeLessThanOrEqual(600);
    expect(refusedRequests).toEqual([]);
    await expect(page.locator('script, img, h1').count()).resolves.toBe(0);
    await expect(page.getByRole('link', { name: 'Contacted', exact: true }).count()).resolves.toBe(3);
    // On a phone, a number is never broken across lines, and each action is one line in a box a thumb can hit.
    const phone375 = await openHtml(browser, markup, { width: 375, height: 800 });
    expect((await phone375.page.getByRole('link', { name: '+49 30 1234567', exact: true }).first().boundingBox())!.height).toBeLessThan(24);
    for (const name of ['Contacted', 'Qualified', 'Not a fit', 'Not mine']) {
      for (const link of await phone375.page.getByRole('link', { name, exact: true }).all()) {
        const box = (await link.boundingBox())!;
        expect(box.height, name).toBeGreaterThanOrEqual(38);
        expect(box.height, name).toBeLessThan(48);
      }
    }
    if (process.env.UPDATE_SCREENSHOTS) {
      mkdirSync(new URL('.', `file://${SCREENSHOT}`).pathname, { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    }
    const phone = await openHtml(browser, markup, { width: 375, height: 800 });
    expect(await phone.page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBe(0);
  });
});
