/**
 * Form tools sign their webhooks with a secret they share with the receiver, each in its own documented way. A form
 * that asks for signed webhooks is checked here against its tool's scheme, over the body's bytes as they arrived: a
 * signature over re-serialised JSON would break on any whitespace or key-order difference.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookVendor } from '../config/schema.ts';

export interface SignedRequest {
  method: string;
  /** The URL the sender posted to, scheme, host, path and query as sent: HubSpot signs it. */
  url: string;
  /** A header's value by its name in any case. */
  header: (name: string) => string | undefined;
  body: Uint8Array;
}

export type SignatureCheck = { ok: true } | { ok: false; problem: 'missing' | 'invalid' | 'expired'; message: string };

/** Webflow and HubSpot sign the time of sending too; an older delivery may be a replay of a captured one. */
const MAX_AGE_MS = 5 * 60_000;
const MIN_MILLISECOND_DIGITS = 12;

interface Scheme {
  vendor: string;
  signatureHeader: string;
  /** What the signature value starts with before its digest (Typeform's `sha256=`). */
  prefix?: string;
  encoding: 'base64' | 'hex';
  /** The header carrying the time of sending in milliseconds, for the schemes that sign it. */
  timestampHeader?: string;
  /** What the HMAC is taken over, in order. */
  signed: (request: SignedRequest, timestamp: string) => Array<string | Uint8Array>;
}

const SCHEMES: Record<WebhookVendor, Scheme> = {
  typeform: { vendor: 'Typeform', signatureHeader: 'Typeform-Signature', prefix: 'sha256=', encoding: 'base64', signed: ({ body }) => [body] },
  tally: { vendor: 'Tally', signatureHeader: 'Tally-Signature', encoding: 'base64', signed: ({ body }) => [body] },
  webflow: {
    vendor: 'Webflow', signatureHeader: 'x-webflow-signature', encoding: 'hex', timestampHeader: 'x-webflow-timestamp',
    signed: ({ body }, timestamp) => [`${timestamp}:`, body],
  },
  hubspot: {
    vendor: 'HubSpot', signatureHeader: 'X-HubSpot-Signature-v3', encoding: 'base64', timestampHeader: 'X-HubSpot-Request-Timestamp',
    signed: ({ method, url, body }, timestamp) => [`${method}${hubspotUri(url)}`, body, timestamp],
  },
};

/** HubSpot signs the URI with these escapes decoded, and every other one as sent. */
const HUBSPOT_DECODED: Record<string, string> = {
  '%3A': ':', '%2F': '/', '%3F': '?', '%40': '@', '%21': '!', '%24': '$', '%27': "'", '%28': '(', '%29': ')', '%2A': '*', '%2C': ',', '%3B': ';',
};
const hubspotUri = (url: string) => url.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (escape) => HUBSPOT_DECODED[escape.toUpperCase()]!);

const DIGEST_BYTES = 32;

/**
 * Whether `request` carries `vendor`'s valid signature made with `secret`. The digest is compared in constant time;
 * the time of sending is judged only once the signature holds, so `expired` always means a genuine but old delivery.
 */
export function checkWebhookSignature(vendor: WebhookVendor, request: SignedRequest, secret: string, now: Date): SignatureCheck {
  const scheme = SCHEMES[vendor];
  const presented = request.header(scheme.signatureHeader);
  if (!presented) return { ok: false, problem: 'missing', message: `the ${scheme.signatureHeader} header is missing: this form takes only webhooks signed by ${scheme.vendor}` };
  const timestamp = scheme.timestampHeader ? request.header(scheme.timestampHeader) : '';
  if (scheme.timestampHeader && !timestamp) {
    return { ok: false, problem: 'missing', message: `the ${scheme.timestampHeader} header is missing: ${scheme.vendor} signs the time of sending with the body` };
  }
  if (scheme.timestampHeader && !/^\d{1,15}$/.test(timestamp!)) {
    return { ok: false, problem: 'invalid', message: `the ${scheme.timestampHeader} header must be the time of sending in milliseconds` };
  }
  // Milliseconds since 1970 have had 12 digits since 1973 (13 today); a shorter number is seconds, which a sender
  // signing with the wrong unit would otherwise only ever hear of as an "old" delivery.
  if (scheme.timestampHeader && timestamp!.length < MIN_MILLISECOND_DIGITS) {
    return { ok: false, problem: 'invalid', message: `the ${scheme.timestampHeader} header must be the time of sending in milliseconds, not seconds: ${timestamp!.length} digits are too few` };
  }

  const hmac = createHmac('sha256', secret);
  for (const part of scheme.signed(request, timestamp!)) hmac.update(part);
  const digest = decodeDigest(presented, scheme);
  if (!digest || !timingSafeEqual(digest, hmac.digest())) {
    return { ok: false, problem: 'invalid', message: `the ${scheme.signatureHeader} header does not match this request: it must be ${scheme.vendor}'s signature made with this form's signing secret` };
  }
  if (scheme.timestampHeader && Math.abs(now.getTime() - Number(timestamp)) > MAX_AGE_MS) {
    const why = Number(timestamp) > now.getTime()
      ? ', ahead of it: a delivery dated that far ahead is refused as a possible replay; check the sending clock'
      : ': a delivery that old is refused as a possible replay';
    return { ok: false, problem: 'expired', message: `the ${scheme.timestampHeader} header is more than 5 minutes away from now${why}` };
  }
  return { ok: true };
}

/**
 * A 401 must name how to authenticate (RFC 9110 §11.6.1). No registered scheme covers a form tool's HMAC header, so
 * the challenge names the header and the tool that signs it: `HMAC-SHA256 realm="form contact-typeform",
 * header="Typeform-Signature", signer="Typeform"`.
 */
export function signatureChallenge(vendor: WebhookVendor, formId: string): string {
  const scheme = SCHEMES[vendor];
  return `HMAC-SHA256 realm="form ${formId}", header="${scheme.signatureHeader}", signer="${scheme.vendor}"`;
}

/** The presented digest, or undefined when the value is not one digest in the scheme's single spelling. */
function decodeDigest(value: string, { prefix = '', encoding }: Scheme): Buffer | undefined {
  if (!value.startsWith(prefix)) return undefined;
  const encoded = value.slice(prefix.length);
  const digest = Buffer.from(encoded, encoding);
  // Node's decoders skip what they cannot read; re-encoding gives every digest exactly one accepted spelling.
  const canonical = encoding === 'hex' ? encoded.toLowerCase() : encoded;
  return digest.length === DIGEST_BYTES && digest.toString(encoding) === canonical ? digest : undefined;
}
