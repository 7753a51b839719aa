import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { WAITING_LEAD_FIELDS, type Lead, type WaitingLead } from '../../shared/domain/lead.ts';
import { buildNightlyReport, type NightlyReport } from '../../shared/domain/report.ts';
import { toCsv } from '../../shared/domain/render/csv.ts';
import { formatBusinessTime, formatDuration, formatShare, renderEscalation, renderMarketingReport, renderRepDigest, renderSalesReport } from '../../shared/domain/render/reports.ts';
import { NOW, REPORT_DATE, overdue, scenarioConfig as config, seedLead, window7d } from '../fixtures/nightly-scenario.ts';
import { launchChromium, openHtml } from '../support/screenshot.ts';

const links = (leadId: string) => `https://handoff.example/actions/${encodeURIComponent(leadId)}`;
const report: NightlyReport = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config, overdue, window7d });
const quietReport = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config, overdue: [], window7d: [] });
/** The lead as the deadline index returns it: WAITING_LEAD_FIELDS only, so no enrichment. */
const fromIndex = (lead: Lead): WaitingLead => Object.fromEntries(WAITING_LEAD_FIELDS.flatMap((field) => (lead[field] === undefined ? [] : [[field, lead[field]]]))) as WaitingLead;
/** What the reader sees of an HTML email: its text, without the markup and the links' targets. */
const visibleText = (markup: string) => markup.replace(/<[^>]*>/g, '');

