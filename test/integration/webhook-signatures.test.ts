import { createHmac, randomInt, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LambdaHandler } from '../../infra/local/lambda-runtime.ts';
import { LeadStore } from '../../shared/adapters/lead-store/store.ts';
import type { ConfigInput } from '../../shared/config/schema.ts';
import { asLambda } from '../support/handlers.ts';
import { createTestTable, invokeHttp, testDynamoDbClient } from '../support/local-aws.ts';
import { recordProcessOutput } from '../support/process-output.ts';

const TYPEFORM_SECRET = `typeform-${randomUUID()}`;
const HUBSPOT_SECRET = `hubspot-${randomUUID()}`;
const TYPEFORM_FIXTURE = readFileSync(new URL('../fixtures/vendors/typeform-form_response.json', import.meta.url), 'utf8');

/** The URL registered in HubSpot: a custom domain whose path mapping `handoff/` the API never sees. */
const PROXIED_HUBSPOT_URL = 'https://leads.northwind.example/handoff/forms/hubspot-behind-proxy';

let capture: LambdaHandler;
let store: LeadStore;
let tableName: string;

/**
 * The shipped config plus three forms that take only signed webhooks; the secrets file has entries for two of them,
 * as an operator would write it (README: signed webhooks).
 */
beforeAll(async () => {
  const directory = mkdtempSync(join(tmpdir(), 'handoff-webhooks-'));
  const config = JSON.parse(readFileSync('handoff.config.json', 'utf8')) as ConfigInput;
  const signedForm = (id: string, vendor: 'typeform' | 'tally' | 'hubspot', url?: string) => ({ ...config.forms[0]!, id, name: `${vendor} webhooks`, webhookSignature: { vendor, ...(url ? { url } : {}) } });
  config.forms.push(
    signedForm('typeform-leads', 'typeform'), signedForm('hubspot-leads', 'hubspot'), signedForm('tally-leads', 'tally'),
    signedForm('hubspot-behind-proxy', 'hubspot', PROXIED_HUBSPOT_URL),
  );
  writeFileSync(join(directory, 'handoff.config.json'), JSON.stringify(config));
  writeFileSync(join(directory, 'WEBHOOK_SECRETS'), JSON.stringify({ 'typeform-leads': TYPEFORM_SECRET, 'hubspot-leads': HUBSPOT_SECRET, 'hubspot-behind-proxy': HUBSPOT_SECRET }, null, 2));
  tableName = await createTestTable('webhooks');
  Object.assign(process.env, { TABLE_NAME: tableName, HANDOFF_CONFIG: join(directory, 'handoff.config.json'), WEBHOOK_SECRETS_FILE: join(directory, 'WEBHOOK_SECRETS') });
  capture = asLambda((await import('../../functions/capture.ts')).handler);
  store = new LeadStore({ client: testDynamoDbClient(), tableName, timezone: config.organisation.timezone });
});

/** The Typeform fixture as a new respondent's delivery; indented, so its bytes are not what JSON.stringify would give. */
function typeformDelivery() {
  const payload = JSON.parse(TYPEFORM_FIXTURE);
  const email = `laura.${randomInt(1e9)}@acme-corp.com`;
  payload.form_response.token = randomUUID();
  payload.form_response.answers.find((answer: { type: string }) => answer.type === 'email').email = email;
  return { email, body: JSON.stringify(payload, null, 2) };
}

