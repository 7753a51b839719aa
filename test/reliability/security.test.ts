/**
 * Security properties of the capture API: no open redirect through `_next`/`retURL`, CORS only for a form's
 * allowed origins (errors included), and no answer header that carries a line break or a header of its own.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FormConfig } from '../../shared/config/schema.ts';
import type { HttpInvocation } from '../support/local-aws.ts';
import { addressSequence, config, expectSafeAnswer, postToCapture, startCaptureHarness, type CaptureHarness } from './support/capture-harness.ts';

const RUNS = Math.max(100, Math.floor(Number(process.env.FUZZ_RUNS ?? 2000) / 10));

let harness: CaptureHarness;
const nextAddress = addressSequence(0x5);
let emailsMade = 0;
const freshEmail = () => `sec${(emailsMade += 1)}.${Date.now().toString(36)}@acme-corp.com`;

beforeAll(async () => {
  harness = await startCaptureHarness('security');
});

/** Every header an answer of the capture API may carry; anything else was injected. */
const KNOWN_HEADERS = new Set([
  'content-type', 'location', 'vary', 'retry-after', 'apigw-requestid', 'content-security-policy', 'x-content-type-options',
  'access-control-allow-origin', 'access-control-allow-methods', 'access-control-allow-headers', 'access-control-max-age',
]);

function expectCleanHeaders(response: HttpInvocation) {
  for (const [name, value] of Object.entries(response.headers)) {
    expect(KNOWN_HEADERS.has(name), `unexpected header ${name}: ${value}`).toBe(true);
    expect(value, `header ${name}`).not.toMatch(/[\r\n\0]/);
  }
}

function browserPost(formId: string, fields: Array<[string, string]>, headers: Record<string, string> = {}) {
  return postToCapture(harness.capture, {
    formId,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...headers },
    body: new URLSearchParams(fields).toString(),
    sourceIp: nextAddress(),
  });
}

/** A redirect must land on the form's own page or on one of its allowed origins. */
function expectRedirectOnAllowedOrigin(form: FormConfig, response: HttpInvocation, requested: string) {
  expect(response.statusCode, response.body.slice(0, 300)).toBe(303);
  const location = response.headers.location!;
  const target = new URL(location);
  expect(form.allowedOrigins, `redirected to ${location} for ${JSON.stringify(requested)}`).toContain(target.origin);
  let requestedOrigin: string | undefined;
  try {
    requestedOrigin = new URL(requested.trim()).origin;
  } catch {
    requestedOrigin = undefined;
  }
  if (!requestedOrigin || !form.allowedOrigins.includes(requestedOrigin)) expect(location).toBe(form.redirectUrl);
}

const REDIRECT_TRICKS = [
  'javascript:alert(1)', ' javascript:alert(1)', 'java\tscript:alert(1)', 'JAVASCRIPT:alert(1)', 'javascript://www.northwind.example/%0Aalert(1)',
  'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==', 'vbscript:msgbox(1)', 'file:///etc/passwd', 'blob:https://www.northwind.example/uuid',
  '//evil.example', '///evil.example', '\\\\evil.example', '/\\evil.example', 'https:evil.example', 'https:/evil.example', 'https:///evil.example',
  'https://evil.example', 'http://evil.example', 'https://evil.example#https://www.northwind.example', 'https://evil.example?u=https://www.northwind.example',
  'https://www.northwind.example.evil.com', 'https://www.northwind.example%2eevil.com', 'https://www.northwind.example%00.evil.com',
  'https://www.northwind.example@evil.example', 'https://www.northwind.example:443@evil.example', 'https://user:pass@evil.example/www.northwind.example',
  'https://evil.example\\@www.northwind.example', 'https://evil.example%5C@www.northwind.example', 'https://evil.example/\\www.northwind.example',
  'http://www.northwind.example', 'https://www.northwind.example:8443', 'https://northwind.example', 'https://WWW.NORTHWIND.EXAMPLE.evil.com',
  'http://localhost:3000.evil.example', 'http://localhost:30000', 'http://localhost', 'https://localhost:3000', 'http://127.0.0.1:3000',
  'http://[::1]:3000', 'http://0x7f.0.0.1:3000', 'https://www.northwind.exampl', 'https://www.northwind.example./x', 'https://xn--www-northwind.example',
  'https://www.northwind.example\r\nSet-Cookie: a=1', 'https://www.northwind.example/%0d%0aSet-Cookie:%20a=1', 'https://www.northwind.example/\u2028x',
  'https://www.northwind.example/ok', 'HTTPS://WWW.NORTHWIND.EXAMPLE/ok', 'https://www.northwind.example:443/ok', 'http://localhost:3000/ok?x=<script>',
  '', ' ', '/relative', '?next=1', '#frag', 'thanks.html', '%2F%2Fevil.example',
];

