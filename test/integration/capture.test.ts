import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { randomInt } from 'node:crypto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { LambdaHandler } from '../../infra/local/lambda-runtime.ts';
import { FUNCTION_SETTINGS, formSnippet } from '../../infra/stack.ts';
import { launchChromium } from '../support/screenshot.ts';
import { loadConfig } from '../../shared/config/load.ts';
import { LeadStore } from '../../shared/adapters/lead-store/store.ts';
import { StorageUnavailableError } from '../../shared/errors.ts';
import { captureLead } from '../../shared/usecases/capture-lead.ts';
import { SubmissionsSeenHere } from '../../shared/domain/rate-limit.ts';
import { asLambda } from '../support/handlers.ts';
import { createTestTable, invokeHttp, startSilentEndpoint, testDynamoDbClient } from '../support/local-aws.ts';

const config = loadConfig('handoff.config.json');
const WEBSITE = '/forms/demo-request';
const ALLOWED_ORIGIN = 'http://localhost:3000';

let capture: LambdaHandler;
let health: LambdaHandler;
let store: LeadStore;

beforeAll(async () => {
  process.env.TABLE_NAME = await createTestTable('capture');
  capture = asLambda((await import('../../functions/capture.ts')).handler);
  health = (await import('../../functions/health.ts')).handler;
  store = new LeadStore({ client: testDynamoDbClient(), tableName: process.env.TABLE_NAME, timezone: config.organisation.timezone });
});

/** Each test posts from its own address so the per-IP rate limit of one test never touches another. */
const someIp = () => `198.51.100.${randomInt(1, 254)}`;
const uniqueEmail = (name = 'jane') => `${name}.${randomInt(1e9)}@acme-corp.com`;

function postJson(body: unknown, headers: Record<string, string> = {}, url = WEBSITE, sourceIp = someIp()) {
  return invokeHttp(capture, { method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), sourceIp });
}

