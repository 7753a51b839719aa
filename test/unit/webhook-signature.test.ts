import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../shared/config/load.ts';
import type { Config, WebhookVendor } from '../../shared/config/schema.ts';
import { checkWebhookSignature, type SignedRequest } from '../../shared/domain/webhook-signature.ts';
import { HttpError, SigningSecretMissingError } from '../../shared/errors.ts';
import { parseWebhookSecrets } from '../../shared/adapters/webhook-secrets.ts';
import { requireWebhookSignature } from '../../shared/usecases/webhook-signature.ts';

const SECRET = 'whsec-the-form-tools-secret';
const NOW = new Date('2026-03-02T10:00:00Z');
const URL_SENT = 'https://api.example.com/forms/contact?next=https%3A%2F%2Fwww.example.com%2Fthanks&a=%7E';
/** HubSpot's v3 scheme signs the URI with %3A, %2F and the other listed escapes decoded; %7E is not among them. */
const URL_HUBSPOT_SIGNS = 'https://api.example.com/forms/contact?next=https://www.example.com/thanks&a=%7E';
/** Whitespace and key order as the tool sent them: the signature covers these bytes, not a re-serialisation. */
const BODY = Buffer.from(readFileSync(new URL('../fixtures/vendors/typeform-form_response.json', import.meta.url)));

const hmac = (secret: string, ...parts: Array<string | Buffer>) => {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
};

/** Each vendor's headers for a body, signed exactly as its documentation describes. */
const SIGN: Record<WebhookVendor, (body: Buffer, options: { secret?: string; sentAt?: number }) => Record<string, string>> = {
  typeform: (body, { secret = SECRET }) => ({ 'Typeform-Signature': `sha256=${hmac(secret, body).toString('base64')}` }),
  tally: (body, { secret = SECRET }) => ({ 'Tally-Signature': hmac(secret, body).toString('base64') }),
  webflow: (body, { secret = SECRET, sentAt = NOW.getTime() }) => ({
    'x-webflow-timestamp': String(sentAt),
    'x-webflow-signature': hmac(secret, `${sentAt}:`, body).toString('hex'),
  }),
  hubspot: (body, { secret = SECRET, sentAt = NOW.getTime() }) => ({
    'X-HubSpot-Request-Timestamp': String(sentAt),
    'X-HubSpot-Signature-v3': hmac(secret, `POST${URL_HUBSPOT_SIGNS}`, body, String(sentAt)).toString('base64'),
  }),
};

const SIGNATURE_HEADER: Record<WebhookVendor, string> = { typeform: 'Typeform-Signature', tally: 'Tally-Signature', webflow: 'x-webflow-signature', hubspot: 'X-HubSpot-Signature-v3' };
const TIMESTAMP_HEADER = { webflow: 'x-webflow-timestamp', hubspot: 'X-HubSpot-Request-Timestamp' } as const;

/** Header names arrive lowercased from API Gateway; the lookup takes any case, as the HTTP adapter's does. */
function request(headers: Record<string, string>, body = BODY, url = URL_SENT): SignedRequest {
  const lowercased = new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  return { method: 'POST', url, header: (name) => lowercased.get(name.toLowerCase()), body };
}

const check = (vendor: WebhookVendor, signed: SignedRequest, secret = SECRET) => checkWebhookSignature(vendor, signed, secret, NOW);
const tampered = Buffer.from(BODY.toString('utf8').replace('laura@example.com', 'mallory@example.com'));
const VENDORS = Object.keys(SIGN) as WebhookVendor[];