describe('open redirect: _next / retURL never leave the allowed origins', () => {
  it.each(config.forms.flatMap((form) => ['_next', 'retURL', 'returl', 'next'].map((field) => [form.id, field] as const)))('%s, field %s, over the trick corpus', async (formId, field) => {
    const form = config.forms.find((candidate) => candidate.id === formId)!;
    for (const requested of REDIRECT_TRICKS) {
      const response = await browserPost(formId, [['email', freshEmail()], [field, requested]]);
      expectSafeAnswer(response);
      expectCleanHeaders(response);
      expectRedirectOnAllowedOrigin(form, response, requested);
    }
  });

  it('holds for generated URLs (web URLs, allowed hosts with tricks appended, random text)', { timeout: 300_000 }, async () => {
    const allowedHosts = [...new Set(config.forms.flatMap((form) => form.allowedOrigins.map((origin) => new URL(origin).host)))];
    const requestedUrl = fc.oneof(
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.tuple(fc.constantFrom('http://', 'https://', '//', 'HTTPS://', 'https:/', ''), fc.constantFrom(...allowedHosts), fc.constantFrom('', '.', '.evil.com', '@evil.com', ':1', '%2f', '\\', '/x', '#', '?'), fc.webPath())
        .map(([scheme, host, suffix, path]) => `${scheme}${host}${suffix}${path}`),
      fc.string({ unit: 'binary', maxLength: 60 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...config.forms), fc.constantFrom('_next', 'retURL'), requestedUrl, async (form, field, requested) => {
        const response = await browserPost(form.id, [['email', freshEmail()], [field, requested]]);
        expectSafeAnswer(response);
        expectCleanHeaders(response);
        expectRedirectOnAllowedOrigin(form, response, requested);
      }),
      { numRuns: RUNS },
    );
  });

  it('an error answer to a browser is a page, never a redirect', async () => {
    const response = await browserPost(config.forms[0]!.id, [['email', 'not-an-email'], ['_next', 'https://evil.example']]);
    expect(response.statusCode).toBe(422);
    expect(response.headers.location).toBeUndefined();
  });
});

