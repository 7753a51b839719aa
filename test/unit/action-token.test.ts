import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActionToken, verifyActionToken, type ActionActor, type ActionTokenPayload } from '../../shared/domain/action-token.ts';

const SECRET = 'test-secret-0123456789abcdef-0123456789abcdef';
const OTHER_SECRET = 'another-secret-0123456789abcdef-0123456789abc';
const NOW = new Date('2026-11-26T10:00:00.000Z');

const payload: ActionTokenPayload = {
  leadId: '01JDQ8Z7V4K3M2N1P0Q9R8S7T6',
  action: 'qualified',
  repId: 'ana',
  expiresAt: new Date('2026-12-10T10:00:00.000Z'),
  nonce: 'n8Yc2QmX4rT7wPz1aB3dEf',
};

describe('action tokens', () => {
  it('round-trips a payload through a compact, URL-safe token', () => {
    const token = createActionToken(payload, SECRET);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(token.length).toBeLessThan(200);
    expect(verifyActionToken(token, SECRET, NOW)).toEqual({ ok: true, payload });
  });

  it.each(['contacted', 'qualified', 'disqualified', 'reassign'] as const)('carries the %s action', (action) => {
    const result = verifyActionToken(createActionToken({ ...payload, action }, SECRET), SECRET, NOW);
    expect(result.ok && result.payload.action).toBe(action);
  });

  it('expires at the stated second', () => {
    const token = createActionToken(payload, SECRET);
    expect(verifyActionToken(token, SECRET, new Date(payload.expiresAt.getTime() - 1)).ok).toBe(true);
    expect(verifyActionToken(token, SECRET, payload.expiresAt)).toEqual({ ok: false, reason: 'expired', payload });
  });

  it('rejects a token signed with another secret', () => {
    expect(verifyActionToken(createActionToken(payload, OTHER_SECRET), SECRET, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a payload changed after signing, even to a valid one (another action, a later expiry)', () => {
    const token = createActionToken(payload, SECRET);
    const signature = token.split('.')[1];
    const [forgedPayload] = createActionToken({ ...payload, action: 'disqualified', expiresAt: new Date('2030-01-01T00:00:00Z') }, OTHER_SECRET).split('.');
    expect(verifyActionToken(`${forgedPayload}.${signature}`, SECRET, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('checks the signature before it judges expiry, so a forged old token says nothing about timing', () => {
    const expired = createActionToken({ ...payload, expiresAt: new Date('2020-01-01T00:00:00Z') }, OTHER_SECRET);
    expect(verifyActionToken(expired, SECRET, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it.each([
    ['empty', ''],
    ['no dot', 'abcdef'],
    ['three parts', 'a.b.c'],
    ['characters outside base64url', 'ab+/.cd=='],
    ['a short signature', 'eyJ0IjoxfQ.c2hvcnQ'],
  ])('calls a token with %s malformed', (_, token) => {
    expect(verifyActionToken(token, SECRET, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('gives each signature exactly one spelling', () => {
    const token = createActionToken(payload, SECRET);
    const last = token.at(-1)!;
    // The last of 43 base64url characters holds 2 spare bits; flipping them keeps the decoded bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[(alphabet.indexOf(last) & ~0b11) | ((alphabet.indexOf(last) + 1) & 0b11)]!;
    expect(verifyActionToken(token.slice(0, -1) + twin, SECRET, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('calls a correctly signed token with a payload of the wrong shape malformed', () => {
    const notATuple = Buffer.from(JSON.stringify({ leadId: 'x' })).toString('base64url');
    const signature = createHmac('sha256', SECRET).update(notATuple).digest('base64url');
    expect(verifyActionToken(`${notATuple}.${signature}`, SECRET, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a secret too short to sign with', () => {
    expect(() => createActionToken(payload, 'short')).toThrow(/at least 32 bytes/);
  });

  it('never accepts a token that was tampered with anywhere', () => {
    const token = createActionToken(payload, SECRET);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: token.length - 1 }), fc.constantFrom(...'ABCXYZabcxyz0189-_.'), (index, replacement) => {
        fc.pre(token[index] !== replacement);
        const tampered = token.slice(0, index) + replacement + token.slice(index + 1);
        expect(verifyActionToken(tampered, SECRET, NOW).ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps odd lead ids and nonces intact', () => {
    const odd = { ...payload, leadId: 'lead/with "quotes" & ünïcode', nonce: '.' };
    expect(verifyActionToken(createActionToken(odd, SECRET), SECRET, NOW)).toEqual({ ok: true, payload: odd });
  });
});

describe('action tokens for a report recipient', () => {
  const manager: ActionActor = { role: 'manager', address: 'eva.klein@northwind.example' };
  const withActor: ActionTokenPayload = { ...payload, action: 'contacted', actor: manager };
  /** A token's payload as its JSON tuple, and a token made from a tuple with a given signature. */
  const tupleOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as unknown[];
  const withTuple = (tuple: unknown[], signature: string) => `${Buffer.from(JSON.stringify(tuple)).toString('base64url')}.${signature}`;
  const signed = (tuple: unknown[]) => {
    const encoded = Buffer.from(JSON.stringify(tuple)).toString('base64url');
    return `${encoded}.${createHmac('sha256', SECRET).update(encoded).digest('base64url')}`;
  };

  it.each<ActionActor>([manager, { role: 'sales-report', address: 'sales-leads@northwind.example, head-of-sales@northwind.example' }])('carries the actor %j in the signed payload', (actor) => {
    const token = createActionToken({ ...withActor, actor }, SECRET);
    expect(token.length).toBeLessThan(300);
    expect(verifyActionToken(token, SECRET, NOW)).toEqual({ ok: true, payload: { ...withActor, actor } });
  });

  it('still reads a link issued before links had actors, with none', () => {
    // Made by the code of 168df07 (format 1); alerts and digests still make exactly this.
    const issuedBefore = 'WzEsIjAxSkRROFo3VjRLM00yTjFQMFE5UjhTN1Q2IiwiYyIsImFuYSIsMTc5Njg5NjgwMCwibjhZYzJRbVg0clQ3d1B6MWFCM2RFZiJd.Tdjhh7Ef5ChhmLTa-hWGWy4Cd47Dvu5xfXpxxwoeVO0';
    const rep = { ...payload, action: 'contacted' as const };
    expect(verifyActionToken(issuedBefore, SECRET, NOW)).toEqual({ ok: true, payload: rep });
    expect(createActionToken(rep, SECRET)).toBe(issuedBefore);
  });

  it('refuses a forged actor: another address, another role, or one added to a rep\'s own link', () => {
    const token = createActionToken(withActor, SECRET);
    const [, signature] = token.split('.') as [string, string];
    const tuple = tupleOf(token);
    expect(tuple.slice(-2)).toEqual(['m', manager.address]);
    expect(verifyActionToken(withTuple([...tuple.slice(0, -1), 'mallory@example.com'], signature), SECRET, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyActionToken(withTuple([...tuple.slice(0, -2), 's', manager.address], signature), SECRET, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    const repsOwn = createActionToken({ ...withActor, actor: undefined }, SECRET);
    const [, repsSignature] = repsOwn.split('.') as [string, string];
    expect(verifyActionToken(withTuple([2, ...tupleOf(repsOwn).slice(1), 'm', manager.address], repsSignature), SECRET, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('calls a correctly signed actor of the wrong shape malformed', () => {
    const fields = tupleOf(createActionToken(payload, SECRET)).slice(1);
    expect(verifyActionToken(signed([2, ...fields, 'x', manager.address]), SECRET, NOW)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyActionToken(signed([2, ...fields, 'm', '']), SECRET, NOW)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyActionToken(signed([2, ...fields]), SECRET, NOW)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyActionToken(signed([1, ...fields, 'm', manager.address]), SECRET, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('expires at the stated second, actor or not', () => {
    const token = createActionToken(withActor, SECRET);
    expect(verifyActionToken(token, SECRET, new Date(payload.expiresAt.getTime() - 1)).ok).toBe(true);
    expect(verifyActionToken(token, SECRET, payload.expiresAt)).toEqual({ ok: false, reason: 'expired', payload: withActor });
  });
});