describe('toCsv', () => {
  it('quotes per RFC 4180 and ends every record with CRLF', () => {
    expect(toCsv([['a', 'b,c', 'say "hi"', 'two\nlines', 3, null, undefined]])).toBe('a,"b,c","say ""hi""","two\nlines",3,,\r\n');
  });

  it.each([
    ['=HYPERLINK("http://evil.example")', `"'=HYPERLINK(""http://evil.example"")"`],
    ['+49 30 1234', "'+49 30 1234"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
    ['plain', 'plain'],
  ])('defuses %j as a text cell', (cell, expected) => {
    expect(toCsv([[cell]])).toBe(`${expected}\r\n`);
  });

  it('keeps numbers as numbers, negative ones included', () => {
    expect(toCsv([[-6, 2.5]])).toBe('-6,2.5\r\n');
  });
});

describe('formatBusinessTime', () => {
  it.each([
    [null, '—'],
    [0, '0 min'],
    [0.5, '30 min'],
    [2, '2 h'],
    [14.8, '14 h 48 min'],
    [43, '43 h'], // never "1 d 19 h": a business day is not 24 hours
    [63.995, '64 h'], // 63 h 59.7 min rounds up into the hour
  ])('shows %j business hours as %j', (hours, expected) => {
    expect(formatBusinessTime(hours)).toBe(expected);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [45_400, '45 s'],
    [59_600, '1 min'], // 59.6 s rounds to 60 s
    // From a minute up, no seconds: "overdue 1 min 8 s" is a precision nobody acts on.
    [68_000, '1 min'],
    [89_999, '1 min'],
    [108_000, '2 min'], // to the nearest minute, never floored to "1 min"
    [11 * 60_000 + 8_000, '11 min'],
    [20 * 60_000, '20 min'],
    [59 * 60_000 + 29_000, '59 min'],
    [59 * 60_000 + 40_000, '1 h'], // rounds up into the hour
    [3_599_600, '1 h'],
    [4.5 * 3_600_000, '4 h 30 min'],
    [4.5 * 3_600_000 + 29_000, '4 h 30 min'],
    [4.5 * 3_600_000 + 30_000, '4 h 31 min'], // half up
    [23 * 3_600_000 + 59 * 60_000 + 40_000, '1 d'],
    [63.5 * 3_600_000, '2 d 16 h'], // L12's P95, half up
    [63.4 * 3_600_000, '2 d 15 h'],
    [48 * 3_600_000, '2 d'],
  ])('shows %d ms as %j', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
});

describe('renderSalesReport', () => {
  const sales = renderSalesReport(report, config, links);

  it('names the count and the time it stands at in the subject', () => {
    // "as of" the run, not "for" its date: the marketing report sent with it covers the day before.
    expect(sales.subject).toBe('Missed follow-ups: 5 leads overdue as of Thu 26 Nov, 07:00 CET');
  });

  it('shows every overdue lead with its Mark contacted link, and no lead that is not overdue', () => {
    for (const name of ['Isabella Rossi', 'Oliver Brown', 'Sofia Marino', 'Ethan Walker', 'Chloé Dubois']) {
      expect(sales.html).toContain(name);
      expect(sales.text).toContain(name);
    }
    for (const leadId of ['L16', 'L13', 'L03', 'L09', 'L10']) {
      expect(sales.html).toMatch(new RegExp(`<a href="${links(leadId)}"[^>]*>Mark contacted</a>`));
      expect(sales.text).toContain(`\n  Mark contacted: ${links(leadId)}\n`);
    }
    for (const name of ['Lena Fischer', 'Jan de Vries', 'Kai Wagner', 'Ida Berg', 'Buy Followers']) expect(sales.html).not.toContain(name);
  });

  it('does not make a lead’s name a link: a manager clicking it to see the lead would land on the contact form', () => {
    const actionLinkLabels = (body: string) => [...body.matchAll(/<a href="https:\/\/handoff\.example\/actions\/[^"]*"[^>]*>([^<]*)<\/a>/g)].map((match) => match[1]);
    const digest = renderRepDigest(report, report.sales.byRep.find((group) => group.rep.id === 'ana')!, config, links);
    expect(actionLinkLabels(sales.html)).toEqual(Array(7).fill('Mark contacted')); // five by rep, one alert not delivered, one with no owner
    expect(actionLinkLabels(digest.html)).toEqual(['Mark contacted', 'Mark contacted']);
    expect(sales.html).toMatch(/>Isabella Rossi<\/span>/);
  });

  it('orders reps with the most overdue lead first, in HTML and text', () => {
    const order = (body: string) => ['Diego Ramos', 'Ana Silva', 'Maya Johnson', 'Jonas Weber'].map((name) => body.indexOf(`${name} (`) >= 0 ? body.indexOf(`${name} (`) : body.indexOf(`${name} · `));
    for (const body of [sales.html, sales.text]) {
      const positions = order(body);
      expect(positions.every((p) => p >= 0)).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    }
  });

  it('reports the failed alert and the lead with no owner', () => {
    expect(sales.html).toContain('Alert not delivered');
    expect(sales.text).toMatch(/Alert not delivered:\n- Ethan Walker/);
    expect(sales.text).toMatch(/No owner:\n- Priya Nair, Orbitly .*\n  priya\.nair@orbitly\.example\n  due in 6 h; deadline Thu 26 Nov, 13:00 CET; received 11 h ago\n/);
  });

  it('states deadlines and overdue time in local time and business hours', () => {
    expect(sales.text).toContain('overdue 16 h (2 h in business hours); deadline Wed 25 Nov, 15:00 CET; received 20 h ago');
    expect(sales.text).toContain('overdue 7 d 17 h (43 h in business hours); deadline Wed 18 Nov, 14:00 CET');
  });

  it('says none of the overdue time was in business hours when the deadline passed after hours, rather than "0 min"', () => {
    const l16 = fromIndex(overdue.find((lead) => lead.leadId === 'L16')!);
    const justMissed = { ...l16, followUpDeadline: new Date(NOW.getTime() - 2 * 60_000).toISOString() };
    const rendered = renderSalesReport(buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config, overdue: [justMissed], window7d: [] }), config, links);
    expect(rendered.text).toContain('overdue 2 min (none of it in business hours); deadline');
    expect(visibleText(rendered.html)).toContain('Overdue 2\u00a0min · none of it in business hours');
    expect(rendered.html).not.toContain('0\u00a0min in business hours');
  });

  it('shows no seconds in a lead’s durations from a minute up, in HTML and text', () => {
    const [group] = report.sales.byRep;
    const justLate = { ...report, sales: { ...report.sales, byRep: [{ ...group!, leads: [{ ...group!.leads[0]!, overdueMs: 68_000, ageMs: 668_000 }] }] } };
    const rendered = renderSalesReport(justLate, config, links);
    expect(rendered.text).toContain('overdue 1 min (');
    expect(rendered.text).toContain('received 11 min ago');
    expect(visibleText(rendered.html)).toContain('Overdue 1\u00a0min ·');
    expect(visibleText(rendered.html)).toContain('received 11\u00a0min ago');
  });

  it('says which reps are away or no longer active, in the sales report and the escalation a manager reads', () => {
    const awayConfig = { ...config, salespeople: config.salespeople.map((rep) => (rep.id === 'jonas' ? { ...rep, away: [{ from: '2026-11-20', to: '2026-12-02' }] } : rep.id === 'diego' ? { ...rep, active: false } : rep)) };
    const withAway = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config: awayConfig, overdue, window7d });
    const { html: salesHtml, text: salesText } = renderSalesReport(withAway, awayConfig, links);
    // One pair of brackets: the count follows a "·", as in the HTML heading.
    expect(salesText).toMatch(/\nJonas Weber \(away until Wed 2 Dec\) · \d+ overdue leads?\n/);
    expect(salesText).toMatch(/\nDiego Ramos \(no longer active\) · \d+ overdue leads?\n/);
    expect(salesHtml).toContain('Jonas Weber (away until Wed 2 Dec)');
    expect(salesText).toMatch(/\nAna Silva · \d+ overdue leads?\n/);
    const escalatedReps = withAway.escalations.flatMap((escalation) => escalation.byRep.map((group) => ({ escalation, rep: group.rep })));
    const { escalation, rep } = escalatedReps.find((entry) => entry.rep.id === 'jonas' || entry.rep.id === 'diego')!;
    expect(renderEscalation(withAway, escalation, awayConfig, links).text).toContain(`\n${rep.id === 'jonas' ? 'Jonas Weber (away until Wed 2 Dec)' : 'Diego Ramos (no longer active)'}\n`);
  });

  it('attaches exactly the overdue leads as CSV, worst first', () => {
    const lines = sales.csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('Lead ID,Name,Company,Email,Phone,Source,Campaign,Channel,Score,Owner,Received,Deadline,Deadline (local),Overdue hours,Overdue business hours,Alert,Mark contacted link');
    expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(['L16', 'L13', 'L03', 'L09', 'L10']);
    // The phone as the email shows it; its leading + gets the apostrophe that keeps a spreadsheet from reading a formula.
    expect(lines[3]).toBe(`L03,Sofia Marino,Lattice Foods,sofia.marino@lattice.example,'+49 30 1234567,Website demo request · Always-on demo request,Always-on demo request,(direct),65,Ana Silva,2026-11-25T10:00:00Z,2026-11-25T14:00:00.000Z,"Wed 25 Nov, 15:00 CET",16,2,sent,https://handoff.example/actions/L03`);
    expect(lines[2]!.split(',').slice(3, 5)).toEqual(['oliver.brown@fenwick.example', '']);
  });

  it('says how many overdue leads the marketing report’s missed follow-ups leave out, in HTML and text', () => {
    // 5 overdue here, 4 missed follow-ups there: L16 was captured on Wed 18 Nov, before the marketing report's 7 days.
    const clause = '5 leads passed the first-contact deadline without a recorded contact (4 reps); the marketing report’s missed follow-ups (19–25 Nov) leave out 1 captured before 19 Nov.';
    expect(report.marketing.total.last7Days.missed).toBe(4);
    expect(sales.text).toContain(clause);
    expect(sales.html).toContain(clause);
  });

  it('says nothing of the marketing report when every overdue lead is one of its missed follow-ups', () => {
    const inWeek = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config, overdue: overdue.filter((lead) => lead.leadId !== 'L16'), window7d });
    expect(inWeek.sales.overdueCount).toBe(inWeek.marketing.total.last7Days.missed);
    const rendered = renderSalesReport(inWeek, config, links);
    expect(rendered.text).toContain('4 leads passed the first-contact deadline without a recorded contact (3 reps).');
    expect(rendered.text).not.toContain('marketing report');
  });

  it('names both kinds of lead the marketing report leaves out', () => {
    const both = { ...report, sales: { ...report.sales, overdueCount: 7, overdueOutsideWeek: { capturedBefore: 2, capturedAfter: 1 } } };
    expect(renderSalesReport(both, config, links).text).toContain('; the marketing report’s missed follow-ups (19–25 Nov) leave out 2 captured before 19 Nov and 1 on 26 Nov.');
    const todayOnly = { ...report, sales: { ...report.sales, overdueOutsideWeek: { capturedBefore: 0, capturedAfter: 1 } } };
    expect(renderSalesReport(todayOnly, config, links).text).toContain('; the marketing report’s missed follow-ups (19–25 Nov) leave out 1 captured on 26 Nov.');
  });

  it('still sends a short report on a quiet day', () => {
    const quiet = renderSalesReport(quietReport, config, links);
    expect(quiet.subject).toBe('No missed follow-ups as of Thu 26 Nov, 07:00 CET');
    expect(quiet.text).toMatch(/^No missed follow-ups as of Thu 26 Nov, 07:00 CET\n\nEvery lead due by Thu 26 Nov, 07:00 CET has a recorded first contact\./);
    expect(quiet.html).toContain('All caught up');
    expect(quiet.csv).toBe('Lead ID,Name,Company,Email,Phone,Source,Campaign,Channel,Score,Owner,Received,Deadline,Deadline (local),Overdue hours,Overdue business hours,Alert,Mark contacted link\r\n');
  });
});

