/**
 * headerSafe is the first of two layers against header injection (nodemailer's own encoding is the second,
 * covered by test/reliability/email-headers.test.ts): each layer is tested on its own, so losing either fails.
 */
import { describe, expect, it } from 'vitest';
import { headerSafe } from '../../shared/domain/render/html.ts';

describe('headerSafe', () => {
  it.each([
    ['Demo\r\nBcc: attacker@evil.example', 'Demo Bcc: attacker@evil.example'],
    ['Demo\nBcc: x', 'Demo Bcc: x'],
    ['Demo\rBcc: x', 'Demo Bcc: x'],
    ['a\0b', 'a b'],
    ['tab\there', 'tab here'],
    ['bell\u0007 and del\u007f', 'bell and del'],
    ['  padded\r\n\r\n  ', 'padded'],
    ['New lead: Acme\u202e moc.elgoog · score 54', 'New lead: Acme moc.elgoog · score 54'],
    ['\u2066isolated\u2069 name', 'isolated name'],
  ])('flattens %j to one clean line', (input, expected) => {
    expect(headerSafe(input)).toBe(expected);
  });

  it('never returns CR, LF, NUL or another control character, and keeps to its length', () => {
    const nasty = Array.from({ length: 64 }, (_, code) => `x${String.fromCharCode(code)}`).join('').repeat(10);
    const safe = headerSafe(nasty, 120);
    expect(safe).not.toMatch(/[\u0000-\u001f\u007f]/);
    expect(safe.length).toBeLessThanOrEqual(120);
  });
});