function postForm(fields: Record<string, string>, headers: Record<string, string> = {}, url = WEBSITE) {
  return invokeHttp(capture, {
    method: 'POST', url, sourceIp: someIp(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

describe('POST /forms/{formId}', () => {
  it('stores a JSON lead whole and answers 201 with its id', async () => {
    const email = uniqueEmail();
    const response = await postJson({ email, firstName: 'José', lastName: 'Müller', company: 'Acme Corp', jobTitle: 'VP Sales', message: 'Demo please', budget: '50k', utm_source: 'google' });
    expect(response.statusCode).toBe(201);
    const { leadId } = JSON.parse(response.body);
    const lead = await store.getLead(leadId);
    expect(lead).toMatchObject({
      leadId, formId: 'demo-request', formKind: 'website', status: 'new',
      contact: { email, firstName: 'José', lastName: 'Müller', company: 'Acme Corp', jobTitle: 'VP Sales', message: 'Demo please' },
      answers: { budget: '50k' },
      tracking: { utm: { source: 'google' } },
    });
    expect(Date.parse(lead!.followUpDeadline)).toBeGreaterThan(Date.parse(lead!.receivedAt));
    // The body as it arrived is kept beside the lead until retention.rawPayloadDays.
    expect(await store.getRawPayload(leadId)).toEqual({ contentType: 'application/json', body: expect.stringContaining('"budget":"50k"'), receivedAt: lead!.receivedAt, deletedAfter: expect.any(String) });
    expect(await store.waitingDueBy(new Date(lead!.followUpDeadline))).toEqual(expect.arrayContaining([expect.objectContaining({ leadId })]));
  });

  it('answers a plain HTML form post (base64 urlencoded, as API Gateway delivers it) with 303 to the redirect URL', async () => {
    const email = uniqueEmail();
    const response = await postForm({ email, first_name: 'Ana', last_name: 'Ng', company: 'Ng GmbH' });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(config.forms[0]!.redirectUrl);
    expect((await store.leadsOfPerson({ email: email })).map((lead) => lead.contact.firstName)).toEqual(['Ana']);
  });

  it('accepts multipart/form-data fields', async () => {
    const email = uniqueEmail();
    const boundary = '----handoff';
    const body = [`--${boundary}`, 'Content-Disposition: form-data; name="email"', '', email, `--${boundary}`, 'Content-Disposition: form-data; name="name"', '', '李小龙', `--${boundary}--`, ''].join('\r\n');
    const response = await invokeHttp(capture, { method: 'POST', url: WEBSITE, sourceIp: someIp(), headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, accept: 'application/json' }, body });
    expect(response.statusCode).toBe(201);
    expect((await store.leadsOfPerson({ email: email }))[0]?.contact.name).toBe('李小龙');
  });

  it('reads multipart fields that are not UTF-8 as Windows-1252: what a form on a page in a legacy charset sends', async () => {
    const email = uniqueEmail();
    const boundary = '----handoff';
    const part = (name: string, value: string | Buffer) => [Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`), Buffer.from(value), Buffer.from('\r\n')];
    const latin1 = (text: string) => Buffer.from(text, 'latin1');
    const message = Buffer.concat([latin1('Budget 5.000 '), Buffer.from([0x80]), latin1(', '), Buffer.from([0x93]), latin1('asap'), Buffer.from([0x94])]); // € “ ” are Windows-1252's own
    const body = Buffer.concat([...part('email', email), ...part('firstName', latin1('Jürgen')), ...part('company', latin1('Weiß Bau')), ...part('message', message), Buffer.from(`--${boundary}--\r\n`)]);
    const response = await invokeHttp(capture, { method: 'POST', url: WEBSITE, sourceIp: someIp(), headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, accept: 'application/json' }, body });
    expect(response.statusCode).toBe(201);
    expect((await store.leadsOfPerson({ email: email }))[0]?.contact).toMatchObject({ firstName: 'Jürgen', company: 'Weiß Bau', message: 'Budget 5.000 €, “asap”' });
  });

  it('follows _next only on an allowed origin', async () => {
    const onOrigin = await postForm({ email: uniqueEmail(), _next: 'https://www.northwind.example/thank-you?x=1' });
    expect(onOrigin.headers.location).toBe('https://www.northwind.example/thank-you?x=1');
    const offOrigin = await postForm({ email: uniqueEmail(), retURL: 'https://evil.example/phish' });
    expect(offOrigin.headers.location).toBe(config.forms[0]!.redirectUrl);
  });

  it.each(['hubspot-forms-v3.json', 'webflow-form_submission.json', 'typeform-form_response.json'])('takes a %s webhook', async (fixture) => {
    const payload = readFileSync(new URL(`../fixtures/vendors/${fixture}`, import.meta.url), 'utf8');
    const response = await invokeHttp(capture, { method: 'POST', url: WEBSITE, sourceIp: someIp(), headers: { 'content-type': 'application/json', 'idempotency-key': `${fixture}-${randomInt(1e9)}` }, body: payload });
    expect(response.statusCode).toBe(201);
    const lead = await store.getLead(JSON.parse(response.body).leadId);
    expect(lead?.contact.email).toMatch(/@/);
  });

  describe('duplicates', () => {
    it('returns the same lead for a repeated submission and stores nothing new', async () => {
      const email = uniqueEmail();
      const body = { email, firstName: 'Double', message: 'click' };
      const [first, second] = [await postJson(body), await postJson(body)];
      expect(first.statusCode).toBe(201);
      expect(JSON.parse(second.body).leadId).toBe(JSON.parse(first.body).leadId);
      expect(await store.leadsOfPerson({ email: email })).toHaveLength(1);
    });

    it("takes a form tool's retry after the dedupe window as the same lead: its submission id is the key", async () => {
      const webflow = JSON.parse(readFileSync(new URL('../fixtures/vendors/webflow-form_submission.json', import.meta.url), 'utf8'));
      webflow.payload.id = `wf-${randomInt(1e9)}`;
      webflow.payload.data.email = uniqueEmail('webflow');
      const deliveredAt = Date.now();
      const deliver = (minutesLater: number, idempotencyKey?: string) => captureLead(
        { formId: config.forms[0]!.id, fields: [], json: webflow, idempotencyKey, sourceIp: someIp(), context: { query: {} } },
        { config, store, seenHere: new SubmissionsSeenHere(), now: () => new Date(deliveredAt + minutesLater * 60_000) },
      );
      const first = await deliver(0);
      const retry = await deliver(3 * config.capture.dedupeWindowMinutes);
      // A relay in between that gives each attempt a key of its own does not make the retry a new submission.
      const relayed = await deliver(4 * config.capture.dedupeWindowMinutes, `relay-attempt-${randomInt(1e9)}`);
      expect(first.outcome).toBe('created');
      expect(retry).toMatchObject({ leadId: first.leadId, outcome: 'duplicate' });
      expect(relayed).toMatchObject({ leadId: first.leadId, outcome: 'duplicate' });
      expect(await store.leadsOfPerson({ email: webflow.payload.data.email })).toHaveLength(1);
    });

    it('honours an Idempotency-Key even when the retried body differs', async () => {
      const key = `retry-${randomInt(1e9)}`;
      const first = await postJson({ email: uniqueEmail() }, { 'idempotency-key': key });
      const second = await postJson({ email: uniqueEmail() }, { 'idempotency-key': key });
      expect(JSON.parse(second.body).leadId).toBe(JSON.parse(first.body).leadId);
    });
  });

  describe('spam', () => {
    it('stores a filled honeypot as expiring spam behind the same 201', async () => {
      const response = await postJson({ email: uniqueEmail(), _gotcha: 'http://spam.example' });
      expect(response.statusCode).toBe(201);
      const lead = await store.getLead(JSON.parse(response.body).leadId);
      expect(lead).toMatchObject({ status: 'spam', spamReason: 'honeypot field was filled' });
      expect(await store.waitingDueBy(new Date('2100-01-01'))).not.toEqual(expect.arrayContaining([expect.objectContaining({ leadId: lead!.leadId })]));
    });

    it('treats a form filled faster than a human could as spam', async () => {
      const response = await postJson({ email: uniqueEmail(), _loadedAt: String(Date.now() - 300) });
      expect((await store.getLead(JSON.parse(response.body).leadId))?.status).toBe('spam');
    });
  });

  describe('errors name the problem', () => {
    it('404 for an unknown form', async () => {
      const response = await postJson({ email: uniqueEmail() }, {}, '/forms/no-such-form');
      expect(response.statusCode).toBe(404);
      expect(JSON.parse(response.body).message).toContain('no-such-form');
    });

    it('415 for an unsupported content type', async () => {
      const response = await invokeHttp(capture, { method: 'POST', url: WEBSITE, headers: { 'content-type': 'text/plain' }, body: 'email=a@b.co', sourceIp: someIp() });
      expect(response.statusCode).toBe(415);
      expect(JSON.parse(response.body).message).toContain('text/plain');
    });

    it.each([
      ['{"email": ', 'not valid JSON'],
      ['[1,2]', 'must be an object'],
      ['null', 'must be an object'],
      ['', 'empty'],
    ])('400 for the malformed body %j', async (body, message) => {
      const response = await invokeHttp(capture, { method: 'POST', url: WEBSITE, headers: { 'content-type': 'application/json' }, body, sourceIp: someIp() });
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body).message).toContain(message);
    });

    it('413 for a body over 32 KB', async () => {
      const response = await postJson({ email: uniqueEmail(), message: 'x'.repeat(33 * 1024) });
      expect(response.statusCode).toBe(413);
      expect(JSON.parse(response.body).message).toContain('32 KB');
    });

    it('422 with a message per field, and nothing stored', async () => {
      const email = `bad.${randomInt(1e9)}@acme-corp.com`;
      const response = await postJson({ email, firstName: 'Jane\r\nBcc: x@evil.example', phone: 'call me' });
      expect(response.statusCode).toBe(422);
      expect(JSON.parse(response.body).fields).toEqual({
        firstName: 'must be a single line, without line breaks',
        phone: 'must contain only digits, spaces and + ( ) . - /, and an extension like "ext 12"',
      });
      expect(await store.leadsOfPerson({ email: email })).toEqual([]);
    });

    it('422 for a contact field sent in JSON as a list or an object, and nothing stored', async () => {
      const email = uniqueEmail('listed');
      const listed = await postJson({ email: [email], firstName: 'Jane' });
      expect(listed.statusCode).toBe(422);
      expect(JSON.parse(listed.body)).toMatchObject({ code: 'invalid_fields', message: 'invalid fields: email must be a text value, not a list', fields: { email: 'must be a text value, not a list' } });
      const nested = await postJson({ email, company: { name: 'Acme' } });
      expect(JSON.parse(nested.body).fields).toEqual({ company: 'must be a text value, not an object' });
      expect(await store.leadsOfPerson({ email: email })).toEqual([]);
    });

    it('a form post that repeats the email keeps the first value and the rest as an answer', async () => {
      const email = uniqueEmail('repeated');
      const response = await invokeHttp(capture, {
        method: 'POST', url: WEBSITE, sourceIp: someIp(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams([['email', email], ['email', 'other@acme-corp.com']]).toString(),
      });
      expect(response.statusCode).toBe(201);
      expect(await store.getLead(JSON.parse(response.body).leadId)).toMatchObject({ contact: { email }, answers: { email: 'other@acme-corp.com' } });
    });

    it('keeps the raw payload of a form post as it arrived (after base64), and nothing for a refused one', async () => {
      const email = uniqueEmail();
      await postForm({ email, note: 'a&b=c' });
      const [lead] = await store.leadsOfPerson({ email: email });
      const raw = await store.getRawPayload(lead!.leadId);
      expect(raw?.contentType).toBe('application/x-www-form-urlencoded');
      expect(new URLSearchParams(raw!.body).get('note')).toBe('a&b=c');
    });

    it('422 as a readable page for a browser form post: each problem once, in the form\'s words', async () => {
      const response = await postForm({ email: 'nope', first_name: 'Jane\r\nBcc: x@evil.example' });
      expect(response.statusCode).toBe(422);
      expect(response.headers['content-type']).toContain('text/html');
      expect(response.body).toContain('<p>Please check these fields:</p><ul><li><strong>Email</strong> must be a valid email address like jane@example.com</li><li><strong>First name</strong> must be a single line, without line breaks</li></ul>');
      expect(response.body.match(/must be a valid email address/g)).toHaveLength(1);
      expect(response.body).toContain('correct the form');
    });

    it('a page for a browser form post is titled for its problem and names the organisation', async () => {
      const response = await postForm({ email: 'nope' });
      expect(response.body).toContain(`<title>Please check the form · ${config.organisation.name}</title>`);
      expect(response.body).toContain(`<p class="brand">${config.organisation.name}</p>`);
    });

    it('422 for a phone number says what a phone number may look like, in words; API callers keep the rule', async () => {
      const response = await postForm({ email: uniqueEmail(), phone: 'call me' });
      expect(response.statusCode).toBe(422);
      expect(response.body).toContain('<li><strong>Phone</strong> must be a phone number in digits, like +49 30 1234567 or (030) 123-4567, and may end with an extension like &quot;ext 12&quot;</li>');
      expect(response.body).not.toContain('+ ( ) . - /');
    });

    it('400 and 404 for a browser form post are titled for what went wrong, not as a form to correct', async () => {
      const empty = await postForm({});
      expect(empty.statusCode).toBe(400);
      expect(empty.body).toContain(`<title>We could not read the form · ${config.organisation.name}</title>`);
      const removed = await postForm({ email: uniqueEmail() }, {}, '/forms/retired-form');
      expect(removed.statusCode).toBe(404);
      expect(removed.body).toContain(`<title>This form is no longer available · ${config.organisation.name}</title>`);
      expect(removed.body).toContain(`<p>Please contact ${config.organisation.name} another way, for example by email or phone.</p>`);
      expect(removed.body).not.toContain('retired-form');
    });

    it('403 for a page the form does not allow: retrying will not help, so it says whom to contact', async () => {
      const response = await postForm({ email: uniqueEmail() }, { origin: 'https://evil.example' });
      expect(response.statusCode).toBe(403);
      expect(response.body).toContain(`<title>This form cannot be sent from this page · ${config.organisation.name}</title>`);
      expect(response.body).toContain(`<p>Your message did not reach ${config.organisation.name}.</p>\n<p>Sending it again from here will not help: please contact ${config.organisation.name} another way, for example by email or phone.</p>`);
      expect(response.body).not.toMatch(/try again|correct the form|Origin/i);
    });

    it.each([
      ['enctype="text/plain"', { 'content-type': 'text/plain' }, 415, 'Content type &quot;text/plain&quot; is not supported'],
      ['a gzip-compressed body', { 'content-encoding': 'gzip' }, 415, 'Content-encoding &quot;gzip&quot; is not supported'],
    ])('answers a browser form post sent with %s with a page the visitor can act on, and the reason for its developer', async (_case, headers, status, reason) => {
      const response = await postForm({ email: uniqueEmail() }, headers);
      expect(response.statusCode).toBe(status);
      expect(response.headers['content-type']).toContain('text/html');
      expect(response.body).toContain(`<title>This form cannot be sent from this page · ${config.organisation.name}</title>`);
      expect(response.body).toContain(`<p>Sending it again from here will not help: please contact ${config.organisation.name} another way, for example by email or phone.</p>`);
      expect(response.body).toContain(`<p class="developer">For the website's developer: ${reason}`);
    });

    it('still answers JSON to a script sending text/plain, which asks for no page', async () => {
      const response = await invokeHttp(capture, { method: 'POST', url: WEBSITE, sourceIp: someIp(), headers: { 'content-type': 'text/plain', accept: '*/*' }, body: 'email=a@b.co' });
      expect(response.statusCode).toBe(415);
      expect(JSON.parse(response.body)).toMatchObject({ code: 'unsupported_media_type' });
    });

    it('413 for a browser form post asks the visitor to shorten what they wrote, without byte counts', async () => {
      const response = await postForm({ email: uniqueEmail(), message: 'x'.repeat(33 * 1024) });
      expect(response.statusCode).toBe(413);
      expect(response.body).toContain(`<title>Your message is too long · ${config.organisation.name}</title>`);
      expect(response.body).toContain('<p>It is longer than this form can take, so it was not sent.</p>\n<p>Please use your browser&#39;s back button, shorten your message, and send it again.</p>');
      expect(response.body).not.toMatch(/bytes|32 KB|limit/);
    });

    it('429 with Retry-After once one address exceeds the per-minute limit', async () => {
      // The limit counts per clock minute: start well inside one so the window cannot reset mid-test.
      const secondsIntoMinute = new Date().getUTCSeconds();
      if (secondsIntoMinute > 45) await new Promise((resolve) => setTimeout(resolve, (61 - secondsIntoMinute) * 1000));
      // Addresses outside someIp()'s pool, so no other test's posts share their counters.
      const ip = '192.0.2.10';
      const statuses: number[] = [];
      for (let i = 0; i < config.capture.rateLimitPerMinute; i++) {
        statuses.push((await postJson({ email: uniqueEmail(`flood${i}`) }, {}, WEBSITE, ip)).statusCode);
      }
      const email = uniqueEmail('over');
      const limited = await postJson({ email }, {}, WEBSITE, ip);
      expect(statuses.every((status) => status === 201)).toBe(true);
      expect(limited.statusCode).toBe(429);
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(JSON.parse(limited.body)).toEqual({ message: `too many submissions to form "demo-request" from this address; retry in ${retryAfter} s`, code: 'rate_limited' });
      // A visitor's browser gets a page that says how long to wait, without the form's id.
      const page = await invokeHttp(capture, {
        method: 'POST', url: WEBSITE, sourceIp: ip, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body: new URLSearchParams({ email }).toString(),
      });
      expect(page.statusCode).toBe(429);
      const pageRetryAfter = Number(page.headers['retry-after']);
      expect(pageRetryAfter).toBeGreaterThan(0);
      expect(page.body).toContain(`<title>Please wait a moment · ${config.organisation.name}</title>`);
      expect(page.body).toContain(`Please wait ${pageRetryAfter === 60 ? 'a minute' : `about ${pageRetryAfter} second${pageRetryAfter === 1 ? '' : 's'}`}, then go back and send the form again.`);
      expect(page.body).not.toMatch(/demo-request|retry in/);
      expect(await store.leadsOfPerson({ email: email })).toEqual([]);
      // The lead written beside the count was withdrawn whole: the same submission from another address is new, not a repeat.
      const repostedAt = new Date().toISOString();
      const again = await postJson({ email }, {}, WEBSITE, '192.0.2.12');
      expect(again.statusCode).toBe(201);
      expect((await store.getLead(JSON.parse(again.body).leadId))!.receivedAt >= repostedAt).toBe(true);
      // Another address is not affected.
      expect((await postJson({ email: uniqueEmail() }, {}, WEBSITE, '192.0.2.11')).statusCode).toBe(201);
    });
    it("uses a form's own rateLimitPerMinute over the default, for that form only", async () => {
      const secondsIntoMinute = new Date().getUTCSeconds();
      if (secondsIntoMinute > 50) await new Promise((resolve) => setTimeout(resolve, (61 - secondsIntoMinute) * 1000));
      const webhookForm = { ...config.forms[0]!, rateLimitPerMinute: config.capture.rateLimitPerMinute + 5 };
      const strictForm = { ...config.forms[1]!, rateLimitPerMinute: 2 };
      const limits = { ...config, forms: [webhookForm, strictForm] };
      const deps = { config: limits, store, seenHere: new SubmissionsSeenHere(), now: () => new Date() };
      const submitTo = (formId: string) =>
        captureLead({ formId, fields: [['email', uniqueEmail(`hook-${formId}`)]], sourceIp: '192.0.2.40', context: { query: {} } }, deps).then(() => 201, (error: { statusCode?: number }) => error.statusCode);
      const webhook = [];
      for (let i = 0; i < webhookForm.rateLimitPerMinute; i++) webhook.push(await submitTo(webhookForm.id));
      expect(webhook.every((status) => status === 201)).toBe(true);
      expect(await submitTo(webhookForm.id)).toBe(429);
      expect([await submitTo(strictForm.id), await submitTo(strictForm.id), await submitTo(strictForm.id)]).toEqual([201, 201, 429]);
    });

    it('counts an address across processes: each lets its first submission of the minute through and counts it with the second', async () => {
      const secondsIntoMinute = new Date().getUTCSeconds();
      if (secondsIntoMinute > 50) await new Promise((resolve) => setTimeout(resolve, (61 - secondsIntoMinute) * 1000));
      const strictForm = { ...config.forms[0]!, rateLimitPerMinute: 4 };
      const limits = { ...config, forms: [strictForm] };
      const [first, second, third] = [new SubmissionsSeenHere(), new SubmissionsSeenHere(), new SubmissionsSeenHere()];
      const submitFrom = (seenHere: SubmissionsSeenHere) =>
        captureLead(
          { formId: strictForm.id, fields: [['email', uniqueEmail('processes')]], sourceIp: '192.0.2.50', context: { query: {} } },
          { config: limits, store, seenHere, now: () => new Date() },
        ).then(({ leadId }) => leadId, (error: { statusCode?: number }) => error.statusCode);
      const admitted = [await submitFrom(first), await submitFrom(second), await submitFrom(first), await submitFrom(second)];
      expect(admitted.every((leadId) => typeof leadId === 'string')).toBe(true);
      // Both processes' second submissions brought their first to the shared counter: the limit of 4 is reached.
      expect([await submitFrom(first), await submitFrom(second)]).toEqual([429, 429]);
      // A process that has not seen the address this minute lets one through: the one extra the limit allows per process.
      expect(typeof (await submitFrom(third))).toBe('string');
      expect(await submitFrom(third)).toBe(429);
      expect(await Promise.all((admitted as string[]).map((leadId) => store.getLead(leadId)))).toEqual(admitted.map(() => expect.objectContaining({ status: 'new' })));
    });
  });

  describe('CORS', () => {
    it('answers a preflight from an allowed origin', async () => {
      const response = await invokeHttp(capture, { method: 'OPTIONS', url: WEBSITE, headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'POST' } });
      expect(response.statusCode).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      expect(response.headers['access-control-allow-methods']).toContain('POST');
    });

    it('refuses a preflight and a post from any other origin', async () => {
      const preflight = await invokeHttp(capture, { method: 'OPTIONS', url: WEBSITE, headers: { origin: 'https://evil.example' } });
      expect(preflight.statusCode).toBe(403);
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      const post = await postJson({ email: uniqueEmail() }, { origin: 'https://evil.example' });
      expect(post.statusCode).toBe(403);
      // Both answer the same error shape, as every other error does.
      for (const refused of [preflight, post]) expect(JSON.parse(refused.body)).toEqual({ message: 'origin is not allowed to post to this form', code: 'origin_not_allowed' });
    });

    it('lets a fetch() caller read its 422 (CORS headers on errors too)', async () => {
      const response = await postJson({ email: 'nope' }, { origin: ALLOWED_ORIGIN });
      expect(response.statusCode).toBe(422);
      expect(response.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    });
  });
});

describe('UTM parameters from more than one place', () => {
  const storedUtm = async (email: string) => (await store.leadsOfPerson({ email: email }))[0]?.tracking.utm;

  it('takes the whole set from the first place that has any (body, then the action URL, then the page URL), never a mix', async () => {
    const email = uniqueEmail('utm');
    const response = await postJson(
      { email, utm_source: 'facebook', utm_campaign: 'from-body', pageUrl: 'https://www.northwind.example/demo?utm_source=google&utm_medium=cpc&utm_campaign=from-page' },
      {}, `${WEBSITE}?utm_campaign=from-query`,
    );
    expect(response.statusCode).toBe(201);
    expect(await storedUtm(email)).toEqual({ source: 'facebook', campaign: 'from-body' });

    const fromQuery = uniqueEmail('utm');
    await postJson({ email: fromQuery, pageUrl: 'https://www.northwind.example/demo?utm_source=google&utm_medium=cpc' }, {}, `${WEBSITE}?utm_campaign=from-query&utm_source=newsletter`);
    expect(await storedUtm(fromQuery)).toEqual({ source: 'newsletter', campaign: 'from-query' });
  });

  it('keeps the first value of a repeated UTM parameter, in a form post and on the action URL alike', async () => {
    const email = uniqueEmail('utm');
    const response = await invokeHttp(capture, {
      method: 'POST', url: WEBSITE, sourceIp: someIp(), headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: `email=${encodeURIComponent(email)}&interest=BI&interest=ETL&utm_source=google&utm_source=bing`,
    });
    expect(response.statusCode).toBe(201);
    expect(await storedUtm(email)).toEqual({ source: 'google' });
    expect((await store.leadsOfPerson({ email: email }))[0]?.answers).toEqual({ interest: 'BI, ETL' });

    const onUrl = uniqueEmail('utm');
    await postJson({ email: onUrl }, {}, `${WEBSITE}?utm_source=google&utm_source=bing&utm_medium=cpc`);
    expect(await storedUtm(onUrl)).toEqual({ source: 'google', medium: 'cpc' });
  });
});

describe('the form snippet the stack prints, posted by a browser from a campaign landing page on the website', () => {
  it("keeps the page's UTM parameters, though a cross-origin post's Referer is only the site's origin", async () => {
    const landing = 'https://www.northwind.example/landing?utm_source=google&utm_medium=cpc&utm_campaign=brand-de';
    const api = 'https://api.handoff.example/forms/demo-request';
    const email = uniqueEmail();
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      let received: (request: { headers: Record<string, string>; body: Buffer }) => void;
      const post = new Promise<{ headers: Record<string, string>; body: Buffer }>((resolve) => (received = resolve));
      await page.route((url) => url.href === landing, (route) => route.fulfill({ contentType: 'text/html', body: `<!doctype html><meta charset="utf-8">${formSnippet(api)}` }));
      await page.route((url) => url.href === api, async (route) => {
        received({ headers: await route.request().allHeaders(), body: route.request().postDataBuffer()! });
        await route.fulfill({ contentType: 'text/html', body: 'Thanks' });
      });
      await page.goto(landing);
      await page.fill('[name=firstName]', 'Ana');
      await page.fill('[name=lastName]', 'Lima');
      await page.fill('[name=email]', email);
      // The visitor took a minute over the form: not a bot by `capture.minFillSeconds`.
      await page.$eval('[name=_loadedAt]', (input, loadedAt) => { (input as unknown as { value: string }).value = loadedAt; }, String(Date.now() - 60_000));
      await page.click('button[type=submit]');
      const posted = await post;

      expect(posted.headers.referer).toBe('https://www.northwind.example/');
      const { referer, origin } = posted.headers;
      const response = await invokeHttp(capture, { method: 'POST', url: WEBSITE, sourceIp: someIp(), headers: { 'content-type': posted.headers['content-type']!, origin: origin!, referer: referer! }, body: posted.body });
      expect(response.statusCode).toBe(303);
      const [lead] = await store.leadsOfPerson({ email: email });
      expect(lead).toMatchObject({ status: 'new', tracking: { utm: { source: 'google', medium: 'cpc', campaign: 'brand-de' }, pageUrl: landing } });
    } finally {
      await browser.close();
    }
  }, 30_000);
});

describe('GET /health', () => {
  it('answers 200 when the table is reachable', async () => {
    const response = await invokeHttp(health, { method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
  });
});

describe('when the table cannot be reached', () => {
  it('capture answers 503 with Retry-After and health answers 503', async () => {
    const tableName = process.env.TABLE_NAME;
    const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
    vi.resetModules();
    // Nothing listens on port 9: the SDK gets "connection refused", as with a DynamoDB outage.
    process.env.AWS_ENDPOINT_URL_DYNAMODB = 'http://127.0.0.1:9';
    try {
      const downCapture = asLambda((await import('../../functions/capture.ts')).handler);
      const { handler: downHealth } = await import('../../functions/health.ts');
      const response = await invokeHttp(downCapture, { method: 'POST', url: WEBSITE, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: uniqueEmail() }), sourceIp: someIp() });
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(JSON.parse(response.body).message).toBe('lead storage is temporarily unavailable; please retry');
      const page = await invokeHttp(downCapture, {
        method: 'POST', url: WEBSITE, sourceIp: someIp(), headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body: new URLSearchParams({ email: uniqueEmail() }).toString(),
      });
      expect(page.statusCode).toBe(503);
      expect(page.body).toContain(`<title>Please try again in a moment · ${config.organisation.name}</title>`);
      expect(page.body).not.toContain('storage');
      expect((await invokeHttp(downHealth, { method: 'GET', url: '/health' })).statusCode).toBe(503);
    } finally {
      process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
      process.env.TABLE_NAME = tableName;
      vi.resetModules();
    }
  });

  it('answers 503 inside the Lambda timeouts when the table takes connections but never answers', async () => {
    const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
    const silent = await startSilentEndpoint();
    vi.resetModules();
    process.env.AWS_ENDPOINT_URL_DYNAMODB = silent.endpoint;
    try {
      const stuckCapture = asLambda((await import('../../functions/capture.ts')).handler);
      const { handler: stuckHealth } = await import('../../functions/health.ts');
      const timed = async <Result>(work: Promise<Result>) => {
        const started = performance.now();
        return { result: await work, seconds: (performance.now() - started) / 1000 };
      };
      const captured = await timed(invokeHttp(stuckCapture, { method: 'POST', url: WEBSITE, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: uniqueEmail() }), sourceIp: someIp() }));
      expect(captured.result.statusCode).toBe(503);
      expect(captured.result.headers['retry-after']).toBe('5');
      expect(captured.seconds).toBeLessThan(FUNCTION_SETTINGS.capture.timeout.toSeconds());
      const checked = await timed(invokeHttp(stuckHealth, { method: 'GET', url: '/health' }));
      expect(checked.result.statusCode).toBe(503);
      expect(checked.seconds).toBeLessThan(FUNCTION_SETTINGS.health.timeout.toSeconds());
    } finally {
      silent.stop();
      process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
      vi.resetModules();
    }
  }, 30_000);
});

