/**
 * The hand corpus (test/fixtures/corpus/capture-cases.ts): every named bad or edge input gets its expected
 * answer, the answer is safe (no 5xx, no internals, no CR/LF in headers, CORS only for allowed origins),
 * and what was stored is exactly what the answer says: the lead whole, or nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Lead } from '../../shared/domain/lead.ts';
import { captureCases, type CorpusCase, type CorpusRequest } from '../fixtures/corpus/capture-cases.ts';
import type { HttpInvocation } from '../support/local-aws.ts';
import {
  addressSequence, config, expectSafeAnswer, leadIdOf, postToCapture, postWithEncoding, startCaptureHarness, type CaptureHarness,
} from './support/capture-harness.ts';

let harness: CaptureHarness;
const nextAddress = addressSequence(0xc);
const prototypeKeysBefore = Object.getOwnPropertyNames(Object.prototype).sort();

const jsonPost = (body: unknown): CorpusRequest => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const formPost = (fields: Array<[string, string]>): CorpusRequest => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
  body: new URLSearchParams(fields).toString(),
});

/** A JSON body types its values: a contact field takes one text value, never a list that happens to hold one. */
const valueTypeCases: CorpusCase[] = [
  { name: 'JSON email as a one-element list → 422 naming email', request: (email) => jsonPost({ email: [email] }), expect: () => ({ status: 422, field: 'email', message: 'email must be a text value, not a list' }) },
  { name: 'JSON email as a list of two → 422 naming email', request: (email) => jsonPost({ email: [email, `second.${email}`] }), expect: () => ({ status: 422, field: 'email', message: 'not a list' }) },
  { name: 'JSON email as an object → 422 naming email', request: (email) => jsonPost({ email: { address: email } }), expect: () => ({ status: 422, field: 'email', message: 'email must be a text value, not an object' }) },
  { name: 'JSON email as a number → 422 naming email', request: () => jsonPost({ email: 42 }), expect: () => ({ status: 422, field: 'email', message: 'not a number' }) },
  { name: 'JSON email as null → 422 email is required', request: () => jsonPost({ email: null, firstName: 'Jane' }), expect: () => ({ status: 422, field: 'email', message: 'email is required' }) },
  { name: 'JSON _replyto alias as a one-element list → 422 naming _replyto', request: (email) => jsonPost({ _replyto: [email] }), expect: () => ({ status: 422, field: '_replyto', message: 'not a list' }) },
  { name: 'JSON firstName as a list → 422 naming firstName', request: (email) => jsonPost({ email, firstName: ['Jane'] }), expect: () => ({ status: 422, field: 'firstName', message: 'not a list' }) },
  { name: 'JSON company as true → 422 naming company', request: (email) => jsonPost({ email, company: true }), expect: () => ({ status: 422, field: 'company', message: 'not true or false' }) },
  { name: 'JSON message as an object → 422 naming message', request: (email) => jsonPost({ email, message: { text: 'Hi' } }), expect: () => ({ status: 422, field: 'message', message: 'not an object' }) },
  { name: 'JSON phone as a fraction → 422 naming phone', request: (email) => jsonPost({ email, phone: 4930.5 }), expect: () => ({ status: 422, field: 'phone', message: 'a number must be whole' }) },
  { name: 'JSON phone as a whole number is read as its digits → 201', request: (email) => jsonPost({ email, phone: 4930123456 }), expect: () => ({ status: 201, stored: { contact: { phone: '4930123456' } } }) },
  { name: 'JSON consent as a list → 422 naming consent', request: (email) => jsonPost({ email, consent: [true] }), expect: () => ({ status: 422, field: 'consent', message: 'must be true or false, not a list' }) },
  { name: 'JSON consent as false → 201 with consent false', request: (email) => jsonPost({ email, consent: false }), expect: () => ({ status: 201, stored: { contact: { consent: false } } }) },
  { name: 'JSON answer as a one-element list is still a comma list → 201', request: (email) => jsonPost({ email, interests: ['CRM'] }), expect: () => ({ status: 201, stored: { answers: { interests: 'CRM' } } }) },
  { name: 'a Webflow webhook with its email as a list → 422 naming email', request: (email) => jsonPost({ triggerType: 'form_submission', payload: { name: 'Demo', data: { Name: 'Ada', Email: [email] } } }), expect: () => ({ status: 422, field: 'Email', message: 'Email must be a text value, not a list' }) },
  { name: 'a Webflow webhook with a multi-select answer → 201, kept as a comma list', request: (email) => jsonPost({ triggerType: 'form_submission', payload: { name: 'Demo', data: { Email: email, Interests: ['CRM', 'BI'] } } }), expect: (email) => ({ status: 201, stored: { contact: { email }, answers: { Interests: 'CRM, BI' } } }) },
  { name: 'a form post repeating email keeps the first value and the second as an answer → 201', request: (email) => formPost([['email', email], ['email', `second.${email}`]]), expect: (email) => ({ status: 201, stored: { contact: { email }, answers: { email: `second.${email}` } } }) },
];
const cases = [...captureCases, ...valueTypeCases];