describe('checkWebhookSignature', () => {
  describe.each(VENDORS)('%s', (vendor) => {
    it('accepts a delivery signed by the documented scheme', () => {
      expect(check(vendor, request(SIGN[vendor](BODY, {})))).toEqual({ ok: true });
    });

    it('refuses a tampered body, naming the signature header', () => {
      expect(check(vendor, request(SIGN[vendor](BODY, {}), tampered))).toEqual({ ok: false, problem: 'invalid', message: expect.stringContaining(`the ${SIGNATURE_HEADER[vendor]} header does not match`) });
    });

    it('refuses a signature made with another secret', () => {
      expect(check(vendor, request(SIGN[vendor](BODY, { secret: 'someone-elses-secret' })))).toMatchObject({ ok: false, problem: 'invalid' });
    });

    it('refuses the same bytes re-serialised: the signature covers the body as sent', () => {
      const reserialised = Buffer.from(JSON.stringify(JSON.parse(BODY.toString('utf8'))));
      expect(check(vendor, request(SIGN[vendor](BODY, {}), reserialised))).toMatchObject({ ok: false, problem: 'invalid' });
    });

    it('refuses a delivery without the signature header, naming it', () => {
      const { [SIGNATURE_HEADER[vendor]]: _left, ...others } = SIGN[vendor](BODY, {});
      expect(check(vendor, request(others))).toEqual({ ok: false, problem: 'missing', message: expect.stringContaining(`the ${SIGNATURE_HEADER[vendor]} header is missing`) });
    });

    it('refuses a signature in another spelling (hex for base64 or the reverse, or with characters its decoder would skip)', () => {
      const headers = SIGN[vendor](BODY, {});
      const name = SIGNATURE_HEADER[vendor];
      const [prefix, encoded] = vendor === 'typeform' ? ['sha256=', headers[name]!.slice(7)] : ['', headers[name]!];
      const digest = Buffer.from(encoded, vendor === 'webflow' ? 'hex' : 'base64');
      for (const respelled of [digest.toString(vendor === 'webflow' ? 'base64' : 'hex'), `${encoded}!`, `${encoded} `]) {
        expect(check(vendor, request({ ...headers, [name]: `${prefix}${respelled}` }))).toMatchObject({ ok: false, problem: 'invalid' });
      }
    });
  });

  it("refuses a Typeform signature without its sha256= prefix", () => {
    const signature = SIGN.typeform(BODY, {})['Typeform-Signature']!;
    expect(check('typeform', request({ 'Typeform-Signature': signature.slice('sha256='.length) }))).toMatchObject({ ok: false, problem: 'invalid' });
  });

  it('takes a Webflow signature in upper-case hex', () => {
    const headers = SIGN.webflow(BODY, {});
    expect(check('webflow', request({ ...headers, 'x-webflow-signature': headers['x-webflow-signature']!.toUpperCase() }))).toEqual({ ok: true });
  });

  it('checks HubSpot v3 over the method and the URI with the escapes HubSpot decodes, as sent otherwise', () => {
    const headers = SIGN.hubspot(BODY, {});
    expect(check('hubspot', request(headers, BODY, URL_SENT))).toEqual({ ok: true });
    expect(check('hubspot', request(headers, BODY, URL_SENT.replace('api.example.com', 'evil.example')))).toMatchObject({ ok: false, problem: 'invalid' });
    expect(check('hubspot', request(headers, BODY, URL_SENT.replace('%7E', '~')))).toMatchObject({ ok: false, problem: 'invalid' });
    expect(check('hubspot', { ...request(headers), method: 'PUT' })).toMatchObject({ ok: false, problem: 'invalid' });
  });

  describe.each(['webflow', 'hubspot'] as const)('%s (signs the time of sending)', (vendor) => {
    const header = TIMESTAMP_HEADER[vendor];

    it('accepts a delivery up to 5 minutes old, or as far ahead of our clock', () => {
      for (const skew of [-300_000, 300_000]) expect(check(vendor, request(SIGN[vendor](BODY, { sentAt: NOW.getTime() + skew })))).toEqual({ ok: true });
    });

    it('refuses a genuine delivery more than 5 minutes old or ahead as expired, naming the timestamp header', () => {
      for (const skew of [-300_001, 3_600_000]) {
        expect(check(vendor, request(SIGN[vendor](BODY, { sentAt: NOW.getTime() + skew })))).toEqual({ ok: false, problem: 'expired', message: expect.stringContaining(`the ${header} header is more than 5 minutes away`) });
      }
    });

    it('says a delivery dated too far ahead is ahead, and only an old one that it is old', () => {
      const old = check(vendor, request(SIGN[vendor](BODY, { sentAt: NOW.getTime() - 600_000 })));
      const ahead = check(vendor, request(SIGN[vendor](BODY, { sentAt: NOW.getTime() + 600_000 })));
      expect(old).toMatchObject({ problem: 'expired', message: expect.stringContaining('a delivery that old is refused') });
      expect(ahead).toMatchObject({ problem: 'expired', message: expect.stringContaining('ahead of it') });
      expect(ahead).not.toMatchObject({ message: expect.stringContaining('old') });
    });

    it('refuses a correctly signed timestamp in seconds as invalid, saying it must be milliseconds', () => {
      for (const sentAt of [Math.floor(NOW.getTime() / 1000), 99_999_999_999]) {
        expect(check(vendor, request(SIGN[vendor](BODY, { sentAt })))).toEqual({ ok: false, problem: 'invalid', message: expect.stringContaining(`the ${header} header must be the time of sending in milliseconds, not seconds`) });
      }
    });

    it('refuses a fresh timestamp put on an old signature: the timestamp is signed', () => {
      const stale = SIGN[vendor](BODY, { sentAt: NOW.getTime() - 3_600_000 });
      expect(check(vendor, request({ ...stale, [header]: String(NOW.getTime()) }))).toMatchObject({ ok: false, problem: 'invalid' });
    });

    it('refuses a delivery without the timestamp header, or with one that is not milliseconds, naming it', () => {
      const { [header]: _left, ...withoutTimestamp } = SIGN[vendor](BODY, {});
      expect(check(vendor, request(withoutTimestamp))).toEqual({ ok: false, problem: 'missing', message: expect.stringContaining(`the ${header} header is missing`) });
      expect(check(vendor, request({ ...withoutTimestamp, [header]: NOW.toISOString() }))).toEqual({ ok: false, problem: 'invalid', message: expect.stringContaining(`the ${header} header must be the time of sending in milliseconds`) });
    });
  });
});

