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
const hostileLead = { displayName: 'José <script>alert(1)</script> Müller', companyName: 'Acme "&" <b>Co</b>', contactLine: 'jose+<i>x</i>@acme.example' };
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
    expect(confirmPage).not.toContain('<i>x</i>');
    expect(confirmPage).toContain('José &lt;script&gt;alert(1)&lt;/script&gt; Müller');
    expect(confirmPage).toContain('Acme &quot;&amp;&quot; &lt;b&gt;Co&lt;/b&gt;');
    expect(confirmPage).toContain('Northwind &lt;Analytics&gt;');
  });

  it("shows the lead's email under the name, so the rep can tell which lead it is", () => {
    expect(confirmPage).toContain('<p class="contact">jose+&lt;i&gt;x&lt;/i&gt;@acme.example</p>');
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
    expect(renderActionConfirmPage({ action, lead: { displayName: 'Jane Doe', contactLine: 'jane@doe.example' }, organisation: 'Northwind' })).toContain(`<h1>${question}</h1>`);
  });

  it('tells a report recipient in whose name, and for whom, they record it', () => {
    const page = renderActionConfirmPage({ action: 'contacted', lead: { displayName: 'Jane Doe', contactLine: 'jane@doe.example' }, organisation: 'Northwind', actedBy: { name: 'sales-leads@northwind.example', role: 'sales-report', onBehalfOf: 'Ana <Silva>' } });
    expect(page).toContain('<p class="muted">You record it as sales-leads@northwind.example (sales report), on behalf of Ana &lt;Silva&gt;.</p>');
    expect(confirmPage).not.toContain('You record it as');
  });
});

describe('renderActionResultPage', () => {
  const lead = { displayName: 'Jane <Doe>', contactLine: 'jane@doe.example' };
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
    [{ kind: 'expired' }, 'Follow-up links work for 14 days, so an old email cannot change a lead. Nothing changed.'],
    [{ kind: 'done', action: 'contacted', lead, note: 'Called <them>\nDemo on Friday' }, '<p class="muted">Your note:</p>\n<p class="note">Called &lt;them&gt;<br>Demo on Friday</p>'],
    [{ kind: 'already-used', action: 'reassign', lead, usedAt: 'Mon 30 Nov, 13:00 CET', usedBy: 'you', nowWith: 'Diego <Ramos>' }, 'On Mon 30 Nov, 13:00 CET you handed this lead on; it is now with Diego &lt;Ramos&gt;. Each link works once'],
    [{ kind: 'already-used', action: 'reassign', lead, usedBy: 'Ana Silva', nowWith: 'Diego Ramos' }, 'Ana Silva handed this lead on; it is now with Diego Ramos. Each link works once'],
    [{ kind: 'already-used', action: 'reassign', lead, nowWith: 'Diego Ramos' }, 'This lead was handed on; it is now with Diego Ramos. Each link works once'],
    [{ kind: 'refused', lead, reason: 'nobody else is available', manager: { email: 'eva.klein@northwind.example' } }, '<p class="muted">Your manager: <a href="mailto:eva.klein@northwind.example">eva.klein@northwind.example</a></p>'],
    [{ kind: 'refused', lead, reason: 'nobody else is available', manager: { name: 'Maya <Johnson>', email: 'maya@northwind.example' } }, '<p class="muted">Your manager: Maya &lt;Johnson&gt;, <a href="mailto:maya@northwind.example">maya@northwind.example</a></p>'],
    [{ kind: 'invalid' }, '<h1>This link is not valid.</h1>'],
  ])('renders %j', (outcome, expected) => {
    const page = renderActionResultPage(outcome, 'Northwind');
    expect(page).toContain(expected);
    expect(page).not.toContain('<form');
  });

  it('no longer says links expire "after a while", nor sends a rep to the CLI first', () => {
    const page = renderActionResultPage({ kind: 'expired' }, 'Northwind');
    expect(page).not.toContain('after a while');
    expect(page).toContain('<p class="muted">Open the link in a newer email about this lead, or ask your sales manager.</p>');
    expect(page).toContain('<p class="small">The Handoff CLI can record it too.</p>');
  });

  it('says nothing of who acted when the owner used their own link', () => {
    expect(renderActionResultPage({ kind: 'done', action: 'contacted', lead }, 'Northwind')).not.toMatch(/Recorded as|on behalf of/);
  });
});