beforeAll(async () => {
  harness = await startCaptureHarness('corpus');
});

function send(request: CorpusRequest): Promise<HttpInvocation> {
  const post = {
    method: request.method ?? 'POST',
    ...(request.path ? { url: request.path } : { formId: request.formId ?? 'demo-request' }),
    headers: request.headers ?? {},
    ...(request.body === undefined ? {} : { body: request.body }),
    sourceIp: nextAddress(),
  };
  return request.base64 === undefined ? postToCapture(harness.capture, post) : postWithEncoding(harness.capture, post, request.base64);
}

/** The message a caller reads: JSON `message`, or the text of an HTML page. */
function messageOf(response: HttpInvocation): string {
  if ((response.headers['content-type'] ?? '').includes('json')) return String((JSON.parse(response.body) as { message?: unknown }).message ?? '');
  return response.body;
}

async function leadsOf(response: HttpInvocation, email: string): Promise<Lead[]> {
  const leadId = leadIdOf(response);
  if (leadId) {
    const lead = await harness.store.getLead(leadId);
    return lead ? [lead] : [];
  }
  return harness.store.leadsOfPerson({ email: email });
}

describe('capture API hand corpus', () => {
  it('has at least 150 uniquely named cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(150);
    expect(new Set(cases.map((testCase) => testCase.name)).size).toBe(cases.length);
  });

  it.each(cases.map((testCase, index) => [testCase.name, index, testCase] as const))('%s', async (_name, index, testCase: CorpusCase) => {
    const email = `corpus${index}.case@acme-corp.com`;
    const before = testCase.before ? await send(testCase.before(email)) : undefined;
    if (before) expect(before.statusCode, before.body).toBe(201);
    const response = await send(testCase.request(email));
    const expected = testCase.expect(email);

    expectSafeAnswer(response);
    expect(response.statusCode, response.body.slice(0, 500)).toBe(expected.status);
    if (expected.message) expect(messageOf(response)).toContain(expected.message);
    // Pages escape what the caller sent: no tag from any corpus input survives into HTML.
    if ((response.headers['content-type'] ?? '').includes('html')) expect(response.body).not.toMatch(/<(?:script|img|b|i)[\s>]/);
    if (expected.field) expect(Object.keys((JSON.parse(response.body) as { fields?: object }).fields ?? {})).toContain(expected.field);
    if (expected.location) expect(response.headers.location).toBe(expected.location);
    if (response.statusCode === 303) expect(config.forms.some((form) => form.redirectUrl === response.headers.location || form.allowedOrigins.includes(new URL(response.headers.location!).origin))).toBe(true);
    if (expected.allowOrigin !== undefined) expect(response.headers['access-control-allow-origin']).toBe(expected.allowOrigin ?? undefined);
    if (expected.sameLeadAsBefore !== undefined) expect(leadIdOf(response) === leadIdOf(before!)).toBe(expected.sameLeadAsBefore);

    const leads = await leadsOf(response, email);
    if (response.statusCode >= 400 || response.statusCode === 204) {
      expect(leads, 'a refused request stores nothing').toEqual([]);
    } else if (expected.sameLeadAsBefore) {
      expect(await harness.store.leadsOfPerson({ email: `second.${email}` }), 'a replay stores nothing new').toEqual([]);
    } else if (expected.stored || response.statusCode === 303) {
      expect(leads, 'an accepted request stores one whole lead').toHaveLength(1);
      const [lead] = leads as [Lead];
      expect(lead.contact.email).toMatch(/@/);
      expect(lead.followUpDeadline).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      if (expected.stored?.contact) expect(lead.contact).toMatchObject(expected.stored.contact);
      if (expected.stored?.answers) expect(lead.answers).toMatchObject(expected.stored.answers);
      if (expected.stored?.status) expect(lead.status).toBe(expected.stored.status);
      if (expected.stored?.tracking) expect(lead.tracking).toMatchObject(expected.stored.tracking);
      for (const name of expected.stored?.absentAnswers ?? []) expect(Object.hasOwn(lead.answers, name), `answer ${name}`).toBe(false);
      for (const field of expected.stored?.absentContact ?? []) expect(Object.hasOwn(lead.contact, field), `contact ${field}`).toBe(false);
    }
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeysBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