describe('escaping what strangers typed', () => {
  const hostile = seedLead({
    leadId: 'X<1>',
    formId: 'demo-request',
    receivedAt: '2026-11-23T09:00:00Z',
    status: 'open',
    name: '<img src=x onerror=alert(1)> "Robert"',
    email: 'bobby?bcc=all&x@tables.example',
    company: '=cmd|"/c calc"!A1 & <b>Co</b>',
    phone: '030 123 4567 <img src=y>',
    ownerId: 'ana',
  });
  const hostileReport = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config, overdue: [hostile], window7d: [hostile] });
  const sales = renderSalesReport(hostileReport, config, links);
  const digest = renderRepDigest(hostileReport, hostileReport.sales.byRep[0]!, config, links);

  it('escapes names and companies in every HTML email', () => {
    for (const body of [sales.html, digest.html]) {
      expect(body).not.toContain('<img src=x');
      expect(body).not.toContain('<b>Co</b>');
      expect(body).toContain('&lt;img src=x onerror=alert(1)&gt; &quot;Robert&quot;');
      expect(body).toContain('&lt;b&gt;Co&lt;/b&gt;');
    }
  });

  it('keeps the address and phone inert: escaped as text, encoded in the mailto and tel links', () => {
    for (const body of [sales.html, digest.html]) {
      expect(body).not.toContain('<img src=y');
      expect(body).toContain('href="mailto:bobby%3Fbcc%3Dall%26x@tables.example"');
      expect(body).toContain('>bobby?bcc=all&amp;x@tables.<wbr>example</a>');
      expect(body).toContain('<a href="tel:0301234567" style="color:#1d4ed8;text-decoration:none;">030 123 4567 &lt;img src=y&gt;</a>');
    }
  });

  it('defuses the company formula in the CSV', () => {
    expect(sales.csv).toContain(`"'=cmd|""/c calc""!A1 & <b>Co</b>"`);
  });
});

describe("a rep on their own team's clock", () => {
  it('reads the digest in their timezone, while the sales report stays in the organisation’s', () => {
    const newYork = { ...config, teams: config.teams.map((team) => (team.id === 'americas' ? { ...team, timezone: 'America/New_York' } : team)) };
    const maya = renderRepDigest(report, report.sales.byRep.find((group) => group.rep.id === 'maya')!, newYork, links);
    expect(maya.text).toContain('Times in America/New_York');
    expect(maya.text).toMatch(/deadline \w{3} \d+ Nov, \d\d:\d\d EST/);
    expect(maya.text).not.toContain(' CET');
    const sales = renderSalesReport(report, newYork, links).text;
    expect(sales).toContain(`Times in ${config.organisation.timezone}`);
    expect(sales).toContain(`Business hours are counted on each owner's team clock (Americas Sales: America/New_York; the others: ${config.organisation.timezone}).`);
    expect(renderSalesReport(report, config, links).text).not.toContain('team clock');
  });

  it('reads an escalation in the clock its reps share, and in the organisation’s when they work on different ones', () => {
    const newYork = { ...config, teams: config.teams.map((team) => (team.id === 'americas' ? { ...team, timezone: 'America/New_York' } : team)) };
    const luis = report.escalations.find((e) => e.managerEmail === 'luis.ortega@northwind.example')!;
    const americas = renderEscalation(report, luis, newYork, links).text;
    expect(americas).toContain('Times in America/New_York');
    expect(americas).toMatch(/deadline \w{3} \d+ Nov, \d\d:\d\d EST/);
    const eva = report.escalations.find((e) => e.managerEmail === 'eva.klein@northwind.example')!;
    expect(renderEscalation(report, eva, newYork, links).text).toContain(`Times in ${config.organisation.timezone}`);
    const mixed = { ...luis, byRep: [...luis.byRep, ...eva.byRep] };
    expect(renderEscalation(report, mixed, newYork, links).text).toContain(`Times in ${config.organisation.timezone}`);
  });
});