describe('requireWebhookSignature', () => {
  const shipped = loadConfig('handoff.config.json');
  const config: Config = { ...shipped, forms: [...shipped.forms, { ...shipped.forms[0]!, id: 'contact-typeform', webhookSignature: { vendor: 'typeform' } }] };
  const deps = (secretFor: (formId: string) => Promise<string | undefined>) => ({ config, secretFor: vi.fn(secretFor), now: () => NOW });
  const refusal = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as HttpError);

  it('lets any post through to a form without webhookSignature, without reading a secret', async () => {
    const dependencies = deps(async () => SECRET);
    await expect(requireWebhookSignature('demo-request', () => request({}), dependencies)).resolves.toBeUndefined();
    expect(dependencies.secretFor).not.toHaveBeenCalled();
  });

  it("takes a signed form's delivery signed with its own secret", async () => {
    const dependencies = deps(async (formId) => (formId === 'contact-typeform' ? SECRET : undefined));
    await expect(requireWebhookSignature('contact-typeform', () => request(SIGN.typeform(BODY, {})), dependencies)).resolves.toBeUndefined();
  });

  it.each([
    ['signature_missing', {}, 'the Typeform-Signature header is missing'],
    ['signature_invalid', SIGN.typeform(BODY, { secret: 'wrong' }), 'the Typeform-Signature header does not match'],
  ])('refuses with 401 %s, the message naming the header', async (code, headers, message) => {
    const error = await refusal(requireWebhookSignature('contact-typeform', () => request(headers), deps(async () => SECRET)));
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ statusCode: 401, details: { code }, message: expect.stringContaining(message) });
  });

  it('answers 503 without a stack or the secret when the form has no secret configured, and says why in the cause', async () => {
    const error = await refusal(requireWebhookSignature('contact-typeform', () => request(SIGN.typeform(BODY, {})), deps(async () => undefined)));
    expect(error).toBeInstanceOf(SigningSecretMissingError);
    expect(error).toMatchObject({ statusCode: 503, expose: true, details: { code: 'signature_not_configured' }, message: 'form "contact-typeform" cannot take webhooks yet: its signing secret is not configured' });
    expect(error?.cause).toBe('the webhook secrets have no entry for form "contact-typeform"');
  });

  it('answers the same 503 when the secrets cannot be read, keeping the reason for the logs', async () => {
    const unreadable = new Error('set WEBHOOK_SECRETS_ARN (Secrets Manager) or WEBHOOK_SECRETS_FILE (a file) to provide the WEBHOOK_SECRETS secret');
    const error = await refusal(requireWebhookSignature('contact-typeform', () => request(SIGN.typeform(BODY, {})), deps(() => Promise.reject(unreadable))));
    expect(error).toMatchObject({ statusCode: 503, details: { code: 'signature_not_configured' } });
    expect(error?.cause).toBe(unreadable);
  });
});

describe('parseWebhookSecrets', () => {
  it('reads a JSON object of form ids to secrets, and finds nothing for a form without an entry', () => {
    const secrets = parseWebhookSecrets('{ "contact-typeform": "s3cret", "hubspot-leads": "another" }\n');
    expect(secrets.get('contact-typeform')).toBe('s3cret');
    expect(secrets.get('constructor')).toBeUndefined();
  });

  it.each([
    ['{"contact-typeform": "s3cret-but-no-closing-brace"', 'WEBHOOK_SECRETS is not JSON'],
    ['["s3cret-in-a-list"]', 'WEBHOOK_SECRETS must be a JSON object of form ids to signing secrets'],
    ['{"contact-typeform": ""}', 'each secret a non-empty string'],
    ['{"contact-typeform": {"secret": "s3cret-nested"}}', 'each secret a non-empty string'],
  ])('refuses %s without quoting it', (text, problem) => {
    expect(() => parseWebhookSecrets(text)).toThrow(problem);
    expect(() => parseWebhookSecrets(text)).not.toThrow(/s3cret/);
  });
});