describe('CORS answers only allowed origins', () => {
  const origins = [
    ...new Set(config.forms.flatMap((form) => form.allowedOrigins)),
    'null', 'https://evil.example', 'http://localhost:3000/', 'HTTP://LOCALHOST:3000', 'http://localhost:3000.evil.example', 'https://www.northwind.example.evil.com',
    'http://www.northwind.example', 'https://www.northwind.example:443', '*', '', 'http://localhost:3000, https://evil.example',
  ];
  type Kind = 'preflight' | 'valid post' | '422' | '415' | '400' | '413' | 'unknown form';
  const kinds: Kind[] = ['preflight', 'valid post', '422', '415', '400', '413', 'unknown form'];

  function request(kind: Kind, formId: string, origin: string) {
    const base = { formId, sourceIp: nextAddress() };
    const jsonHeaders = { origin, 'content-type': 'application/json' };
    switch (kind) {
      case 'preflight': return postToCapture(harness.capture, { ...base, method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
      case 'valid post': return postToCapture(harness.capture, { ...base, headers: jsonHeaders, body: JSON.stringify({ email: freshEmail() }) });
      case '422': return postToCapture(harness.capture, { ...base, headers: jsonHeaders, body: JSON.stringify({ email: 'nope' }) });
      case '415': return postToCapture(harness.capture, { ...base, headers: { origin, 'content-type': 'text/plain' }, body: 'x' });
      case '400': return postToCapture(harness.capture, { ...base, headers: jsonHeaders, body: '{' });
      case '413': return postToCapture(harness.capture, { ...base, headers: jsonHeaders, body: JSON.stringify({ email: freshEmail(), pad: 'p'.repeat(40_000) }) });
      case 'unknown form': return postToCapture(harness.capture, { ...base, formId: 'no-such-form', headers: jsonHeaders, body: JSON.stringify({ email: freshEmail() }) });
    }
  }

  it.each(config.forms.flatMap((form) => kinds.map((kind) => [form.id, kind] as const)))('%s: %s from every origin', async (formId, kind) => {
    const form = config.forms.find((candidate) => candidate.id === formId)!;
    for (const origin of origins) {
      const response = await request(kind, formId, origin);
      expectSafeAnswer(response);
      expectCleanHeaders(response);
      const allowed = kind !== 'unknown form' && form.allowedOrigins.includes(origin);
      expect(response.headers['access-control-allow-origin'], `${kind} from ${JSON.stringify(origin)}`).toBe(allowed ? origin : undefined);
      if (allowed) expect(response.headers.vary).toMatch(/origin/i);
      // A browser post from an origin the form does not allow is refused outright, so nothing is stored.
      if (!allowed && origin !== '' && kind === 'valid post') expect(response.statusCode).toBe(403);
      if (kind === 'preflight') expect(response.statusCode).toBe(allowed ? 204 : 403);
    }
  });
});

describe('no answer header carries a line break or echoes input into a header of its own', () => {
  const INJECTIONS = ['\r\nSet-Cookie: a=1', '\nX-Injected: 1', '\rLocation: https://evil.example', '%0d%0aSet-Cookie:%20a=1', '\u2028X: 1', '\u0000'];

  it.each(INJECTIONS.map((injection) => [JSON.stringify(injection), injection] as const))('injection %s in every field and header', async (_label, injection) => {
    const formId = config.forms[0]!.id;
    const fields = ['email', 'firstName', 'lastName', 'name', 'company', 'phone', 'jobTitle', 'country', 'message', '_next', 'retURL', 'pageUrl', 'utm_source', 'budget'];
    for (const field of fields) {
      for (const accept of ['text/html', 'application/json']) {
        const email = freshEmail();
        const value = field === 'email' ? `${email}${injection}` : field === '_next' || field === 'retURL' ? `https://www.northwind.example/t${injection}` : `Jane${injection}`;
        const response = await browserPost(formId, [...(field === 'email' ? [] : [['email', email] as [string, string]]), [field, value]], { accept });
        expectSafeAnswer(response);
        expectCleanHeaders(response);
      }
    }
    // Header values the gateway passes on (HTTP itself forbids CR/LF in them; a lenient proxy might not).
    for (const header of ['idempotency-key', 'user-agent', 'referer', 'cloudfront-viewer-country', 'origin', 'content-type']) {
      const response = await postToCapture(harness.capture, {
        formId,
        headers: { 'content-type': 'application/json', [header]: `${header === 'content-type' ? 'application/json' : 'x'}${injection}` },
        body: JSON.stringify({ email: freshEmail() }),
        sourceIp: nextAddress(),
      });
      expectSafeAnswer(response);
      expectCleanHeaders(response);
    }
  });
});