describe('how to reach each lead', () => {
  const sales = renderSalesReport(report, config, links);
  const ana = renderRepDigest(report, report.sales.byRep.find((group) => group.rep.id === 'ana')!, config, links);
  const escalation = renderEscalation(report, report.escalations.find((e) => e.managerEmail === 'luis.ortega@northwind.example')!, config, links);

  it('gives every lead’s address as a mailto link, and the phone in international format as a tel link, in HTML', () => {
    for (const body of [sales.html, ana.html]) {
      expect(body).toContain('<a href="mailto:sofia.marino@lattice.example" style="color:#1d4ed8;text-decoration:none;">sofia.<wbr>marino@lattice.<wbr>example</a>');
      expect(body).toContain('<a href="tel:+49301234567" style="color:#1d4ed8;text-decoration:none;">+49 30 1234567</a>');
      // Oliver Brown gave no phone: his address, and no empty phone line.
      expect(body).toMatch(/>Oliver Brown<\/span><span [^>]*>Fenwick &amp; Co<\/span><span [^>]*><a href="mailto:oliver\.brown@fenwick\.example"[^>]*>oliver\.<wbr>brown@fenwick\.<wbr>example<\/a><\/span><span [^>]*>Website demo/);
    }
    for (const leadId of ['L16', 'L13', 'L03', 'L09', 'L10']) {
      const lead = overdue.find((candidate) => candidate.leadId === leadId)!;
      expect(sales.html).toContain(`href="mailto:${lead.contact.emailDisplay}"`);
    }
    expect(escalation.html).toContain('<a href="tel:+390212345678" style="color:#1d4ed8;text-decoration:none;">+39 02 1234 5678</a>');
  });

  it('puts the address and phone on the line under the name in the text version', () => {
    for (const body of [sales.text, ana.text]) {
      expect(body).toContain('- Sofia Marino, Lattice Foods · Website demo request · Always-on demo request · score 65\n  sofia.marino@lattice.example · +49 30 1234567\n  overdue 16 h');
      expect(body).toContain('- Oliver Brown, Fenwick & Co · Website demo request · Always-on demo request · score 58\n  oliver.brown@fenwick.example\n  overdue 6 d 18 h');
    }
    expect(escalation.text).toContain('- Isabella Rossi, Verdana Foods · Website demo request · Always-on demo request · score 90\n  i.rossi@verdana-foods.example · +39 02 1234 5678\n');
  });

  it('shows the phone as typed for a lead read from the deadline index alone, which keeps no enrichment', () => {
    const l16 = overdue.find((lead) => lead.leadId === 'L16')!;
    const indexOnly = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config, overdue: [fromIndex(l16)], window7d: [] });
    const rendered = renderSalesReport(indexOnly, config, links);
    expect(rendered.html).toContain('<a href="tel:0212345678" style="color:#1d4ed8;text-decoration:none;">02 1234 5678</a>');
    expect(rendered.text).toContain('- Isabella Rossi, Verdana Foods · Website demo request · score 90\n  i.rossi@verdana-foods.example · 02 1234 5678\n');
    expect(rendered.csv.split('\r\n')[1]!.split(',').slice(3, 5)).toEqual(['i.rossi@verdana-foods.example', '02 1234 5678']);
  });

  it('shows a lead that gave only a phone by its number, with no mail link and an empty Email cell', () => {
    const l16 = fromIndex(overdue.find((lead) => lead.leadId === 'L16')!);
    const phoneOnly = { ...l16, contact: { phone: '+49 171 2345678' } };
    const rendered = renderSalesReport(buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config, overdue: [phoneOnly], window7d: [] }), config, links);
    expect(rendered.text).toContain('- +49 171 2345678 · Website demo request · score 90\n  +49 171 2345678\n');
    expect(rendered.html).toContain('href="tel:+491712345678"');
    expect(rendered.html).not.toContain('mailto:');
    // The CSV defuses a cell starting with + as a possible formula, as it does any.
    expect(rendered.csv.split('\r\n')[1]!.split(',').slice(1, 5)).toEqual(["'+49 171 2345678", '', '', "'+49 171 2345678"]);
  });

  it('shows a phone too short to dial as typed, without a link', () => {
    const l16 = fromIndex(overdue.find((lead) => lead.leadId === 'L16')!);
    const shortPhone = { ...l16, contact: { ...l16.contact, phone: '1234 ext. 56' } };
    const rendered = renderSalesReport(buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config, overdue: [shortPhone], window7d: [] }), config, links);
    expect(rendered.html).toContain('<span style="display:block;font-size:12px;color:#6b7280;">1234 ext. 56</span>');
    expect(rendered.html).not.toContain('tel:');
  });
});

describe('leads who gave no name', () => {
  // Enrichment names them after their address, so all of these read "Rl"; only the address tells them apart.
  const nameless = [1, 2].map((n) => {
    const seeded = seedLead({ leadId: `R${n}`, formId: 'demo-request', receivedAt: '2026-11-23T09:00:00Z', status: 'open', name: 'Rl', email: `rl${n}@ratecorp.example`, company: 'Ratecorp', ownerId: 'ana' });
    const { firstName: _firstName, ...contact } = seeded.contact;
    return { ...seeded, contact };
  });
  const namelessReport = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config, overdue: [...overdue, ...nameless], window7d: [...window7d, ...nameless] });
  const sales = renderSalesReport(namelessReport, config, links);
  const digest = renderRepDigest(namelessReport, namelessReport.sales.byRep.find((group) => group.rep.id === 'ana')!, config, links);

  it('can be told apart by the address under the name, in HTML and text', () => {
    for (const body of [sales.text, digest.text]) {
      expect(body).toContain('- Rl, Ratecorp · Website demo request · Always-on demo request · score —\n  rl1@ratecorp.example\n');
      expect(body).toContain('- Rl, Ratecorp · Website demo request · Always-on demo request · score —\n  rl2@ratecorp.example\n');
    }
    for (const body of [sales.html, digest.html]) {
      expect(body).toMatch(/>Rl<\/span><span [^>]*>Ratecorp<\/span><span [^>]*><a href="mailto:rl1@ratecorp\.example"[^>]*>rl1@ratecorp\.<wbr>example<\/a>/);
      expect(body).toMatch(/>Rl<\/span><span [^>]*>Ratecorp<\/span><span [^>]*><a href="mailto:rl2@ratecorp\.example"[^>]*>rl2@ratecorp\.<wbr>example<\/a>/);
    }
  });

  it('shows an address only once when it is all the row has for a name, and still links it for mail', () => {
    const [seeded] = nameless;
    const addressOnly = { ...seeded!, leadId: 'R9', enrichment: { ...seeded!.enrichment!, displayName: 'rl9@ratecorp.example' }, contact: { email: 'rl9@ratecorp.example', emailDisplay: 'rl9@ratecorp.example', phone: '+49 89 1234567' } };
    const report = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config, overdue: [...overdue, addressOnly], window7d });
    const rendered = renderSalesReport(report, config, links);
    expect(rendered.text.split('\n').filter((line) => line.includes('rl9@ratecorp.example'))).toEqual(['- rl9@ratecorp.example, Ratecorp · Website demo request · Always-on demo request · score —']);
    expect(rendered.text).toContain('score —\n  +49 89 1234567\n');
    expect(visibleText(rendered.html).match(/rl9@ratecorp\.example/g)).toHaveLength(1);
    expect(rendered.html).toContain('<a href="mailto:rl9@ratecorp.example" style="color:#1d4ed8;text-decoration:none;">Send email</a>');
    expect(rendered.html).toContain('<a href="tel:+49891234567" style="color:#1d4ed8;text-decoration:none;">+49 89 1234567</a>');
  });
});