describe('a public submission over the rate limit, counted while it is stored', () => {
  /** The real store, except that the count's verdict comes from `countedAs`, once the lead is stored. */
  function storeCountedAs(countedAs: (leadId: string) => Promise<boolean>) {
    let storedId: (leadId: string) => void;
    const leadStored = new Promise<string>((resolve) => (storedId = resolve));
    return {
      putNewLead: async (...args: Parameters<LeadStore['putNewLead']>) => {
        const result = await store.putNewLead(...args);
        storedId(args[0].leadId);
        return result;
      },
      hitRateLimit: async () => countedAs(await leadStored),
      withdrawNewLead: (leadId: string) => store.withdrawNewLead(leadId),
    };
  }
  /** A process that remembers no address, so every submission goes to the counter. */
  const countingEvery = () => new SubmissionsSeenHere(0);
  const submission = (email: string) => ({
    formId: 'demo-request', sourceIp: someIp(), fields: [['email', email]] as Array<[string, string]>,
    context: { query: {} }, raw: { contentType: 'application/json', body: JSON.stringify({ email }) },
  });

  it('is withdrawn with its raw payload and answered 429', async () => {
    const { captureLead } = await import('../../shared/usecases/capture-lead.ts');
    let leadId = '';
    const overLimit = storeCountedAs(async (id) => {
      leadId = id;
      return false;
    });
    const refusal = captureLead(submission(uniqueEmail('withdrawn')), { config, store: overLimit, seenHere: countingEvery(), now: () => new Date() });
    await expect(refusal).rejects.toMatchObject({ statusCode: 429, details: { code: 'rate_limited', headers: { 'retry-after': expect.any(String) } } });
    expect(leadId).not.toBe('');
    expect(await store.getLead(leadId)).toBeUndefined();
    expect(await store.getRawPayload(leadId)).toBeUndefined();
  });

  it('stays, answered 201, when the processor took it before it could be withdrawn', async () => {
    const { captureLead } = await import('../../shared/usecases/capture-lead.ts');
    const enrichment = { displayName: 'Raced Lead', emailDomain: 'acme-corp.com', isFreeMail: false, isDisposable: false, source: { formId: 'demo-request', formName: 'Demo', formKind: 'website' as const, campaign: 'c', label: 'Demo' } };
    const processorFirst = storeCountedAs(async (id) => {
      // As the processor places a lead: its raw payload set apart first, then dropped from the lead by the assignment.
      await store.setRawPayloadApart(id);
      expect(await store.recordAssignment(id, { enrichment, score: 10, scoreReasons: [], ownerId: 'ana', ownerReason: 'raced' })).toBe(true);
      return false;
    });
    const outcome = await captureLead(submission(uniqueEmail('raced')), { config, store: processorFirst, seenHere: countingEvery(), now: () => new Date() });
    expect(outcome.outcome).toBe('created');
    expect(await store.getLead(outcome.leadId)).toMatchObject({ status: 'open', ownerId: 'ana' });
    expect(await store.getRawPayload(outcome.leadId)).toMatchObject({ contentType: 'application/json' });
  });

  it('is admitted, answered 201, when the counter cannot be reached but the lead was stored', async () => {
    const { captureLead } = await import('../../shared/usecases/capture-lead.ts');
    const counterDown = storeCountedAs(async () => {
      throw new StorageUnavailableError(new Error('counter partition throttled'));
    });
    const outcome = await captureLead(submission(uniqueEmail('uncounted')), { config, store: counterDown, seenHere: countingEvery(), now: () => new Date() });
    expect(outcome.outcome).toBe('created');
    expect(await store.getLead(outcome.leadId)).toMatchObject({ status: 'new' });
  });
});
