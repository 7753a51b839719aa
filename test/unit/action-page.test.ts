import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/load.ts';
import { createActionToken } from '../../shared/domain/action-token.ts';
import type { Lead } from '../../shared/domain/lead.ts';
import { renderActionConfirmPage, renderActionResultPage, type ActionOutcome } from '../../shared/domain/render/action-page.ts';
import { showActionLink } from '../../shared/usecases/action-links.ts';
import type { ProcessDependencies } from '../../shared/usecases/process-lead.ts';
import { launchChromium, openHtml } from '../support/screenshot.ts';

const SCREENSHOT = new URL('../fixtures/screenshots/action-page.png', import.meta.url).pathname;
const hostileLead = { displayName: 'José <script>alert(1)</script> Müller', companyName: 'Acme "&" <b>Co</b>' };
const confirmPage = renderActionConfirmPage({ action: 'qualified', lead: hostileLead, organisation: 'Northwind <Analytics>' });

describe('renderActionConfirmPage', () => {
  it('asks for confirmation with an optional note and a POST button to the same URL', () => {
    expect(confirmPage).toContain('<form method="post">');
    expect(confirmPage).not.toMatch(/<form[^>]*action=/);
    expect(confirmPage).toMatch(/<textarea id="note" name="note" rows="4" maxlength="2000"><\/textarea>/);
    expect(confirmPage).not.toContain('required');
    expect(confirmPage).toContain('<button type="submit">Yes, it is qualified</button>');
  });

  it('escapes the lead and organisation names', () => {
    expect(confirmPage).not.toContain('<script>');
    expect(confirmPage).not.toContain('<b>Co</b>');
    expect(confirmPage).toContain('José &lt;script&gt;alert(1)&lt;/script&gt; Müller');
    expect(confirmPage).toContain('Acme &quot;&amp;&quot; &lt;b&gt;Co&lt;/b&gt;');
    expect(confirmPage).toContain('Northwind &lt;Analytics&gt;');
  });

  it('keeps the token out of Referer headers and search indexes, and loads nothing external', () => {
    expect(confirmPage).toContain('<meta name="referrer" content="no-referrer">');
    expect(confirmPage).toContain('<meta name="robots" content="noindex, nofollow">');
    expect(confirmPage).not.toMatch(/<(script|link|img)\b|src=|https?:\/\//);
  });

  it.each([
    ['contacted', 'Mark as contacted?'],
    ['disqualified', 'Close as not a fit?'],
    ['reassign', 'Not yours — reassign?'],
  ] as const)('words the %s question', (action, question) => {
    expect(renderActionConfirmPage({ action, lead: { displayName: 'Jane Doe' }, organisation: 'Northwind' })).toContain(`<h1>${question}</h1>`);
  });

  it('tells a report recipient in whose name, and for whom, they record it', () => {
    const page = renderActionConfirmPage({ action: 'contacted', lead: { displayName: 'Jane Doe' }, organisation: 'Northwind', actedBy: { name: 'sales-leads@northwind.example', role: 'sales-report', onBehalfOf: 'Ana <Silva>' } });
    expect(page).toContain('<p class="muted">You record it as sales-leads@northwind.example (sales report), on behalf of Ana &lt;Silva&gt;.</p>');
    expect(confirmPage).not.toContain('You record it as');
  });
});

describe('renderActionResultPage', () => {
  const lead = { displayName: 'Jane <Doe>' };
  it.each<[ActionOutcome, string]>([
    [{ kind: 'done', action: 'contacted', lead }, '<h1>Jane &lt;Doe&gt; is marked as contacted.</h1>'],
    [{ kind: 'done', action: 'reassign', lead }, '<h1>Jane &lt;Doe&gt; is handed back for reassignment.</h1>'],
    [{ kind: 'done', action: 'contacted', lead, actedBy: { name: 'Maria Keller', role: 'manager', onBehalfOf: 'Ana Silva' } }, '<p class="muted">Recorded as contacted by Maria Keller (manager), on behalf of Ana Silva.</p>'],
    [{ kind: 'done', action: 'contacted', lead, actedBy: { name: 'Eva <Klein>', role: 'sales-report' } }, '<p class="muted">Recorded as contacted by Eva &lt;Klein&gt; (sales report).</p>'],
    [{ kind: 'already-used', action: 'disqualified', lead, usedAt: 'Mon 30 Nov, 13:00 CET' }, 'Not a fit was recorded on Mon 30 Nov, 13:00 CET. Each link works once'],
    [{ kind: 'already-used', action: 'contacted', lead }, 'Contacted was recorded. Each link works once'],
    [{ kind: 'already-used', action: 'contacted', lead, usedAt: 'Mon 30 Nov, 13:00 CET', usedBy: 'Ana <Silva>' }, 'Contacted was recorded on Mon 30 Nov, 13:00 CET by Ana &lt;Silva&gt;. Each link works once'],
    [{ kind: 'moved', lead, ownerName: 'Diego <Ramos>' }, '<h1>This lead is now with Diego &lt;Ramos&gt;.</h1>'],
    [{ kind: 'refused', lead, reason: 'nobody else is available to take this lead; ask your <manager>' }, 'Nobody else is available to take this lead; ask your &lt;manager&gt;.'],
    [{ kind: 'gone' }, '<h1>This lead no longer exists.</h1>'],
    [{ kind: 'expired' }, '<h1>This link has expired.</h1>'],
    [{ kind: 'invalid' }, '<h1>This link is not valid.</h1>'],
  ])('renders %j', (outcome, expected) => {
    const page = renderActionResultPage(outcome, 'Northwind');
    expect(page).toContain(expected);
    expect(page).not.toContain('<form');
  });

  it('says nothing of who acted when the owner used their own link', () => {
    expect(renderActionResultPage({ kind: 'done', action: 'contacted', lead }, 'Northwind')).not.toMatch(/Recorded as|on behalf of/);
  });
});

describe('a link opened again after it was used', () => {
  const config = loadConfig(new URL('../../handoff.config.json', import.meta.url).pathname);
  const actionSecret = 'a-test-secret-that-is-at-least-32-bytes-long';
  const now = new Date('2026-12-01T09:00:00.000Z');
  const contacted: Lead = {
    leadId: 'L-used',
    formId: 'demo-request',
    formKind: 'website',
    receivedAt: '2026-11-30T09:00:00.000Z',
    status: 'qualified',
    followUpDeadline: '2026-11-30T13:00:00.000Z',
    contact: { email: 'jane@doe.example', emailDisplay: 'jane@doe.example', firstName: 'Jane', lastName: 'Doe' },
    answers: {},
    tracking: { utm: {} },
    ownerId: 'ana',
    activities: [
      { at: '2026-11-30T10:00:00.000Z', by: 'jonas', action: 'contacted', via: 'email-link' },
      { at: '2026-11-30T12:00:00.000Z', by: 'ana', action: 'contacted', via: 'email-link' },
      { at: '2026-11-30T12:30:00.000Z', by: 'ana', action: 'note', note: 'Call back Friday', via: 'cli' },
      { at: '2026-11-30T15:00:00.000Z', by: 'ana', action: 'qualified', via: 'email-link' },
    ],
  };
  // Only the two reads an already-used link makes; anything else would be a bug in the page.
  const depsWith = (lead: Lead): ProcessDependencies =>
    ({ config, actionSecret, now: () => now, store: { getLead: async () => lead, actionLinkUsed: async () => true } }) as unknown as ProcessDependencies;
  const linkFor = (action: 'contacted' | 'qualified') => createActionToken({ leadId: contacted.leadId, action, repId: 'ana', expiresAt: new Date('2026-12-14T00:00:00.000Z'), nonce: `n-${action}` }, actionSecret);

  it('says when the link recorded its action, in the organisation\'s time, and by whom', async () => {
    const page = await showActionLink(linkFor('contacted'), depsWith(contacted));
    expect(page.statusCode).toBe(409);
    expect(page.html).toContain('Contacted was recorded on Mon 30 Nov, 13:00 CET by Ana Silva. Each link works once');
    expect((await showActionLink(linkFor('qualified'), depsWith(contacted))).html).toContain('Qualified — make it a deal was recorded on Mon 30 Nov, 16:00 CET by Ana Silva.');
    // A lead read before the write that used the link has no such activity yet: the page claims no time then.
    expect((await showActionLink(linkFor('contacted'), depsWith({ ...contacted, activities: [] }))).html).toContain('Contacted was recorded. Each link works once');
  });

  it("says who used a nightly run's link for the lead from whichever report: its links share one nonce", async () => {
    const usedByManager: Lead = { ...contacted, activities: [{ at: '2026-11-30T12:00:00.000Z', by: 'eva.klein@northwind.example', onBehalfOf: 'ana', action: 'contacted', via: 'email-link' }] };
    const digestLink = linkFor('contacted');
    const salesReportLink = createActionToken(
      { leadId: contacted.leadId, action: 'contacted', repId: 'ana', actor: { role: 'sales-report', address: 'sales-leads@northwind.example' }, expiresAt: new Date('2026-12-14T00:00:00.000Z'), nonce: 'n-contacted' },
      actionSecret,
    );
    for (const link of [digestLink, salesReportLink]) {
      expect((await showActionLink(link, depsWith(usedByManager))).html).toContain('Contacted was recorded on Mon 30 Nov, 13:00 CET by eva.klein@northwind.example, on behalf of Ana Silva. Each link works once');
    }
  });
});

describe('the action pages in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows a usable confirmation form on a phone, with nothing external and no sideways scroll', async () => {
    const realistic = renderActionConfirmPage({ action: 'qualified', lead: { displayName: 'José Müller', companyName: 'Acme Analytics' }, organisation: 'Northwind Analytics' });
    const { page, refusedRequests } = await openHtml(browser, realistic, { width: 375, height: 700 });
    expect(refusedRequests).toEqual([]);
    await expect(page.getByLabel('What makes it a deal? (optional)').isVisible()).resolves.toBe(true);
    const button = await page.getByRole('button', { name: 'Yes, it is qualified' }).boundingBox();
    expect(button?.height).toBeGreaterThanOrEqual(44);
    expect(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBe(0);
    await expect(page.locator('script').count()).resolves.toBe(0);
    if (process.env.UPDATE_SCREENSHOTS) {
      mkdirSync(new URL('.', `file://${SCREENSHOT}`).pathname, { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    }
  });
});