describe('renderMarketingReport', () => {
  const marketing = renderMarketingReport(report, config);

  it('summarises the last day in the subject with the counts behind the share, and the week’s missed follow-ups, each after its days', () => {
    expect(marketing.subject).toBe('Speed to lead · Wed 25 Nov: 7 leads, 2 of 4 due contacted within SLA · 19–25 Nov: 4 missed follow-ups');
  });

  it('says which days it covers above its heading', () => {
    expect(visibleText(marketing.html)).toContain('Speed to lead · Wed 25 Nov and the 7 days to it');
  });

  it('defines “Not yet” as either of its cases, not both at once', () => {
    expect(marketing.text).toContain('“Not yet”: missed, or still inside the deadline.');
    expect(visibleText(marketing.html)).toContain('“Not yet”: missed, or still inside the deadline.');
  });

  it('does not dress up a tiny denominator as a percentage in the subject', () => {
    // 17 leads on Wed 25 Nov: 4 answered within 3 minutes, 13 arrived in the evening and are due Thu 13:00 CET.
    const answered = ['08', '09', '10', '11'].map((hour) =>
      seedLead({ leadId: `A${hour}`, formId: 'demo-request', receivedAt: `2026-11-25T${hour}:00:00Z`, status: 'contacted', name: `Answered ${hour}`, email: `a${hour}@example.com`, ownerId: 'ana', firstContactAt: `2026-11-25T${hour}:03:00Z` }),
    );
    const pending = Array.from({ length: 13 }, (_, n) =>
      seedLead({ leadId: `P${n}`, formId: 'demo-request', receivedAt: `2026-11-25T19:${String(n).padStart(2, '0')}:00Z`, status: 'open', name: `Pending ${n}`, email: `p${n}@example.com`, ownerId: 'ana' }),
    );
    const tiny = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config, overdue: [], window7d: [...answered, ...pending] });
    expect(renderMarketingReport(tiny, config).subject).toBe('Speed to lead · Wed 25 Nov: 17 leads, 4 of 4 due contacted within SLA');
  });

  it('gives the counts behind every within-SLA share in the tables, in HTML and text', () => {
    expect(visibleText(marketing.html)).toContain('55%6 of 11');
    expect(marketing.text).toContain('15 leads, 55% within SLA (6 of 11)');
  });

  it('shows not a fit, returning visits and spam under each row’s figures, spam only where it is counted per form', () => {
    const visible = visibleText(marketing.html);
    // The booth: L07 and L18 disqualified, L06 spam; the demo request: L14, a returning person's visit.
    expect(visible).toContain('Data Summit 2026 booth tablet');
    expect(visible).toContain('Last 7 days: 2 not a fit · 0 returning visits · 1 spam');
    expect(visible).toContain('Last 7 days: 0 not a fit · 1 returning visit · 0 spam');
    const byCampaign = visible.slice(visible.indexOf('By campaign'), visible.indexOf('By channel'));
    expect(byCampaign).toContain('Last 7 days: 2 not a fit · 0 returning visits');
    expect(byCampaign).not.toContain('spam');
    expect(marketing.text).toContain('6 leads, 67% within SLA (2 of 3), P50 20 min, P95 40 min (business hours: 20 min, 40 min), 1 missed, 1 deal, 2 not a fit, 0 returning visits, 1 spam; elapsed bands:');
    for (const term of ['Not a fit', 'Returning visits', 'Spam']) expect(marketing.text).toMatch(new RegExp(`^${term}: `, 'm'));
  });

  it('gives time to first contact in business hours beside the elapsed time, in HTML and text', () => {
    // Black Friday LinkedIn: L12, Fri 18:00 → Mon 09:30, in time: 2 d 16 h elapsed, 30 min of business time.
    const visible = visibleText(marketing.html);
    const blackFriday = visible.slice(visible.indexOf('Black Friday LinkedIn'));
    expect(blackFriday).toContain('2\u00a0d\u00a016\u00a0h');
    expect(blackFriday).toContain('Last 7 days: 0 not a fit · 0 returning visitsIn business hours: P50\u00a030\u00a0min · P95\u00a030\u00a0min');
    expect(marketing.text).toContain('1 lead, 100% within SLA (1 of 1), P50 2 d 16 h, P95 2 d 16 h (business hours: 30 min, 30 min), 0 missed');
    expect(marketing.text).toContain('0 leads, — within SLA, P50 —, P95 —, 0 missed');
  });

  it('says the bands are elapsed time, nights and weekends included, and why a lead within SLA can be over 24 h', () => {
    const visible = visibleText(marketing.html);
    expect(visible).toContain('Elapsed time to first contact');
    expect(visible).not.toContain('SLA bands');
    expect(visible).toContain('nights and weekends included');
    expect(visible).toContain('a lead from Friday evening answered on Monday morning is “Over 24 h” here, and within SLA');
    expect(marketing.text).toContain('; elapsed bands: <5m 2, 5–15m 1');
    expect(marketing.text).toMatch(/^Bands: elapsed time/m);
  });

  it('names the week’s missed follow-ups in the subject when nothing of the last day is due yet', () => {
    // Wed 25 Nov: one lead due Thu 13:00 CET. Earlier in the week: two leads nobody contacted.
    const lead = (leadId: string, receivedAt: string) => seedLead({ leadId, formId: 'demo-request', receivedAt, status: 'open', name: `Lead ${leadId}`, email: `${leadId}@example.com`, ownerId: 'ana' });
    const notDueYet = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config, overdue: [], window7d: [lead('D1', '2026-11-25T19:00:00Z'), lead('M1', '2026-11-23T09:00:00Z'), lead('M2', '2026-11-24T09:00:00Z')] });
    const rendered = renderMarketingReport(notDueYet, config);
    // "None due" is the day's; the missed follow-ups, the week's: each figure comes after its days.
    expect(rendered.subject).toBe('Speed to lead · Wed 25 Nov: 1 lead, none due yet · 19–25 Nov: 2 missed follow-ups');
    expect(rendered.text).toContain('2 missed follow-ups and 0 deals in the last 7 days');
  });

  it('gives per-source figures for both periods in the text', () => {
    expect(marketing.text).toContain(
      'Data Summit 2026 booth tablet\n' +
        '  Yesterday (Wed 25 Nov): 2 leads, — within SLA, P50 —, P95 —, 0 missed, 0 deals, 1 not a fit, 0 returning visits, 1 spam; elapsed bands: <5m 0, 5–15m 0, 15–60m 0, 1–24h 0, >24h 0, Not yet 1\n' +
        '  Last 7 days (19–25 Nov): 6 leads, 67% within SLA (2 of 3), P50 20 min, P95 40 min (business hours: 20 min, 40 min), 1 missed, 1 deal, 2 not a fit, 0 returning visits, 1 spam; elapsed bands: <5m 0, 5–15m 0, 15–60m 2, 1–24h 0, >24h 0, Not yet 2',
    );
    // P95 is L12's 3810 min = 63 h 30 min, shown to the nearest hour (half up): 64 h = 2 d 16 h.
    expect(marketing.text).toContain('  Last 7 days (19–25 Nov): 15 leads, 55% within SLA (6 of 11), P50 20 min, P95 2 d 16 h (business hours: 20 min, 4 h 30 min), 4 missed, 2 deals, 2 not a fit, 1 returning visit, 1 spam;');
    expect(marketing.text).toContain('Black Friday LinkedIn');
  });

  it('names the days each period covers, in HTML and text', () => {
    for (const body of [marketing.html, marketing.text]) {
      expect(body).toContain('7 leads yesterday (Wed 25 Nov) and 15 in the last 7 days (19–25 Nov)');
      expect(body).toContain('whole calendar days in Europe/Berlin');
    }
    expect(marketing.html).toContain('Yesterday<span');
    expect(marketing.html).toContain('Elapsed time to first contact, last 7 days (19–25 Nov)');
  });

  it('gives a channel breakdown with the same figures as the other breakdowns', () => {
    expect(marketing.text).toContain(
      'By channel\nevent: Data Summit 2026\n' +
        '  Yesterday (Wed 25 Nov): 2 leads, — within SLA, P50 —, P95 —, 0 missed, 0 deals, 1 not a fit, 0 returning visits; elapsed bands: <5m 0, 5–15m 0, 15–60m 0, 1–24h 0, >24h 0, Not yet 1\n',
    );
    // google / cpc: L01 (3 min) and L02 (10 min) yesterday, L15 (1 min) earlier in the week.
    expect(marketing.text).toContain(
      'google / cpc\n' +
        '  Yesterday (Wed 25 Nov): 2 leads, 100% within SLA (2 of 2), P50 3 min, P95 10 min (business hours: 3 min, 10 min), 0 missed, 1 deal, 0 not a fit, 0 returning visits; elapsed bands: <5m 1, 5–15m 1, 15–60m 0, 1–24h 0, >24h 0, Not yet 0\n' +
        '  Last 7 days (19–25 Nov): 3 leads, 100% within SLA (3 of 3), P50 3 min, P95 10 min (business hours: 3 min, 10 min), 0 missed, 1 deal, 0 not a fit, 0 returning visits; elapsed bands: <5m 2, 5–15m 1, 15–60m 0, 1–24h 0, >24h 0, Not yet 0',
    );
  });

  it('shows the source, campaign, channel and event tables in HTML', () => {
    for (const heading of ['By source', 'By campaign', 'By channel', 'By event', 'Elapsed time to first contact']) expect(marketing.html).toContain(heading);
    expect(marketing.html).toContain('linkedin / paid');
    expect(marketing.html).toContain('Data Summit 2026');
  });

  it('says when the day\'s leads are not due for follow-up yet, instead of a share of nothing', () => {
    const { total } = report.marketing;
    const notDueYet = { ...report, marketing: { ...report.marketing, total: { ...total, lastDay: { ...total.lastDay, withinSlaShare: null, outcomeKnown: 0 } } } };
    expect(renderMarketingReport(notDueYet, config).subject).toBe('Speed to lead · Wed 25 Nov: 7 leads, none due yet · 19–25 Nov: 4 missed follow-ups');
  });

  it('says how the week went when the last day had no new leads', () => {
    const { total } = report.marketing;
    const quietDay = { ...report, marketing: { ...report.marketing, total: { ...total, lastDay: { ...total.lastDay, captured: 0, withinSlaShare: null, outcomeKnown: 0 } } } };
    expect(renderMarketingReport(quietDay, config).subject).toBe(`Speed to lead · Wed 25 Nov: no new leads · 19–25 Nov: ${total.last7Days.captured} leads, 4 missed follow-ups`);
  });

  it('keeps each duration and band on one line, and breaks a host name only after a dot', () => {
    expect(marketing.html).toContain('4\u00a0h\u00a030\u00a0min');
    expect(marketing.html).toContain('2\u00a0d\u00a016\u00a0h');
    expect(marketing.html).toMatch(/white-space:nowrap;[^"]*">Over 24 h</);
    expect(marketing.html).toContain('via news.<wbr>ycombinator.<wbr>com');
    expect(marketing.html).not.toContain('via news.ycombinator.com');
  });

  it('says how many of the sales report’s overdue leads its missed follow-ups leave out, in HTML and text', () => {
    const clause = '4 missed follow-ups (the sales report’s overdue leads also include 1 captured before 19 Nov) and 2 deals in the last 7 days.';
    for (const body of [marketing.html, marketing.text]) expect(body).toContain(clause);
  });

  it('says nothing of the sales report when its overdue leads are all missed follow-ups here', () => {
    const inWeek = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config, overdue: overdue.filter((lead) => lead.leadId !== 'L16'), window7d });
    const rendered = renderMarketingReport(inWeek, config);
    expect(rendered.text).toContain('; 4 missed follow-ups and 2 deals in the last 7 days.');
    expect(rendered.text).not.toContain('sales report');
  });

  it('says where the sales report’s overdue leads come from on a week without leads', () => {
    const l16 = overdue.find((lead) => lead.leadId === 'L16')!;
    const onlyOld = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config, overdue: [fromIndex(l16)], window7d: [] });
    expect(renderMarketingReport(onlyOld, config).text).toContain('No leads were captured in the last 7 days (19–25 Nov); the sales report’s overdue leads include 1 captured before 19 Nov.');
  });

  it('says so when no leads came in', () => {
    const quiet = renderMarketingReport(quietReport, config);
    expect(quiet.subject).toBe('Speed to lead · Wed 25 Nov: no new leads');
    expect(quiet.text).toContain('No leads were captured in the last 7 days (19–25 Nov).');
    expect(quiet.html).not.toContain('By source');
  });
});

