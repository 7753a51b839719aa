import { describe, expect, it } from 'vitest';
import { formatTable } from '../../bin/commands/leads.ts';
import type { Lead } from '../../shared/domain/lead.ts';

const lead = (name: string, email: string): Lead => ({
  leadId: 'ld_0000000000000000000a', formId: 'demo-request', formKind: 'website', status: 'open', receivedAt: '2026-11-26T10:00:00.000Z',
  followUpDeadline: '2026-11-26T14:00:00.000Z', contact: { email, emailDisplay: email, name }, answers: {}, tracking: { utm: {} }, ownerId: 'ana',
});

/** The terminal column where `text` starts in `line`: CJK characters take two columns. */
const columnOf = (line: string, text: string) => [...line.slice(0, line.indexOf(text))].reduce((width, char) => width + (/[\u4e00-\u9fff]/.test(char) ? 2 : 1), 0);

describe('handoff leads table', () => {
  it('lines up columns after wide (CJK) names', () => {
    const [, , cjk, latin] = formatTable([lead('李小龙', 'li@example-corp.cn'), lead('Ana Ng', 'ana@ng.io')]).split('\n');
    expect(columnOf(cjk!, 'li@example-corp.cn')).toBe(columnOf(latin!, 'ana@ng.io'));
  });
});