/** The shipped config and a signing secret, for the pages that verify a link. */
const config = loadConfig(new URL('../../handoff.config.json', import.meta.url).pathname);
const actionSecret = 'a-test-secret-that-is-at-least-32-bytes-long';

describe('a link opened again after it was used', () => {
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
    expect(page.html).toContain('Contacted was recorded on Mon 30 Nov, 13:00 CET by you. Each link works once');
    expect((await showActionLink(linkFor('qualified'), depsWith(contacted))).html).toContain('Qualified — make it a deal was recorded on Mon 30 Nov, 16:00 CET by you.');
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

describe('a link opened after it expired', () => {
  const now = new Date('2026-12-20T09:00:00.000Z');
  const waiting: Lead = {
    leadId: 'L-old',
    formId: 'demo-request',
    formKind: 'website',
    receivedAt: '2026-11-30T09:00:00.000Z',
    status: 'open',
    followUpDeadline: '2026-11-30T13:00:00.000Z',
    contact: { email: 'jane@doe.example', emailDisplay: 'Jane@Doe.example', firstName: 'Jane', lastName: '<Doe>', company: 'Doe & Co' },
    answers: {},
    tracking: { utm: {} },
    ownerId: 'ana',
  };
  const depsWith = (lead: Lead | undefined): ProcessDependencies =>
    ({ config, actionSecret, now: () => now, store: { getLead: async () => lead, actionLinkUsed: async () => false } }) as unknown as ProcessDependencies;
  const expiredLink = (action: 'contacted' | 'qualified', secret = actionSecret) =>
    createActionToken({ leadId: waiting.leadId, action, repId: 'ana', expiresAt: new Date('2026-12-14T09:00:00.000Z'), nonce: `n-${action}` }, secret);

  it("names the lead of a link we signed, says how long links work, and what the rep can do now", async () => {
    const page = await showActionLink(expiredLink('contacted'), depsWith(waiting));
    expect(page.statusCode).toBe(410);
    expect(page.html).toContain('<p class="lead">Jane &lt;Doe&gt; <span class="muted">· Doe &amp; Co</span></p>');
    expect(page.html).toContain('<p class="contact">Jane@Doe.example</p>');
    expect(page.html).toContain('Follow-up links work for 14 days, so an old email cannot change a lead. Nothing changed.');
    // Still waiting and overdue, so tomorrow's digest carries a fresh Mark contacted link for it.
    expect(page.html).toContain('It is still waiting for first contact, so your next nightly digest lists it with a fresh Mark contacted link.');
    expect(page.html).toContain('<p class="muted">To record it sooner, ask your manager: <a href="mailto:eva.klein@northwind.example">eva.klein@northwind.example</a></p>');
    expect(page.html).toContain('<p class="small">With the Handoff CLI: <code>npx handoff contacted L-old --by ana</code></p>');
  });

  it('names a phone-only booth lead by its phone, where a lead with an address shows the address', async () => {
    const phoneOnly: Lead = { ...waiting, formId: 'data-summit-booth', formKind: 'event', contact: { phone: '+49 171 1234567', company: 'Brandt GmbH' } };
    const page = await showActionLink(expiredLink('contacted'), depsWith(phoneOnly));
    expect(page.html).toContain('<p class="lead">+49 171 1234567 <span class="muted">· Brandt GmbH</span></p>');
    expect(page.html).toContain('<p class="contact">+49 171 1234567</p>');
  });

  it('promises no digest link for a lead no longer waiting, and names the CLI command for its action', async () => {
    const page = await showActionLink(expiredLink('qualified'), depsWith({ ...waiting, status: 'contacted', firstContactAt: '2026-11-30T10:00:00.000Z' }));
    expect(page.html).not.toContain('digest');
    expect(page.html).toContain('<p class="muted">To record it now, ask your manager: <a href="mailto:eva.klein@northwind.example">eva.klein@northwind.example</a></p>');
    expect(page.html).toContain('npx handoff qualified L-old --by ana');
  });

  it('says what happened since, and offers nothing to record, for a lead contacted or now with another rep', async () => {
    const contacted = await showActionLink(expiredLink('contacted'), depsWith({ ...waiting, status: 'contacted', firstContactAt: '2026-11-30T10:00:00.000Z', firstContactBy: 'jonas' }));
    expect(contacted.html).toContain('First contact was recorded on Mon 30 Nov, 11:00 CET by Jonas Weber, so there is nothing left to record.');
    const handedOn = await showActionLink(expiredLink('qualified'), depsWith({ ...waiting, ownerId: 'jonas' }));
    expect(handedOn.html).toContain('It is now with Jonas Weber, so there is nothing for you to record.');
    for (const page of [contacted, handedOn]) expect(page.html).not.toMatch(/npx handoff|ask your manager|digest/);
  });

  it('reveals nothing of a lead that no longer exists, nor of a link someone else signed', async () => {
    const gone = await showActionLink(expiredLink('contacted'), depsWith(undefined));
    expect(gone.statusCode).toBe(410);
    const forged = await showActionLink(expiredLink('contacted', 'another-secret-that-is-at-least-32-bytes'), depsWith(waiting));
    expect(forged.statusCode).toBe(400);
    for (const page of [gone, forged]) expect(page.html).not.toMatch(/Jane|Doe|L-old|eva\.klein|--by/);
  });
});

describe('a verdict link on a lead with the other verdict', () => {
  const qualified: Lead = {
    leadId: 'L-verdict', formId: 'demo-request', formKind: 'website', receivedAt: '2026-11-30T09:00:00.000Z', status: 'qualified', followUpDeadline: '2026-11-30T13:00:00.000Z',
    contact: { email: 'jane@doe.example', emailDisplay: 'jane@doe.example', firstName: 'Jane' }, answers: {}, tracking: { utm: {} }, ownerId: 'ana',
    activities: [{ at: '2026-11-30T12:00:00.000Z', by: 'ana', action: 'qualified', via: 'email-link' }],
  };
  const deps = { config, actionSecret, now: () => new Date('2026-12-01T09:00:00.000Z'), store: { getLead: async () => qualified, actionLinkUsed: async () => false } } as unknown as ProcessDependencies;
  const notAFit = (repId: string, actor?: { role: 'manager'; address: string }) =>
    createActionToken({ leadId: qualified.leadId, action: 'disqualified', repId, ...(actor ? { actor } : {}), expiresAt: new Date('2026-12-14T00:00:00.000Z'), nonce: 'n-d' }, actionSecret);

  it('says "by you" to the rep who recorded the verdict, and names them to anyone else', async () => {
    expect((await showActionLink(notAFit('ana'), deps)).html).toContain('This lead is currently marked as qualified on Mon 30 Nov, 13:00 CET by you. Confirming changes the verdict');
    expect((await showActionLink(notAFit('ana', { role: 'manager', address: 'eva.klein@northwind.example' }), deps)).html).toContain('marked as qualified on Mon 30 Nov, 13:00 CET by Ana Silva.');
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
    const realistic = renderActionConfirmPage({ action: 'qualified', lead: { displayName: 'José Müller', companyName: 'Acme Analytics', contactLine: 'jose.mueller@acme-analytics.example' }, organisation: 'Northwind Analytics' });
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
