/**
 * The one-click links in an owner's alert: `payload.signature`, both base64url, where the payload
 * is a compact JSON tuple and the signature an HMAC-SHA256 over the payload text. Expiry travels
 * in the signed payload; single use is the store's job, keyed by the nonce the payload carries.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import type { FollowUpAction } from './lead.ts';

/** How long a one-click link in an alert or a report stays valid. */
export const ACTION_LINK_DAYS = 14;

export interface ActionTokenPayload {
  leadId: string;
  action: FollowUpAction;
  /** The rep the link was sent to: the actor recorded when it is used. */
  repId: string;
  expiresAt: Date;
  /** Random and unique per link; the store remembers used nonces. */
  nonce: string;
}

export type ActionTokenVerification =
  | { ok: true; payload: ActionTokenPayload }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

// One letter per action keeps the link short; the tuple's first element versions the format.
const ACTION_CODES: Record<FollowUpAction, string> = { contacted: 'c', qualified: 'q', disqualified: 'd', reassign: 'r' };
const ACTIONS_BY_CODE = new Map(Object.entries(ACTION_CODES).map(([action, code]) => [code, action as FollowUpAction]));
const FORMAT_VERSION = 1;
const SIGNATURE_BYTES = 32;
const MIN_SECRET_BYTES = 32;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const payloadTuple = z.tuple([
  z.literal(FORMAT_VERSION),
  z.string().check(z.minLength(1)),
  z.enum(['c', 'q', 'd', 'r']),
  z.string().check(z.minLength(1)),
  z.number().check(z.int()),
  z.string().check(z.minLength(1)),
]);

function sign(encodedPayload: string, secret: string | Buffer): Buffer {
  if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) throw new Error(`the action-link secret must be at least ${MIN_SECRET_BYTES} bytes`);
  return createHmac('sha256', secret).update(encodedPayload).digest();
}

export function createActionToken(payload: ActionTokenPayload, secret: string | Buffer): string {
  const expiresAtSeconds = Math.floor(payload.expiresAt.getTime() / 1000);
  const tuple = [FORMAT_VERSION, payload.leadId, ACTION_CODES[payload.action], payload.repId, expiresAtSeconds, payload.nonce];
  const encodedPayload = Buffer.from(JSON.stringify(tuple)).toString('base64url');
  return `${encodedPayload}.${sign(encodedPayload, secret).toString('base64url')}`;
}

/** Checks shape, then signature (in constant time), and only then reads and trusts the payload. */
export function verifyActionToken(token: string, secret: string | Buffer, now: Date): ActionTokenVerification {
  const parts = token.split('.');
  if (parts.length !== 2) return { ok: false, reason: 'malformed' };
  const [encodedPayload, encodedSignature] = parts as [string, string];
  if (!BASE64URL.test(encodedPayload) || !BASE64URL.test(encodedSignature)) return { ok: false, reason: 'malformed' };

  const presented = Buffer.from(encodedSignature, 'base64url');
  // Re-encoding rejects spare trailing bits, so each signature has exactly one spelling.
  if (presented.length !== SIGNATURE_BYTES || presented.toString('base64url') !== encodedSignature) return { ok: false, reason: 'malformed' };
  if (!timingSafeEqual(presented, sign(encodedPayload, secret))) return { ok: false, reason: 'bad-signature' };

  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(encodedPayload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const parsed = payloadTuple.safeParse(decoded);
  if (!parsed.success) return { ok: false, reason: 'malformed' };
  const [, leadId, actionCode, repId, expiresAtSeconds, nonce] = parsed.data;
  const expiresAt = new Date(expiresAtSeconds * 1000);
  if (now.getTime() >= expiresAt.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, payload: { leadId, action: ACTIONS_BY_CODE.get(actionCode) as FollowUpAction, repId, expiresAt, nonce } };
}
