/**
 * Property-based fuzzing of POST /forms/{formId} against the real handler and DynamoDB Local.
 *
 * Most runs post a lead built from a model (canonical fields under any accepted alias, extra answers,
 * a honeypot now and then), encoded as JSON, urlencoded, multipart or a HubSpot payload, so the test knows
 * the exact answer and the exact stored lead. The other runs post garbage (random bytes, random JSON
 * values, corrupted UTF-8, unsupported content types) where only the safety properties can be known.
 *
 * FUZZ_RUNS sets the number of runs (2,000 by default; 10,000 for a deep run); FUZZ_SEED replays a run by its seed.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lead } from '../../shared/domain/lead.ts';
import { testDynamoDbClient, type HttpInvocation } from '../support/local-aws.ts';
import {
  addressSequence, config, expectSafeAnswer, leadIdOf, postWithEncoding, startCaptureHarness, type CaptureHarness,
} from './support/capture-harness.ts';
import { encodeLead, expectedOutcome, garbageRequest, garbageWithFreshMarker, leadModel, withFreshMarkers, type LeadModel } from './support/lead-model.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
/** FUZZ_SEED replays a failing run: fast-check prints its seed with the counterexample. */
const SEED = process.env.FUZZ_SEED === undefined ? {} : { seed: Number(process.env.FUZZ_SEED) };
const MAX_BODY_BYTES = 32 * 1024;
const WEBSITE_FORM = config.forms.find((form) => form.kind === 'website')!;
const EVENT_FORM = config.forms.find((form) => form.kind === 'event')!;

let harness: CaptureHarness;
const nextAddress = addressSequence(0xf);
/** Every lead the API said it stored, by id: at the end the table must hold exactly these. */
const acceptedLeadIds = new Set<string>();
const prototypeKeysBefore = Object.getOwnPropertyNames(Object.prototype).sort();

beforeAll(async () => {
  harness = await startCaptureHarness('fuzz');
});

afterAll(() => {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeysBefore);
});

