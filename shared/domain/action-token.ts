/**
 * The one-click links in an owner's alert and in the nightly reports: `payload.signature`, both base64url, where the
 * payload is a compact JSON tuple and the signature an HMAC-SHA256 over the payload text. Expiry and the actor travel
 * in the signed payload; single use is the store's job, keyed by the nonce the payload carries.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import type { FollowUpAction } from './lead.ts';

/** How long a one-click link in an alert or a report stays valid. */
export const ACTION_LINK_DAYS = 14;

/** Who uses a link that went to someone other than the rep it acts for: a nightly report's recipient. */
export interface ActionActor {
  role: 'manager' | 'sales-report';
  /** The recipient's address (the sales report's addresses, comma-separated): recorded as the activity's `by`. */
  address: string;
}

export interface ActionTokenPayload {
  leadId: string;
  action: FollowUpAction;
  /** The rep the link acts for, checked against the lead's owner when it is used; without an actor, also who acts. */
  repId: string;
  /** Absent when the link went to the rep themself (every alert, a rep's digest). */
  actor?: ActionActor;
  expiresAt: Date;
  /** Random and unique per link, or shared by one lead's links in one nightly run; the store remembers used nonces. */
  nonce: string;
}

export type ActionTokenVerification =
  | { ok: true; payload: ActionTokenPayload }
  /** Signed with our secret, so the payload is ours, only too old to act on: a page may still say which lead it named. */
  | { ok: false; reason: 'expired'; payload: ActionTokenPayload }
  | { ok: false; reason: 'malformed' | 'bad-signature' };

// One letter per action (and actor role) keeps the link short; the tuple's first element versions the format.
const ACTION_CODES: Record<FollowUpAction, string> = { contacted: 'c', qualified: 'q', disqualified: 'd', reassign: 'r' };
const ACTIONS_BY_CODE = new Map(Object.entries(ACTION_CODES).map(([action, code]) => [code, action as FollowUpAction]));
const ACTOR_CODES: Record<ActionActor['role'], string> = { manager: 'm', 'sales-report': 's' };
const ACTORS_BY_CODE = new Map(Object.entries(ACTOR_CODES).map(([role, code]) => [code, role as ActionActor['role']]));
/** Version 1 has no actor; links without one are still made in it, so every link issued before actors stays valid. */
const FORMAT_VERSION = 1;
const FORMAT_VERSION_WITH_ACTOR = 2;
const SIGNATURE_BYTES = 32;
const MIN_SECRET_BYTES = 32;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const linkFields = [
  z.string().check(z.minLength(1)),
  z.enum(['c', 'q', 'd', 'r']),
  z.string().check(z.minLength(1)),
  z.number().check(z.int()),
  z.string().check(z.minLength(1)),
] as const;
const payloadTuple = z.union([
  z.tuple([z.literal(FORMAT_VERSION), ...linkFields]),
  z.tuple([z.literal(FORMAT_VERSION_WITH_ACTOR), ...linkFields, z.enum(['m', 's']), z.string().check(z.minLength(1))]),
]);

function sign(encodedPayload: string, secret: string | Buffer): Buffer {
  if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) throw new Error(`the action-link secret must be at least ${MIN_SECRET_BYTES} bytes`);
  return createHmac('sha256', secret).update(encodedPayload).digest();
}

export function createActionToken(payload: ActionTokenPayload, secret: string | Buffer): string {
  const expiresAtSeconds = Math.floor(payload.expiresAt.getTime() / 1000);
  const fields = [payload.leadId, ACTION_CODES[payload.action], payload.repId, expiresAtSeconds, payload.nonce];
  const tuple = payload.actor ? [FORMAT_VERSION_WITH_ACTOR, ...fields, ACTOR_CODES[payload.actor.role], payload.actor.address] : [FORMAT_VERSION, ...fields];
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
  const [, leadId, actionCode, repId, expiresAtSeconds, nonce, actorCode, actorAddress] = parsed.data;
  const expiresAt = new Date(expiresAtSeconds * 1000);
  const actor = actorCode && actorAddress ? { actor: { role: ACTORS_BY_CODE.get(actorCode) as ActionActor['role'], address: actorAddress } } : {};
  const payload = { leadId, action: ACTIONS_BY_CODE.get(actionCode) as FollowUpAction, repId, ...actor, expiresAt, nonce };
  if (now.getTime() >= expiresAt.getTime()) return { ok: false, reason: 'expired', payload };
  return { ok: true, payload };
}
