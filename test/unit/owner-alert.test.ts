import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../../shared/config/load.ts';
import { enrichSubmission } from '../../shared/domain/enrich.ts';
import type { FollowUpAction, Lead } from '../../shared/domain/lead.ts';
import { humaniseFieldName } from '../../shared/domain/render/html.ts';
import { renderOwnerAlert, type OwnerAlertInput } from '../../shared/domain/render/owner-alert.ts';
import { scoreLead } from '../../shared/domain/score.ts';
import { launchChromium, openHtml } from '../support/screenshot.ts';

const config = loadConfig(new URL('../../handoff.config.json', import.meta.url).pathname);
const demoForm = config.forms.find((form) => form.id === 'demo-request')!;
const boothForm = config.forms.find((form) => form.id === 'data-summit-booth')!;
const ana = config.salespeople.find((rep) => rep.id === 'ana')!;
const SCREENSHOT = new URL('../fixtures/screenshots/owner-alert.png', import.meta.url).pathname;

const HOSTILE_MESSAGE = [
  'Hallo! We are evaluating tools for our 40-person analytics team in Berlin and München.',
  'Our current dashboards take minutes to load <script>alert("xss")</script> and the board wants answers by Q1.',
  '',
  'Could you show us row-level security and the dbt integration? <img src=x onerror=alert(1)> & "quotes" too.',
].join('\n');

const lead: Lead = {
  leadId: '01JDQ8Z7V4K3M2N1P0Q9R8S7T6',
  formId: 'demo-request',
  formKind: 'website',
  receivedAt: '2026-11-26T09:12:00.000Z',
  status: 'open',
  followUpDeadline: '2026-11-30T12:00:00.000Z',
  contact: {
    email: 'jose.muller@acme-analytics.de',
    emailDisplay: 'Jose.Muller@Acme-Analytics.de',
    firstName: 'JOSÉ',
    lastName: 'MÜLLER',
    jobTitle: 'VP Data & Analytics',
    phone: '030 1234567',
    country: 'Deutschland',
    message: HOSTILE_MESSAGE,
  },
  answers: { team_size: '40', preferredDemoTime: 'Tuesday morning', '<b>sneaky</b>': '</td></tr></table><h1>broken?</h1>' },
  tracking: {
    utm: { source: 'google', medium: 'cpc', campaign: 'Q4 data teams' },
    referrer: 'https://www.google.com/',
    pageUrl: 'https://www.northwind.example/demo?utm_source=google&utm_medium=cpc',
  },
};

const history: Lead[] = [
  {
    ...lead,
    leadId: '01JC0000000000000000000001',
    receivedAt: '2026-10-14T08:30:00.000Z',
    status: 'contacted',
    ownerId: 'ana',
    contact: { ...lead.contact, email: 'petra.schmidt@acme-analytics.de', emailDisplay: 'petra.schmidt@acme-analytics.de', message: 'Pricing for 10 seats?' },
    enrichment: { ...enrichSubmission(lead, demoForm), displayName: 'Petra Schmidt' },
  },
];

const actionLinks: Record<FollowUpAction, string> = {
  contacted: 'http://localhost:3000/actions/tok-contacted',
  qualified: 'http://localhost:3000/actions/tok-qualified',
  disqualified: 'http://localhost:3000/actions/tok-disqualified',
  reassign: 'http://localhost:3000/actions/tok-reassign',
};

function alertInput(overrides: Partial<OwnerAlertInput> = {}): OwnerAlertInput {
  const enrichment = enrichSubmission(lead, demoForm);
  return {
    lead,
    enrichment,
    score: scoreLead({ submission: lead, enrichment, form: demoForm, priorSubmissions: 0, scoring: config.scoring }),
    owner: ana,
    ownerReason: 'Continuity: Ana Silva already owns another open lead from acme-analytics.de',
    kind: 'new',
    history,
    joinedSubmissions: [],
    actionLinks,
    config,
    deadline: lead.followUpDeadline,
    ...overrides,
  };
}

