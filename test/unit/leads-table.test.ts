import { describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import { formatTable } from '../../bin/commands/leads.ts';
import type { Lead } from '../../shared/domain/lead.ts';

const lead = (name: string, email: string, company?: string): Lead => ({
  leadId: 'ld_0000000000000000000a', formId: 'demo-request', formKind: 'website', status: 'open', receivedAt: '2026-11-26T10:00:00.000Z',
  followUpDeadline: '2026-11-26T14:00:00.000Z', contact: { email, emailDisplay: email, name, company }, answers: {}, tracking: { utm: {} }, ownerId: 'ana',
});

/** The terminal column where `text` starts in `line`, as a terminal counts columns. */
const columnOf = (line: string, text: string) => stringWidth(line.slice(0, line.indexOf(text)));
const rowsOf = (leads: Lead[]) => formatTable(leads, { timezone: 'Europe/Berlin' }).split('\n').slice(2);

describe('handoff leads table', () => {
  it('shows times in the organisation’s timezone, the one --days and the reports count days in', () => {
    const justAfterMidnight = { ...lead('Ana Ng', 'ana@ng.io'), receivedAt: '2026-11-25T23:30:00.000Z', followUpDeadline: '2026-11-26T13:00:00.000Z' };
    const [header, , row] = formatTable([justAfterMidnight], { timezone: 'Europe/Berlin', deadlines: new Date('2026-11-26T00:00:00Z') }).split('\n');
    expect(header).toMatch(/^received \(Europe\/Berlin\)\s.*\sdeadline \(Europe\/Berlin\)$/);
    expect(row).toMatch(/^2026-11-26 00:30\s.*\s2026-11-26 14:00$/);
  });

  it('shows a phone-only booth lead’s phone in the email-or-phone column', () => {
    const phoneOnly: Lead = { ...lead('Lukas Brandt', ''), formId: 'data-summit-booth', formKind: 'event', contact: { name: 'Lukas Brandt', phone: '+49 171 1234567' } };
    const [header, , row] = formatTable([phoneOnly, lead('Ana Ng', 'ana@ng.io')], { timezone: 'Europe/Berlin' }).split('\n');
    expect(row).toContain('+49 171 1234567');
    expect(columnOf(row!, '+49 171 1234567')).toBe(columnOf(header!, 'email or phone'));
  });

  it('lines up columns after wide (CJK) names', () => {
    const [cjk, latin] = rowsOf([lead('李小龙', 'li@example-corp.cn'), lead('Ana Ng', 'ana@ng.io')]);
    expect(columnOf(cjk!, 'li@example-corp.cn')).toBe(columnOf(latin!, 'ana@ng.io'));
  });

  it('lines up columns after emoji sequences, flags and combining accents', () => {
    const rows = rowsOf([lead('Ana 👩‍💻 🇩🇪', 'a@x.io'), lead('Zoe\u0301 Ng', 'z@x.io'), lead('Bo', 'b@x.io')]);
    const columns = rows.map((row, index) => columnOf(row, ['a@x.io', 'z@x.io', 'b@x.io'][index]!));
    expect(new Set(columns).size).toBe(1);
  });

  it('keeps a right-to-left name inside its own column, even when it is cut to fit', () => {
    const hebrew = 'שלום '.repeat(12).trim();
    const [row] = rowsOf([lead(hebrew, 'd@x.io')]);
    const isolated = row!.match(/\u2068([^\u2069]*)\u2069/u);
    expect(isolated?.[1]).toMatch(/^שלום/u);
    expect(row!.indexOf('d@x.io')).toBeGreaterThan(row!.indexOf('\u2069'));
  });

  it('shows terminal control sequences in names and companies as placeholders, never sends them', () => {
    const table = formatTable([lead('Eve\u001b]0;owned\u0007\u001b[2J', 'e@x.io', 'Evil\u009b31m\u202eCorp')], { timezone: 'Europe/Berlin' });
    expect(table).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/u);
    expect(table).toContain('Eve\ufffd]0;owned\ufffd\ufffd[2J');
    expect(table).toContain('Evil\ufffd31m\ufffdCorp');
  });
});
