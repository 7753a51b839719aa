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

function boothLead(leadId: string, contact: Partial<Lead['contact']> & { email: string }, overrides: Partial<Lead> = {}): Lead {
  const lead: Lead = {
    leadId, formId: boothForm.id, formKind: 'event', status: 'open', receivedAt: '2026-11-25T14:00:00.000Z', followUpDeadline: '2026-11-26T09:00:00.000Z',
    contact: { emailDisplay: contact.email, ...contact }, answers: {}, tracking: { utm: {} }, ownerId: 'ana', score: 40, alert: { kind: 'new', status: 'pending', attempts: 0 },
    ...overrides,
  };
  return { ...lead, enrichment: enrichSubmission(lead, boothForm) };
}

const entries: ImportDigestEntry[] = [
  { lead: boothLead('ld_low', { email: 'li.xiaolong@shenzhen-tech.example', firstName: '小龙', lastName: '李', company: '深圳科技有限公司', jobTitle: 'Data Engineer' }, { score: 20, followUpDeadline: '2026-11-30T09:00:00.000Z' }), kind: 'new', rows: 1, actionLinks: links('ld_low') },
  {
    lead: boothLead('ld_hostile', {
      email: 'jose.mueller@muller-gmbh.de', firstName: 'José', lastName: 'Müller', company: 'Müller <GmbH>', jobTitle: 'Head of Sales', phone: '+49 30 1234567', country: 'DE',
      message: 'Wants a demo <script>alert(1)</script>; call after 14:00',
    }, { score: 75, answers: { Interest: 'Data platform', '<b>Badge</b>': '</td></tr></table><h1>broken?</h1>' } }),
    kind: 'new', rows: 2, actionLinks: links('ld_hostile'),
  },
  {
    lead: boothLead('ld_back', { email: 'zoe@northwind-data.example', firstName: 'Zoë', lastName: 'Ó Briain', company: 'Northwind Data' }, { receivedAt: '2026-11-10T09:00:00.000Z', formId: 'demo-request', firstContactAt: '2026-11-10T10:00:00.000Z', status: 'contacted', score: 55 }),
    kind: 'returning', rows: 1, actionLinks: links('ld_back'),
  },
];

const input = (overrides: Partial<ImportDigestInput> = {}): ImportDigestInput => ({
  owner: ana, form: boothForm, fileName: 'summit-scans.csv', importedAt: NOW.toISOString(), part: { number: 1, of: 1 }, entries, config, now: NOW, ...overrides,
});

describe('renderImportDigest', () => {
  it('counts the leads and the overdue ones in the subject, and names the part when there are several', () => {
    expect(renderImportDigest(input()).subject).toBe('3 leads from Data Summit 2026 for you · 1 overdue');
    expect(renderImportDigest(input({ part: { number: 2, of: 3 }, now: new Date('2026-11-25T15:00:00Z') })).subject).toBe('3 leads from Data Summit 2026 for you (part 2 of 3) · first due Thu 26 Nov, 10:00 CET');
  });

  it('lists the leads most urgent first, a returning person someone already spoke to last', () => {
    const { text } = renderImportDigest(input());
    const order = ['José Müller', '小龙 李', 'Zoë Ó Briain'].map((name) => text.indexOf(name));
    expect(order.every((position) => position >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(text).toContain('1. José Müller (Head of Sales · Müller <GmbH>) · score 75 · New · 2 rows in the file');
    expect(text).toContain('   Overdue: first contact was due Thu 26 Nov, 10:00 CET · received Wed 25 Nov, 15:00 CET');
    expect(text).toContain('   First contact by Mon 30 Nov, 10:00 CET');
    expect(text).toContain('   Already contacted Tue 10 Nov, 11:00 CET: follow up on this visit');
    expect(text).toContain('1 of these is already past the first-contact deadline');
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

  it('attaches the same leads as CSV, with formula-looking cells neutralised', () => {
    const hostile = { ...entries[0]!, lead: { ...entries[0]!.lead, contact: { ...entries[0]!.lead.contact, message: '=HYPERLINK("http://evil.example")' } } };
    const { csv } = renderImportDigest(input({ entries: [hostile, entries[1]!], part: { number: 2, of: 3 } }));
    expect(csv.filename).toBe('summit-scans-your-leads-part-2.csv');
    const lines = csv.content.trimEnd().split('\r\n');
    expect(lines[0]).toBe('Lead ID,Name,Job title,Company,Email,Phone,Country,Score,Kind,Received,First contact by,Message,Contacted link');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain("ld_hostile,José Müller,Head of Sales,Müller <GmbH>,jose.mueller@muller-gmbh.de,'+49 30 1234567,DE,75,New");
    expect(lines[2]).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
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
    if (process.env.UPDATE_SCREENSHOTS) {
      mkdirSync(new URL('.', `file://${SCREENSHOT}`).pathname, { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    }
    const phone = await openHtml(browser, markup, { width: 375, height: 800 });
    expect(await phone.page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBe(0);
  });
});