describe('renderRepDigest and renderEscalation', () => {
  it('gives a rep only their own overdue leads', () => {
    const ana = report.sales.byRep.find((group) => group.rep.id === 'ana')!;
    const digest = renderRepDigest(report, ana, config, links);
    expect(digest.subject).toBe('2 leads waiting for your first contact');
    expect(visibleText(digest.html)).toContain('Your overdue leads · as of Thu 26 Nov, 07:00 CET');
    expect(digest.text).toContain('Hi Ana,');
    expect(digest.html).toContain('Oliver Brown');
    expect(digest.html).toContain('Sofia Marino');
    expect(digest.html).not.toContain('Isabella Rossi');
  });

  it('tells a manager which reps hold leads past the escalation threshold', () => {
    const luis = report.escalations.find((e) => e.managerEmail === 'luis.ortega@northwind.example')!;
    const escalation = renderEscalation(report, luis, config, links);
    expect(escalation.subject).toBe('Escalation: 2 leads overdue by more than 24 hours');
    expect(visibleText(escalation.html)).toContain('Escalation · as of Thu 26 Nov, 07:00 CET');
    expect(escalation.text).toMatch(/Diego Ramos\n- Isabella Rossi[\s\S]*Maya Johnson\n- Ethan Walker/);
    expect(escalation.html).not.toContain('Chloé Dubois');
  });
});