describe('renderOwnerAlert', () => {
  const alert = renderOwnerAlert(alertInput());

  it('names who, which company, the score and the source in the subject', () => {
    expect(alert.subject).toBe('New lead: José Müller (Acme Analytics) · score 70 · Website demo request');
    expect(renderOwnerAlert(alertInput({ kind: 'returning' })).subject).toMatch(/^Returning lead: José Müller/);
  });

  it('keeps submitted line breaks and control characters out of the subject and caps its length', () => {
    const enrichment = { ...alertInput().enrichment, displayName: 'Eve\r\nBcc: victim@example.com\0' + 'x'.repeat(300), companyName: 'Evil\nCorp' };
    const { subject, replyTo } = renderOwnerAlert(alertInput({ enrichment, lead: { ...lead, contact: { ...lead.contact, email: 'eve@evil.example\r\nBcc: x@y.z' } } }));
    expect(subject).not.toMatch(/[\r\n\0]/);
    expect(Array.from(subject).length).toBeLessThanOrEqual(160);
    expect(subject).toContain('Eve Bcc: victim@example.com');
    expect(replyTo).toBe('eve@evil.example Bcc: x@y.z');
  });

  it('sets Reply-To to the lead', () => {
    expect(alert.replyTo).toBe('jose.muller@acme-analytics.de');
  });

  it('escapes every submitted value in the HTML', () => {
    expect(alert.html).not.toContain('<script>');
    expect(alert.html).not.toContain('<img src=x');
    expect(alert.html).not.toContain('<h1>broken?</h1>');
    expect(alert.html).not.toContain('<b>sneaky</b>');
    expect(alert.html).toContain('&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;');
    expect(alert.html).toContain('&amp; &quot;quotes&quot; too.');
  });

  it('shows what they asked, contact links, source, score reasons, history, owner reason and the deadline', () => {
    expect(alert.html).toContain('Hallo! We are evaluating tools');
    expect(alert.html).toContain('Preferred demo time');
    expect(alert.html).toContain('href="mailto:jose.muller@acme-analytics.de"');
    expect(alert.html).toMatch(/href="tel:\+49301234567"[^>]*>\+49 30 1234567<\/a>/);
    expect(alert.html).toContain('Germany (DE, from the form)');
    expect(alert.html).toContain('google / cpc / Q4 data teams');
    expect(alert.html).toContain('+20 senior title (VP Data &amp; Analytics)');
    expect(alert.html).toContain('Petra Schmidt');
    expect(alert.html).toContain('Continuity: Ana Silva already owns another open lead from acme-analytics.de');
    expect(alert.html).toContain('First contact by Mon 30 Nov, 13:00 CET');
  });

  it('links all four one-click actions with their labels', () => {
    for (const [label, href] of [
      ['Contacted', actionLinks.contacted],
      ['Qualified — make it a deal', actionLinks.qualified],
      ['Not a fit', actionLinks.disqualified],
      ['Not mine — reassign', actionLinks.reassign],
    ]) {
      expect(alert.html).toMatch(new RegExp(`href="${href}"[^>]*>${label}</a>`));
      expect(alert.text).toContain(`${label}: ${href}`);
    }
  });

  it('says the same in plain text, unescaped', () => {
    expect(alert.text).toContain('New lead: José Müller (Acme Analytics)');
    expect(alert.text).toContain('First contact by Mon 30 Nov, 13:00 CET');
    expect(alert.text).toContain('<script>alert("xss")</script>');
    expect(alert.text).toContain('Email: Jose.Muller@Acme-Analytics.de');
    expect(alert.text).toContain('WHY YOU\nContinuity: Ana Silva');
    expect(alert.text).not.toContain('&lt;');
  });

  it('leads a returning alert with the newest submission and lists the earlier ones', () => {
    const returning: Lead = {
      ...lead,
      submissions: [{ leadId: 'later', formId: 'data-summit-booth', receivedAt: '2026-11-27T10:00:00.000Z', answers: {}, message: 'Met you at the booth, ready to buy.' }],
    };
    const { html, text } = renderOwnerAlert(alertInput({ lead: returning, kind: 'returning', history: [] }));
    expect(text).toContain('WHAT THEY ASKED THIS TIME\nMet you at the booth, ready to buy.');
    expect(text).toMatch(/EARLIER SUBMISSIONS\n- Thu 26 Nov, 10:12 CET · Website demo request\n {2}Hallo! We are evaluating/);
    expect(html).toContain('Returning lead');
    expect(text).not.toContain('First came via');
  });

  it("gives a reassigned lead's new owner the newest submission and the earlier ones, as a returning alert does", () => {
    const cameBack: Lead = {
      ...lead,
      activities: [{ at: '2026-11-27T11:00:00.000Z', by: 'jonas', action: 'reassign', via: 'email-link' }],
      submissions: [{ leadId: 'later', formId: 'demo-request', receivedAt: '2026-11-27T10:00:00.000Z', answers: {}, message: 'Back again' }],
    };
    const { text } = renderOwnerAlert(alertInput({ lead: cameBack, kind: 'reassigned', history: [] }));
    expect(text).toContain('WHAT THEY ASKED\nBack again');
    expect(text).toMatch(/EARLIER SUBMISSIONS\n- Thu 26 Nov, 10:12 CET · Website demo request\n {2}Hallo! We are evaluating/);
  });

  describe('for a person who first came to the booth and returns through the website', () => {
    const boothLead: Lead = {
      leadId: '01JDBOOTH00000000000000001',
      formId: 'data-summit-booth',
      formKind: 'event',
      receivedAt: '2026-11-25T10:00:00.000Z',
      status: 'open',
      followUpDeadline: '2026-11-27T12:00:00.000Z',
      contact: { email: 'rita.berg@returning-co.com', emailDisplay: 'rita.berg@returning-co.com', firstName: 'Rita', lastName: 'Berg', company: 'Returning Co GmbH', message: 'Scanned at the booth' },
      answers: {},
      tracking: { utm: {} },
      submissions: [{ leadId: '01JDWEB0000000000000000001', formId: 'demo-request', receivedAt: '2026-11-27T09:00:00.000Z', answers: {}, message: 'Back with a budget' }],
    };
    const websiteVisit: Lead = {
      leadId: '01JDWEB0000000000000000001',
      formId: 'demo-request',
      formKind: 'website',
      receivedAt: '2026-11-27T09:00:00.000Z',
      status: 'merged',
      mergedInto: boothLead.leadId,
      followUpDeadline: '2026-11-27T13:00:00.000Z',
      contact: { email: 'rita.berg@returning-co.com', emailDisplay: 'rita.berg@returning-co.com', firstName: 'Rita', lastName: 'Berg', phone: '+49 30 9876543', jobTitle: 'Head of Data', message: 'Back with a budget' },
      answers: {},
      tracking: { utm: { source: 'google', medium: 'cpc', campaign: 'pricing' }, pageUrl: 'https://www.northwind.example/pricing?utm_source=google' },
    };
    const returningAlert = (joinedSubmissions: Lead[]) =>
      renderOwnerAlert(alertInput({ lead: boothLead, enrichment: enrichSubmission(boothLead, boothForm), kind: 'returning', history: [], joinedSubmissions, deadline: boothLead.followUpDeadline }));

    it('names the form, channel and campaign of this visit, and where they first came from', () => {
      const { subject, html, text } = returningAlert([websiteVisit]);
      expect(subject).toBe('Returning lead: Rita Berg (Returning Co GmbH) · score 70 · Website demo request');
      expect(text).toContain('Score 70 · Website demo request · google / cpc · pricing\nFirst came via Data Summit 2026 booth tablet · Data Summit 2026 on Wed 25 Nov, 11:00 CET\n');
      expect(text).toMatch(/SOURCE\nForm: Website demo request\nCampaign: pricing\nUTM: google \/ cpc \/ pricing\nPage: https:\/\/www\.northwind\.example\/pricing/);
      expect(text).not.toContain('Event: Data Summit 2026');
      expect(html).toContain('Website demo request · google / cpc · pricing');
      expect(html).toContain('First came via Data Summit 2026 booth tablet · Data Summit 2026 on Wed 25 Nov, 11:00 CET');
    });

    it('shows the ad click id the visit came with, for an offline-conversion upload', () => {
      const clicked = { ...websiteVisit, tracking: { utm: {}, referrer: 'https://www.google.com/', adClick: { parameter: 'gclid' as const, id: 'EAIaIQobChMI' } } };
      const { text } = returningAlert([clicked]);
      expect(text).toContain('Score 70 · Website demo request · google / cpc · Always-on demo request\n');
      expect(text).toMatch(/SOURCE\nForm: Website demo request\nCampaign: Always-on demo request\nAd click: gclid EAIaIQobChMI\nReferrer: google\.com/);
    });

    it('shows the phone and title given only on this visit, and keeps the company given only on the first', () => {
      const { html, text } = returningAlert([websiteVisit]);
      expect(html).toMatch(/href="tel:\+49309876543"[^>]*>\+49 30 9876543<\/a>/);
      expect(html).toContain('Head of Data · Returning Co GmbH');
      expect(text).toContain('Phone: +49 30 9876543\nJob title: Head of Data\nCompany: Returning Co GmbH\n');
    });

    it('says who already made first contact when the person comes back after it, instead of a first-contact deadline', () => {
      const contacted: Lead = { ...boothLead, status: 'contacted', firstContactAt: '2026-11-25T14:30:00.000Z', firstContactBy: 'ana' };
      const { html, text } = renderOwnerAlert(alertInput({ lead: contacted, enrichment: enrichSubmission(contacted, boothForm), kind: 'returning', history: [], joinedSubmissions: [websiteVisit], deadline: contacted.followUpDeadline }));
      for (const part of [html, text]) {
        expect(part).toContain('Already contacted Wed 25 Nov, 15:30 CET by Ana Silva: follow up on this visit');
        expect(part).not.toContain('First contact by');
      }
      expect(returningAlert([websiteVisit]).text).toContain('First contact by Fri 27 Nov, 13:00 CET');
    });

    it('puts the newest phone number first, and keeps an older different one under it, read in the same country so it dials from abroad', () => {
      const firstWithPhone: Lead = { ...boothLead, contact: { ...boothLead.contact, phone: '040 1111111' } };
      const { html, text } = renderOwnerAlert(alertInput({ lead: firstWithPhone, enrichment: enrichSubmission(firstWithPhone, boothForm), kind: 'returning', history: [], joinedSubmissions: [websiteVisit] }));
      expect(text).toContain('Phone: +49 30 9876543\nEarlier phone: +49 40 1111111\n');
      expect(html.indexOf('href="tel:+49309876543"')).toBeLessThan(html.indexOf('href="tel:+49401111111"'));
    });

    it('shows an earlier phone as typed when no country reads it as a valid number', () => {
      const oddNumber: Lead = { ...boothLead, contact: { ...boothLead.contact, phone: '0000 000000 ext 9' } };
      const { html, text } = renderOwnerAlert(alertInput({ lead: oddNumber, enrichment: enrichSubmission(oddNumber, boothForm), kind: 'returning', history: [], joinedSubmissions: [websiteVisit] }));
      expect(text).toContain('Earlier phone: 0000 000000 ext 9\n');
      expect(html).toContain('href="tel:0000000000,9"');
    });

    it('does not list an earlier phone that is the newest one typed another way', () => {
      const sameLine: Lead = { ...boothLead, contact: { ...boothLead.contact, phone: '0049 30 987-6543 ext. 2' } };
      const { text } = renderOwnerAlert(alertInput({ lead: sameLine, enrichment: enrichSubmission(sameLine, boothForm), kind: 'returning', history: [], joinedSubmissions: [websiteVisit] }));
      expect(text).toContain('Phone: +49 30 9876543\n');
      expect(text).not.toContain('Earlier phone');
    });

    const visitNamed = (name: Partial<Lead['contact']>): Lead => {
      const { firstName: _firstName, lastName: _lastName, ...unnamed } = websiteVisit.contact;
      return { ...websiteVisit, contact: { ...unnamed, ...name } };
    };

    it('keeps the last name from an earlier visit only when the same person gives just their first name', () => {
      for (const firstName of ['Rita', 'rita']) {
        const { subject, text } = returningAlert([visitNamed({ firstName })]);
        expect(subject).toMatch(/^Returning lead: Rita Berg \(Returning Co GmbH\)/);
        expect(text).toContain('Name: Rita Berg\n');
      }
      // Another first name is another person: their name is never paired with the earlier last name.
      const { subject, text } = returningAlert([visitNamed({ firstName: 'Tom' })]);
      expect(subject).toMatch(/^Returning lead: Tom \(Returning Co GmbH\)/);
      expect(text).toContain('Name: Tom\n');
    });
  });

  it('tells the new owner of a reassigned lead who handed it over and why, escaped', () => {
    const handedOver: Lead = {
      ...lead,
      activities: [
        { at: '2026-11-26T11:00:00.000Z', by: 'jonas', action: 'note', note: 'Left a voicemail', via: 'email-link' },
        { at: '2026-11-26T12:00:00.000Z', by: 'jonas', action: 'reassign', note: 'I only cover <b>DACH</b>\nTry Ana', via: 'email-link' },
      ],
    };
    const { subject, html, text } = renderOwnerAlert(alertInput({ lead: handedOver, kind: 'reassigned' }));
    expect(subject).toMatch(/^Reassigned to you: José Müller/);
    expect(text).toContain('HANDED OVER\nJonas Weber passed this lead on:\nI only cover <b>DACH</b>\nTry Ana');
    expect(html).toContain('Jonas Weber passed this lead on:');
    expect(html).toContain('I only cover &lt;b&gt;DACH&lt;/b&gt;<br>Try Ana');
    expect(renderOwnerAlert(alertInput({ lead: handedOver })).text).not.toContain('HANDED OVER');
    // The away owner's manager reads the same alert about the owner, not as if it were theirs.
    const copy = renderOwnerAlert(alertInput({ lead: handedOver, kind: 'reassigned', forManager: true }));
    const ownerName = alertInput({ lead: handedOver }).owner.name;
    expect(copy.subject).toMatch(new RegExp(`^Reassigned to ${ownerName}: José Müller`));
    expect(copy.html).toContain(`Reassigned to ${ownerName}`);
    expect(`${copy.html}${copy.text}`).not.toMatch(/Reassigned to you|Why you|this lead to you/i);
  });

  it('tells the new owner how far the previous one got, without the returning-visit wording', () => {
    const qualified: Lead = {
      ...lead,
      status: 'qualified',
      firstContactAt: '2026-11-27T08:07:00.000Z',
      firstContactBy: 'ana',
      qualifiedAt: '2026-11-27T09:00:00.000Z',
      activities: [{ at: '2026-11-27T10:00:00.000Z', by: 'ana', action: 'reassign', via: 'email-link' }],
    };
    const { html, text } = renderOwnerAlert(alertInput({ lead: qualified, kind: 'reassigned' }));
    for (const part of [html, text]) {
      expect(part).toContain('Already contacted Fri 27 Nov, 09:07 CET by Ana Silva; status: qualified');
      expect(part).not.toContain('this visit');
    }
    const disqualified = renderOwnerAlert(alertInput({ lead: { ...lead, status: 'disqualified', activities: qualified.activities }, kind: 'reassigned' }));
    expect(disqualified.text).toContain('First contact by Mon 30 Nov, 13:00 CET; status: disqualified');
    // An open lead has nothing recorded yet, so its status would only be noise.
    expect(renderOwnerAlert(alertInput({ lead: { ...lead, activities: qualified.activities }, kind: 'reassigned' })).text).not.toContain('status:');
  });

  it('keeps the casing of answer names a person wrote, and humanises machine names', () => {
    const { text } = renderOwnerAlert(alertInput({ lead: { ...lead, answers: { 'Scan-Zeit': '10:42', 'Badge-Nr.': 'B-17', 'Umsatz (Mio €)': '12', sessionsAttended: '3' } } }));
    expect(text).toContain('Scan-Zeit: 10:42\nBadge-Nr.: B-17\nUmsatz (Mio €): 12\nSessions attended: 3\n');
  });

  it('shows a contact value a form tool or a file sent that capture could not use among the contact details, not the answers', () => {
    const { phone: _phone, ...withoutPhone } = lead.contact;
    const relayed: Lead = { ...lead, contact: withoutPhone, answers: { 'Phone (as sent)': 'call after 5, ask for Petra', 'Mobile (as in the file)': 'n/a', 'Badge ID': 'B-17' } };
    const { text, html } = renderOwnerAlert(alertInput({ lead: relayed, enrichment: enrichSubmission(relayed, demoForm) }));
    expect(text).toMatch(/CONTACT\n(?:.+\n)*Phone \(as sent\): call after 5, ask for Petra\nMobile \(as in the file\): n\/a\n/);
    expect(text).toMatch(/\nBadge ID: B-17\n/);
    const asked = text.slice(text.indexOf('WHAT THEY ASKED'), text.indexOf('CONTACT\n'));
    expect(asked).toContain('Badge ID: B-17');
    expect(asked).not.toContain('(as ');
    // In the HTML the details table follows the answers: the value is in it, next to the email, and shown once.
    expect(html).toMatch(/Jose\.Muller@[^]*?>Phone \(as sent\)<[^]*?call after 5, ask for Petra[^]*?>Job title</);
    expect(html.match(/call after 5/g)).toHaveLength(1);
  });

  it('keeps a typed extension on the number a rep reads and dials, which E.164 alone would lose', () => {
    for (const [typed, dialled] of [['+49 (0) 89 123456789 ext 1234', '+4989123456789,1234'], ['+49 89 123456789 #77', '+4989123456789,77']] as const) {
      const withExtension: Lead = { ...lead, contact: { ...lead.contact, phone: typed } };
      const enrichment = enrichSubmission(withExtension, demoForm);
      expect(enrichment.phoneE164).toBe('+4989123456789');
      const { text, html } = renderOwnerAlert(alertInput({ lead: withExtension, enrichment }));
      const extension = dialled.split(',')[1];
      expect(text).toContain(`Phone: +49 89 123456789 ext. ${extension}\n`);
      expect(html).toContain(`href="tel:${dialled}"`);
    }
  });

  it('does not list the same person’s post from seconds later, not joined yet, as an earlier submission', () => {
    const secondsLater: Lead = { ...lead, leadId: '01JDQ8Z7V4K3M2N1P0Q9R8S7T7', receivedAt: '2026-11-26T09:12:20.000Z', status: 'new', contact: { ...lead.contact, message: 'Came back to add: we need SSO' } };
    const { text } = renderOwnerAlert(alertInput({ history: [...history, secondsLater] }));
    expect(text).toContain('EARLIER SUBMISSIONS');
    expect(text).not.toContain('we need SSO');
  });

  it('says whether the person gave consent on the form, and says nothing when the form did not ask', () => {
    for (const [consent, shown] of [[true, 'Consent: given on the form'], [false, 'Consent: not given on the form']] as const) {
      const asked: Lead = { ...lead, contact: { ...lead.contact, consent } };
      expect(renderOwnerAlert(alertInput({ lead: asked })).text).toMatch(new RegExp(`CONTACT\\n(?:.+\\n)*${shown}\\n`));
    }
    const { consent: _consent, ...notAsked } = lead.contact;
    expect(renderOwnerAlert(alertInput({ lead: { ...lead, contact: notAsked } })).text).not.toContain('Consent:');
  });

  it('lets a right-to-left message read from the right edge', () => {
    const arabic: Lead = { ...lead, contact: { ...lead.contact, message: 'نريد عرضًا توضيحيًا للوحة المعلومات' } };
    expect(renderOwnerAlert(alertInput({ lead: arabic })).html).toMatch(/<div dir="auto" [^>]*>نريد عرضًا/);
  });

  it('names a lead by their address when the mailbox names nobody (initials, a role), in the subject too', () => {
    for (const email of ['jd@acme-analytics.de', 'info@acme-analytics.de', 'noname@gmail.com']) {
      const unnamed: Lead = { ...lead, contact: { email, emailDisplay: email }, answers: {} };
      const { subject, text } = renderOwnerAlert(alertInput({ lead: unnamed, enrichment: enrichSubmission(unnamed, demoForm) }));
      expect(subject).toMatch(new RegExp(`^New lead: ${email.replace(/\./g, '\\.')}`));
      expect(text).toContain('Name: not given\n');
    }
  });

  it('links a national number with no country as typed, so a rep in that country can still tap it', () => {
    const booth: Lead = { ...lead, contact: { ...lead.contact, phone: '030 1234567', country: undefined } };
    const enrichment = { ...enrichSubmission(booth, demoForm), phoneE164: undefined, country: undefined };
    expect(renderOwnerAlert(alertInput({ lead: booth, enrichment })).html).toMatch(/href="tel:0301234567"[^>]*>030 1234567<\/a>/);
  });

  it('leaves out sections it has nothing for, and says a name came from the email address', () => {
    const bare: Lead = { ...lead, contact: { email: 'xavier@gmail.com', emailDisplay: 'xavier@gmail.com' }, answers: {}, tracking: { utm: {} } };
    const enrichment = enrichSubmission(bare, demoForm);
    const { html, text } = renderOwnerAlert(alertInput({ lead: bare, enrichment, history: [] }));
    expect(text).toContain('Name: Xavier (guessed from the email address)');
    expect(alert.text).toContain('Name: José Müller\n');
    expect(text).toContain('No message.');
    expect(text).not.toContain('EARLIER SUBMISSIONS');
    expect(html).not.toContain('tel:');
    expect(text).toContain('Note: gmail.com is a free-mail address');
  });
});

