import { describe, expect, it } from 'vitest';
import { buildNightlyReport, type EmailHealthMark } from '../../shared/domain/report.ts';
import { renderSalesReport } from '../../shared/domain/render/reports.ts';
import { NOW, REPORT_DATE, overdue, scenarioConfig as config, window7d } from '../fixtures/nightly-scenario.ts';

const links = (leadId: string) => `https://handoff.example/actions/${leadId}`;
const HOUR = 3_600_000;
const hoursBeforeNow = (hours: number) => new Date(NOW.getTime() - hours * HOUR).toISOString();

const marks: EmailHealthMark[] = [
  { address: 'ana.silva@northwind.example', lastEvent: 'bounce', lastEventAt: hoursBeforeNow(30), bounces: 2, complaints: 0, bounceType: 'Permanent', bounceSubType: 'General' },
  { address: 'sales-leads@northwind.example', lastEvent: 'complaint', lastEventAt: hoursBeforeNow(5), bounces: 0, complaints: 1, complaintFeedbackType: 'abuse' },
  { address: 'eva.klein@northwind.example', lastEvent: 'bounce', lastEventAt: hoursBeforeNow(2), bounces: 1, complaints: 0, bounceType: 'Transient', bounceSubType: 'MailboxFull' },
  { address: 'left.company@northwind.example', lastEvent: 'bounce', lastEventAt: hoursBeforeNow(1), bounces: 1, complaints: 0, bounceType: 'Permanent', bounceSubType: 'NoEmail' },
  { address: 'jonas.weber@northwind.example', lastEvent: 'bounce', lastEventAt: hoursBeforeNow(7 * 24 + 1), bounces: 4, complaints: 0, bounceType: 'Permanent', bounceSubType: 'General' },
  { address: 'maya.johnson@northwind.example', lastEvent: 'complaint', lastEventAt: new Date(NOW.getTime() + HOUR).toISOString(), bounces: 0, complaints: 1 },
];

const report = buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config, overdue, window7d, emailHealth: marks });

describe('email problems in the nightly report', () => {
  it('lists the addresses SES reported in the 7 days before the run, most recent first, with whose address it is', () => {
    expect(report.emailProblems.map((problem) => [problem.address, problem.roles])).toEqual([
      ['left.company@northwind.example', []],
      ['eva.klein@northwind.example', ['manager of Ana Silva, Jonas Weber']],
      ['sales-leads@northwind.example', ['sales report recipient']],
      ['ana.silva@northwind.example', ['rep Ana Silva']],
    ]);
  });

  it('is empty when nothing was reported, and without marks at all', () => {
    expect(buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config, overdue, window7d }).emailProblems).toEqual([]);
  });

  it('shows them in the sales report, html and text, naming hard and soft bounces and complaints', () => {
    const sales = renderSalesReport(report, config, links);
    expect(sales.html).toContain('Email problems');
    // Long addresses wrap between their labels on a phone, not mid-word.
    expect(sales.html).toContain('ana.<wbr>silva@northwind.<wbr>example');
    expect(sales.html).toContain('hard bounce (General)');
    expect(sales.text).toContain('Email problems:');
    expect(sales.text).toMatch(/- ana\.silva@northwind\.example \(rep Ana Silva\): hard bounce \(General\), 2 bounces; last /);
    expect(sales.text).toMatch(/- eva\.klein@northwind\.example \(manager of Ana Silva, Jonas Weber\): soft bounce \(MailboxFull\), 1 bounce; last /);
    expect(sales.text).toMatch(/- sales-leads@northwind\.example \(sales report recipient\): complaint \(abuse\), 1 complaint; last /);
    expect(sales.text).not.toContain('jonas.weber@northwind.example');
  });

  it('leaves the section out when there is nothing to show', () => {
    const quiet = renderSalesReport(buildNightlyReport({ reportDate: REPORT_DATE, now: NOW, config, overdue, window7d }), config, links);
    expect(quiet.html).not.toContain('Email problems');
    expect(quiet.text).not.toContain('Email problems');
  });

  it('escapes an address like any other value', () => {
    const hostile = buildNightlyReport({
      reportDate: REPORT_DATE, now: NOW, config, overdue: [], window7d: [],
      emailHealth: [{ address: '"<img src=x onerror=alert(1)>"@evil.example', lastEvent: 'complaint', lastEventAt: hoursBeforeNow(1), bounces: 0, complaints: 1 }],
    });
    const html = renderSalesReport(hostile, config, links).html;
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});