const requestShapeArb = fc.record({
  encoding: fc.constantFrom('json', 'json', 'urlencoded', 'urlencoded', 'multipart', 'multipart', 'hubspot'),
  contentTypeVariant: fc.nat({ max: 5 }),
  boundary: fc.stringMatching(/^[A-Za-z0-9'()+_,\-./:=?]{8,60}[A-Za-z0-9]$/),
  accept: fc.constantFrom(undefined, 'application/json', 'text/html,application/xhtml+xml', '*/*'),
  base64: fc.boolean(),
  formId: fc.oneof(
    { weight: 12, arbitrary: fc.constant(WEBSITE_FORM.id) },
    { weight: 3, arbitrary: fc.constant(EVENT_FORM.id) },
    { weight: 1, arbitrary: fc.constantFrom('no-such-form', '..%2F..%2Fetc%2Fpasswd', 'DEMO-REQUEST', 'demo-request ', '__proto__', 'constructor') },
  ),
  origin: fc.oneof(
    { weight: 10, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: fc.constantFrom(...WEBSITE_FORM.allowedOrigins) },
    { weight: 1, arbitrary: fc.constantFrom('https://evil.example', 'null', 'https://www.northwind.example.evil.com', 'http://www.northwind.example') },
  ),
  /** Pads the body to just under, at or just over the 32 KB limit. */
  padTo: fc.option(fc.constantFrom(MAX_BODY_BYTES - 1, MAX_BODY_BYTES, MAX_BODY_BYTES + 1, MAX_BODY_BYTES + 700, 3 * MAX_BODY_BYTES), { freq: 6, nil: undefined }),
});

async function storedLead(response: HttpInvocation, email: string): Promise<Lead | undefined> {
  const leadId = leadIdOf(response);
  if (leadId) return harness.store.getLead(leadId);
  const byEmail = await harness.store.leadsOfPerson({ email: email });
  expect(byEmail.length, 'one submission stores at most one lead').toBeLessThanOrEqual(1);
  return byEmail[0];
}

/**
 * Notes which leads a success stored before any assertion can fail, so the final count stays meaningful
 * even when a property fails (fast-check keeps posting while it shrinks).
 */
async function rememberStoredLeads(response: HttpInvocation, model: LeadModel) {
  const leadId = leadIdOf(response);
  if (leadId) acceptedLeadIds.add(leadId);
  if (response.statusCode !== 303) return;
  for (const field of [...model.canonical, ...model.duplicates]) {
    if (field.role !== 'email') continue;
    for (const lead of await harness.store.leadsOfPerson({ email: String(field.value).trim().toLowerCase() })) acceptedLeadIds.add(lead.leadId);
  }
}

function expectCorsOnlyForAllowedOrigins(response: HttpInvocation, formId: string, origin: string | undefined) {
  const form = config.forms.find((candidate) => candidate.id === formId);
  const allowed = origin !== undefined && form !== undefined && form.allowedOrigins.includes(origin);
  expect(response.headers['access-control-allow-origin']).toBe(allowed ? origin : undefined);
}

describe(`capture API fuzzing (${RUNS} runs)`, () => {
  it('answers every modelled lead exactly: stored whole when accepted, not at all when refused', { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(leadModel, requestShapeArb, async (generated, shape) => {
        const model = withFreshMarkers(generated);
        const encoded = encodeLead(model, shape);
        fc.pre(encoded !== undefined);
        const { body, contentType, submittedFields } = encoded!;
        const headers: Record<string, string> = { 'content-type': contentType };
        if (shape.accept) headers.accept = shape.accept;
        if (shape.origin) headers.origin = shape.origin;
        const response = await postWithEncoding(harness.capture, { formId: shape.formId, headers, body, sourceIp: nextAddress() }, shape.base64);

        await rememberStoredLeads(response, model);
        expectSafeAnswer(response);
        expectCorsOnlyForAllowedOrigins(response, shape.formId, shape.origin);
        const expected = expectedOutcome(submittedFields, {
          formExists: config.forms.some((form) => form.id === shape.formId),
          originAllowed: shape.origin === undefined || (config.forms.find((form) => form.id === shape.formId)?.allowedOrigins.includes(shape.origin) ?? false),
          bodyBytes: Buffer.byteLength(body),
          browserFormPost: shape.encoding !== 'json' && shape.encoding !== 'hubspot' && !(shape.accept ?? '').includes('application/json'),
          relayed: shape.encoding === 'hubspot',
        });
        expect(response.statusCode, response.body.slice(0, 400)).toBe(expected.status);

        if (!expected.stored) {
          const emails = [...model.canonical, ...model.duplicates].filter((field) => field.role === 'email').map((field) => String(field.value).trim().toLowerCase());
          for (const email of emails) expect(await harness.store.leadsOfPerson({ email: email }), 'a refused submission stores nothing').toEqual([]);
          return;
        }
        const lead = await storedLead(response, String(expected.stored.contact.email));
        expect(lead, 'an accepted submission is stored').toBeDefined();
        expect(lead!.formId).toBe(shape.formId);
        expect(lead!.contact).toEqual(expected.stored.contact);
        expect(lead!.status).toBe(expected.stored.status);
        for (const [name, value] of Object.entries(expected.stored.answers)) expect(lead!.answers[name], `answer ${name}`).toBe(value);
      }),
      { ...SEED, numRuns: Math.ceil(RUNS * 0.7), interruptAfterTimeLimit: 540_000 },
    );
  });

  it('never fails, leaks or half-stores on garbage bodies, content types and encodings', { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(garbageRequest, fc.boolean(), async (generated, base64) => {
        const { body, contentType, email } = garbageWithFreshMarker(generated);
        // Asking for JSON makes every success a 201 with its lead id, so the final count can account for it.
        const headers: Record<string, string> = { accept: 'application/json', ...(contentType === undefined ? {} : { 'content-type': contentType }) };
        const response = await postWithEncoding(harness.capture, { formId: WEBSITE_FORM.id, headers, body, sourceIp: nextAddress() }, base64);
        const leadId = leadIdOf(response);
        if (leadId) acceptedLeadIds.add(leadId);
        expectSafeAnswer(response);
        if (leadId) {
          const lead = await harness.store.getLead(leadId);
          expect(lead?.contact.email, 'an accepted lead is stored with its email').toMatch(/@/);
          expect(lead?.followUpDeadline).toMatch(/^\d{4}-/);
        } else if (response.statusCode >= 400) {
          expect(await harness.store.leadsOfPerson({ email: email })).toEqual([]);
        }
      }),
      { ...SEED, numRuns: Math.ceil(RUNS * 0.3), interruptAfterTimeLimit: 240_000 },
    );
  });

  it('holds exactly the leads it accepted, and Object.prototype is untouched', async () => {
    const client = testDynamoDbClient();
    const storedIds = new Set<string>();
    let ExclusiveStartKey: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: harness.tableName, FilterExpression: 'entity = :lead', ExpressionAttributeValues: { ':lead': { S: 'lead' } }, ExclusiveStartKey }));
      for (const item of page.Items ?? []) storedIds.add(String(unmarshall(item).leadId));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    client.destroy();
    expect(acceptedLeadIds.size).toBeGreaterThan(0);
    expect([...storedIds].sort()).toEqual([...acceptedLeadIds].sort());
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeysBefore);
  });
});