describe('an alert that goes out after its deadline (one that could not be sent for days)', () => {
  it('says the first contact is overdue instead of giving a deadline already past', () => {
    const deadline = '2026-11-30T12:00:00.000Z';
    const late = renderOwnerAlert(alertInput({ deadline, now: new Date('2026-12-02T09:00:00Z') }));
    for (const part of [late.html, late.text]) expect(part).toContain('Overdue: first contact was due Mon 30 Nov, 13:00 CET');
    // Marked as the danger it is, not in the amber of a deadline still ahead.
    expect(late.html).toMatch(/background:#fef2f2;border-left:4px solid #b91c1c;[^>]*>\s*<strong>Overdue/);
    const inTime = renderOwnerAlert(alertInput({ deadline, now: new Date('2026-11-30T11:59:00Z') }));
    expect(inTime.text).toContain('First contact by Mon 30 Nov, 13:00 CET');
    expect(inTime.text).not.toContain('Overdue');
  });
});

describe('humaniseFieldName', () => {
  it('splits machine names into words and keeps the casing of names a person wrote', () => {
    const keys = ['sessionsAttended', 'lead_source', 'team_size', 'email', 'Scan-Zeit', 'Badge-Nr.', 'Umsatz (Mio €)', 'Größe', 'preferred demo Time', 'CRM', 'leadID'];
    expect(Object.fromEntries(keys.map((key) => [key, humaniseFieldName(key)]))).toEqual({
      sessionsAttended: 'Sessions attended',
      lead_source: 'Lead source',
      team_size: 'Team size',
      email: 'Email',
      'Scan-Zeit': 'Scan-Zeit',
      'Badge-Nr.': 'Badge-Nr.',
      'Umsatz (Mio €)': 'Umsatz (Mio €)',
      Größe: 'Größe',
      'preferred demo Time': 'Preferred demo Time',
      CRM: 'CRM',
      leadID: 'LeadID',
    });
  });
});

describe('the owner alert in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('renders within 600px, loads nothing external and shows the buttons', async () => {
    const { page, refusedRequests } = await openHtml(browser, renderOwnerAlert(alertInput()).html);
    const card = await page.locator('table[width="600"]').first().boundingBox();
    expect(card?.width).toBeLessThanOrEqual(600);
    expect(refusedRequests).toEqual([]);
    for (const label of ['Contacted', 'Qualified — make it a deal', 'Not a fit', 'Not mine — reassign']) {
      await expect(page.getByRole('link', { name: label, exact: true }).isVisible()).resolves.toBe(true);
    }
    await expect(page.locator('script, img').count()).resolves.toBe(0);
    if (process.env.UPDATE_SCREENSHOTS) {
      mkdirSync(new URL('.', `file://${SCREENSHOT}`).pathname, { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    }
  });

  it('leaves the values most of the row on a phone: a form name stays on one line', async () => {
    const { page } = await openHtml(browser, renderOwnerAlert(alertInput()).html, { width: 375, height: 800 });
    const valueCell = (await page.getByText('Website demo request', { exact: true }).first().locator('xpath=ancestor-or-self::td[1]').boundingBox())!;
    // One line of 14 px text and the cell's 8 px of padding: about 29 px; two lines would be about 50.
    expect(valueCell.height).toBeLessThan(36);
    expect(valueCell.width).toBeGreaterThan(200);
  });

  it('gives the buttons in a row the same height on a phone, where the long labels wrap', async () => {
    const { page } = await openHtml(browser, renderOwnerAlert(alertInput()).html, { width: 375, height: 800 });
    const button = (label: string) => page.getByRole('link', { name: label, exact: true });
    const cellHeight = async (label: string) => (await button(label).locator('xpath=ancestor::td[1]').boundingBox())?.height;
    const labelHeight = async (label: string) => (await button(label).boundingBox())?.height ?? 0;
    expect(await labelHeight('Qualified — make it a deal')).toBeGreaterThan(await labelHeight('Contacted'));
    expect(await cellHeight('Contacted')).toBe(await cellHeight('Qualified — make it a deal'));
    expect(await cellHeight('Not a fit')).toBe(await cellHeight('Not mine — reassign'));
  });

  it('fits a phone screen without sideways scrolling', async () => {
    const { page } = await openHtml(browser, renderOwnerAlert(alertInput()).html, { width: 375, height: 800 });
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBe(0);
  });
});