describe('in Chromium', () => {
  // UPDATE_SCREENSHOTS=1 refreshes the PNGs the README shows; everything else goes to a temporary folder.
  const readmeScreenshots = new Set(['sales-report', 'marketing-report']);
  const scratchDir = mkdtempSync(join(tmpdir(), 'handoff-reports-'));
  const pngPath = (name: string) =>
    process.env.UPDATE_SCREENSHOTS && readmeScreenshots.has(name) ? fileURLToPath(new URL(`../fixtures/screenshots/${name}.png`, import.meta.url)) : join(scratchDir, `${name}.png`);
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it.each([
    ['sales-report', () => renderSalesReport(report, config, links).html],
    ['marketing-report', () => renderMarketingReport(report, config).html],
    ['quiet-sales-report', () => renderSalesReport(quietReport, config, links).html],
    ['rep-digest', () => renderRepDigest(withEmailProblems, withEmailProblems.sales.byRep.find((group) => group.rep.id === 'jonas')!, config, links).html],
  ])('%s fits a 700 px mail pane, loads nothing external and renders to PNG', async (name, render) => {
    const { page, refusedRequests } = await openHtml(browser, render());
    try {
      expect(refusedRequests).toEqual([]);
      // A string keeps DOM types out of a Node-only tsconfig.
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(700);
      expect((await page.locator('table[width="600"]').first().boundingBox())?.width).toBe(600);
      const png = await page.screenshot({ fullPage: true, path: pngPath(name) });
      expect(png.subarray(1, 4).toString()).toBe('PNG');
    } finally {
      await page.context().close();
    }
  });

  const emailHealth = [
    { address: 'a.very.long.address.for.the.manager@northwind-analytics-international.example', lastEvent: 'bounce' as const, lastEventAt: '2026-11-25T10:00:00Z', bounces: 2, complaints: 0, bounceType: 'Permanent', bounceSubType: 'General' },
  ];
  // Names, companies, addresses and phones with no place to break, and a lead named only by its address: they must wrap,
  // not widen the table.
  const unbreakable = [
    seedLead({
      leadId: 'W1',
      formId: 'demo-request',
      receivedAt: '2026-11-24T09:00:00Z',
      status: 'open',
      name: 'Maximilian-Alexander-Friedrich-Wilhelm',
      email: 'maximilian-alexander.friedrich-wilhelm@donaudampfschifffahrtsgesellschaftskapitaenswitwen.example',
      company: 'Donaudampfschifffahrtsschifffahrtsgesellschaftskapitänswitwen GmbH & Co. KG',
      phone: '+49 (0) 8031 / 123 456 789 - Durchwahl 12345',
      ownerId: 'jonas',
    }),
    (() => {
      const seeded = seedLead({ leadId: 'W2', formId: 'demo-request', receivedAt: '2026-11-24T09:00:00Z', status: 'open', name: 'procurement.department@internationalehandelsgesellschaft.example', email: 'procurement.department@internationalehandelsgesellschaft.example', ownerId: 'jonas' });
      return { ...seeded, contact: { email: seeded.contact.email, emailDisplay: seeded.contact.emailDisplay, phone: '+496211234567890' } };
    })(),
  ];
  const withEmailProblems = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config, overdue: [...overdue, ...unbreakable], window7d, emailHealth });
  it.each([
    ['sales-report', () => renderSalesReport(withEmailProblems, config, links).html],
    ['marketing-report', () => renderMarketingReport(report, config).html],
    ['rep-digest', () => renderRepDigest(withEmailProblems, withEmailProblems.sales.byRep.find((group) => group.rep.id === 'jonas')!, config, links).html],
    ['escalation', () => renderEscalation(report, report.escalations[1]!, config, links).html],
  ])('%s fits a 375 px phone without scrolling sideways', async (name, render) => {
    const { page } = await openHtml(browser, render(), { width: 375, height: 812 });
    try {
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      await page.screenshot({ fullPage: true, path: join(scratchDir, `${name}-375.png`) });
    } finally {
      await page.context().close();
    }
  });

  // Beside a deadline and an overdue column the lead kept some 80 px, and names and addresses broke letter by letter.
  it.each([
    ['sales-report', () => renderSalesReport(report, config, links).html],
    ['rep-digest', () => renderRepDigest(report, report.sales.byRep.find((group) => group.rep.id === 'ana')!, config, links).html],
    ['escalation', () => renderEscalation(report, report.escalations.find((e) => e.managerEmail === 'luis.ortega@northwind.example')!, config, links).html],
  ])('%s gives each lead’s name and contact details most of a 375 px phone’s width', async (name, render) => {
    const { page } = await openHtml(browser, render(), { width: 375, height: 812 });
    try {
      for (const lead of ['Sofia Marino', 'Oliver Brown', 'Isabella Rossi', 'Ethan Walker']) {
        const cells = page.locator('td', { hasText: lead });
        if ((await cells.count()) === 0) continue;
        // The innermost cell that holds the name: every other match is a table around it.
        const width = (await cells.last().boundingBox())?.width ?? 0;
        expect(width, `${lead} in the ${name}`).toBeGreaterThanOrEqual(250);
      }
      // Tap-friendly: Apple asks for 44 pt, Material for 48 dp; 40 px is what a row of the report can spare.
      for (const link of await page.getByRole('link', { name: 'Mark contacted' }).all()) expect((await link.boundingBox())?.height).toBeGreaterThanOrEqual(40);
      expect(await page.getByRole('link', { name: 'Mark contacted' }).count()).toBeGreaterThan(0);
      await page.screenshot({ fullPage: true, path: join(scratchDir, `${name}-leads-375.png`) });
    } finally {
      await page.context().close();
    }
  });
});