const typeformSignature = (body: string | Buffer, secret = TYPEFORM_SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('base64')}`;

function post(formId: string, body: string, headers: Record<string, string> = {}, url = `/forms/${formId}`) {
  return invokeHttp(capture, { method: 'POST', url, sourceIp: `198.51.100.${randomInt(1, 254)}`, headers: { 'content-type': 'application/json', host: 'api.handoff.example', ...headers }, body });
}

/** Every item in the test table: leads, raw payloads and rate-limit counters alike. */
async function itemCount(): Promise<number> {
  const { Count } = await testDynamoDbClient().send(new ScanCommand({ TableName: tableName, Select: 'COUNT', ConsistentRead: true }));
  return Count ?? 0;
}

describe('signed form-tool webhooks', () => {
  it("stores a Typeform webhook signed with the form's secret", async () => {
    const { email, body } = typeformDelivery();
    const response = await post('typeform-leads', body, { 'typeform-signature': typeformSignature(body) });
    expect(response.statusCode).toBe(201);
    expect(await store.getLead(JSON.parse(response.body).leadId)).toMatchObject({ formId: 'typeform-leads', contact: { email } });
  });

  it.each([
    ['unsigned', () => ({}), 'signature_missing', 'the Typeform-Signature header is missing'],
    ['signed with another secret', (body: string) => ({ 'typeform-signature': typeformSignature(body, 'not-the-forms-secret') }), 'signature_invalid', 'the Typeform-Signature header does not match this request'],
    ['signed, then changed', (body: string) => ({ 'typeform-signature': typeformSignature(body.replace('"Laura"', '"Mallory"')) }), 'signature_invalid', 'the Typeform-Signature header does not match this request'],
  ])('refuses a Typeform webhook %s with 401 naming the header, and stores nothing at all', async (_case, headers, code, message) => {
    const { email, body } = typeformDelivery();
    const before = await itemCount();
    const response = await post('typeform-leads', body, headers(body));
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body)).toEqual({ message: expect.stringContaining(message), code });
    expect(response.headers['www-authenticate']).toBe('HMAC-SHA256 realm="form typeform-leads", header="Typeform-Signature", signer="Typeform"');
    expect(await itemCount()).toBe(before);
    expect(await store.leadsOfPerson({ email: email })).toEqual([]);
  });

  it('answers a browser form post to a form that takes only signed webhooks with a page, not JSON', async () => {
    const response = await invokeHttp(capture, {
      method: 'POST', url: '/forms/typeform-leads', sourceIp: `198.51.100.${randomInt(1, 254)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', host: 'api.handoff.example' }, body: `email=${randomInt(1e9)}%40acme-corp.com`,
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.body).toContain('<h1>This form cannot be sent from this page</h1>');
    expect(response.body).toContain(`<p class="developer">For the website's developer: The Typeform-Signature header is missing`);
  });

  it('still takes an unsigned webhook on a form without webhookSignature', async () => {
    const { email, body } = typeformDelivery();
    const response = await post('demo-request', body);
    expect(response.statusCode).toBe(201);
    expect((await store.leadsOfPerson({ email: email })).map((lead) => lead.formId)).toEqual(['demo-request']);
  });

  it('checks the bytes as they arrived when API Gateway base64-encodes the body (a form post)', async () => {
    const email = `ana.${randomInt(1e9)}@acme-corp.com`;
    // The handler receives this body as base64 text; the signature covers the decoded bytes, not that text.
    const body = `email=${encodeURIComponent(email)}&firstName=J%FCrgen`;
    const response = await invokeHttp(capture, {
      method: 'POST', url: '/forms/typeform-leads', sourceIp: `198.51.100.${randomInt(1, 254)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'typeform-signature': typeformSignature(body) },
      body,
    });
    expect(response.statusCode).toBe(201);
    expect((await store.leadsOfPerson({ email: email }))[0]?.contact.firstName).toBe('Jürgen');
  });

  it('checks HubSpot v3 over the method, the full URL as sent (host and query included), the body and the timestamp', async () => {
    const email = `hs.${randomInt(1e9)}@acme-corp.com`;
    const body = JSON.stringify({ fields: [{ objectTypeId: '0-1', name: 'email', value: email }] });
    const url = '/forms/hubspot-leads?utm_source=hubspot&next=https%3A%2F%2Fwww.northwind.example%2F';
    const sign = (signedUrl: string, sentAt = Date.now()) => ({
      'x-hubspot-request-timestamp': String(sentAt),
      'x-hubspot-signature-v3': createHmac('sha256', HUBSPOT_SECRET).update(`POST${signedUrl}${body}${sentAt}`).digest('base64'),
    });
    const asSent = 'http://api.handoff.example/forms/hubspot-leads?utm_source=hubspot&next=https://www.northwind.example/';
    const elsewhere = await post('hubspot-leads', body, sign(asSent.replace('api.handoff.example', 'other.example')), url);
    expect(elsewhere.statusCode).toBe(401);
    const stale = await post('hubspot-leads', body, sign(asSent, Date.now() - 10 * 60_000), url);
    expect(JSON.parse(stale.body)).toEqual({ message: expect.stringContaining('the X-HubSpot-Request-Timestamp header is more than 5 minutes away'), code: 'signature_expired' });
    expect(await store.leadsOfPerson({ email: email })).toEqual([]);
    const signed = await post('hubspot-leads', body, sign(asSent), url);
    expect(signed.statusCode).toBe(201);
    expect((await store.leadsOfPerson({ email: email }))[0]).toMatchObject({ formId: 'hubspot-leads', tracking: { utm: { source: 'hubspot' } } });
  });

  it('checks HubSpot against the URL configured for the form when HubSpot calls it through a proxy or a path mapping', async () => {
    const email = `hs.proxy.${randomInt(1e9)}@acme-corp.com`;
    const body = JSON.stringify({ fields: [{ objectTypeId: '0-1', name: 'email', value: email }] });
    const sentAt = Date.now();
    const sign = (signedUrl: string) => ({
      'x-hubspot-request-timestamp': String(sentAt),
      'x-hubspot-signature-v3': createHmac('sha256', HUBSPOT_SECRET).update(`POST${signedUrl}${body}${sentAt}`).digest('base64'),
    });
    // What the handler could rebuild from Host and path is not what HubSpot called, so it no longer counts.
    const rebuilt = await post('hubspot-behind-proxy', body, sign('http://api.handoff.example/forms/hubspot-behind-proxy'));
    expect(rebuilt.statusCode).toBe(401);
    const registered = await post('hubspot-behind-proxy', body, sign(PROXIED_HUBSPOT_URL));
    expect(registered.statusCode).toBe(201);
    expect((await store.leadsOfPerson({ email: email })).map((lead) => lead.formId)).toEqual(['hubspot-behind-proxy']);
  });

  it('answers 503 with a safe message when a signed form has no secret configured, and stores nothing', async () => {
    const { body } = typeformDelivery();
    const before = await itemCount();
    const response = await post('tally-leads', body, { 'tally-signature': createHmac('sha256', 'a guess').update(body).digest('base64') });
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body)).toEqual({ message: 'form "tally-leads" cannot take webhooks yet: its signing secret is not configured', code: 'signature_not_configured' });
    expect(await itemCount()).toBe(before);
  });
});

describe('a WEBHOOK_SECRETS file that is not valid JSON', () => {
  let output: ReturnType<typeof recordProcessOutput> | undefined;
  afterEach(() => output?.restore());

  it('answers 503 and logs one line saying what is wrong, without a stack or the file\'s text', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'handoff-webhooks-invalid-')), 'WEBHOOK_SECRETS');
    // A trailing comma, as a hand-edited file has; the secret must appear nowhere in the log.
    writeFileSync(file, `{"tally-leads": "${TYPEFORM_SECRET}",}`);
    process.env.WEBHOOK_SECRETS_FILE = file;
    // A fresh capture module: the secrets are read once per process, and this file's other tests read the valid ones.
    vi.resetModules();
    capture = asLambda((await import('../../functions/capture.ts')).handler);
    output = recordProcessOutput();

    const { body } = typeformDelivery();
    const response = await post('tally-leads', body, { 'tally-signature': createHmac('sha256', TYPEFORM_SECRET).update(body).digest('base64') });
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body)).toMatchObject({ code: 'signature_not_configured' });
    const failures = output.written.join('').split('\n').filter((line) => line.includes('"request failed"'));
    expect(failures).toHaveLength(1);
    expect(JSON.parse(failures[0]!)).toMatchObject({ level: 'ERROR', status: 503, error: expect.stringContaining('WEBHOOK_SECRETS is not JSON') });
    expect(failures[0]).not.toContain('stack');
    expect(failures[0]).not.toContain(TYPEFORM_SECRET);
  });
});