describe('a show’s worth of overdue leads', () => {
  // 3,000 overdue scans for one rep made a 9 MB sales report, near the 10 MB SES refuses.
  const l16 = overdue.find((lead) => lead.leadId === 'L16')!;
  const many = Array.from({ length: 3000 }, (_, index) => ({ ...l16, leadId: `BULK${String(index).padStart(4, '0')}` }));
  const big = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config, overdue: many, window7d: [] });
  const [group] = big.sales.byRep;

  it('lists a few leads per email, says how many more and where, and keeps every lead in the CSV', () => {
    expect(group!.leads).toHaveLength(3000);
    const sales = renderSalesReport(big, config, links);
    expect(Buffer.byteLength(sales.html)).toBeLessThan(100_000);
    expect(sales.html).toContain('and 2990 more, in the attached CSV.');
    expect(sales.text).toContain('and 2990 more, in the attached CSV.');
    expect(sales.csv.trimEnd().split('\r\n')).toHaveLength(1 + 3000);

    // A digest and an escalation that list only some carry all of them as a CSV, as the sales report does.
    const digest = renderRepDigest(big, group!, config, links);
    expect(Buffer.byteLength(digest.html)).toBeLessThan(150_000);
    expect(digest.text).toContain('and 2960 more, in the attached CSV.');
    expect(digest.html).toContain('and 2960 more, in the attached CSV.');
    expect(digest.csv!.trimEnd().split('\r\n')).toHaveLength(1 + 3000);
    expect(digest.subject).toMatch(/^3000 leads waiting/);

    const escalation = renderEscalation(big, big.escalations[0]!, config, links);
    expect(Buffer.byteLength(escalation.html)).toBeLessThan(100_000);
    expect(escalation.text).toMatch(/and \d+ more, in the attached CSV\./);
    expect(escalation.csv!.trimEnd().split('\r\n')).toHaveLength(1 + big.escalations[0]!.leadCount);
  });

  it('attaches no CSV to a digest or an escalation that lists every lead', () => {
    expect(renderRepDigest(report, report.sales.byRep[0]!, config, links)).not.toHaveProperty('csv');
    expect(renderEscalation(report, report.escalations[0]!, config, links)).not.toHaveProperty('csv');
  });
});

describe('the marketing report’s band bars', () => {
  it('draw a sliver labelled "<1%" for 1 lead of 610, and label 609 of 610 ">99%", not 0% and 100%', () => {
    const total = report.marketing.total;
    const bands = { under5m: 609, '5to15m': 0, '15to60m': 0, '1to24h': 0, over24h: 1, notYet: 0 };
    const skewed: NightlyReport = { ...report, marketing: { ...report.marketing, total: { ...total, last7Days: { ...total.last7Days, bands } } } };
    const { html } = renderMarketingReport(skewed, config);
    const bandRow = (label: string) => html.match(new RegExp(`<tr><td[^>]*>${label}</td>.*?</tr></table></td></tr>`))?.[0] ?? '';
    expect(bandRow('Over 24 h')).toMatch(/<td width="1%"[^>]*>&nbsp;<\/td><td[^>]*>&lt;1%<\/td>/);
    expect(bandRow('Under 5 min')).toMatch(/<td width="100%"[^>]*>&nbsp;<\/td><td[^>]*>&gt;99%<\/td>/);
  });
});

describe('formatShare: never 0 percent for some, nor 100 percent for not all', () => {
  it.each([
    [null, '—'], [0, '0%'], [5 / 3183, '<1%'], [0.554, '55%'], [3182 / 3183, '>99%'], [1, '100%'],
  ])('shows %s as %s', (share, shown) => {
    expect(formatShare(share)).toBe(shown);
  });
});
