import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LambdaHandler } from '../../infra/local/lambda-runtime.ts';
import { loadConfig } from '../../shared/config/load.ts';
import { LeadStore } from '../../shared/adapters/lead-store/store.ts';
import { asLambda } from '../support/handlers.ts';
import { createTestTable, invokeHttp, testDynamoDbClient } from '../support/local-aws.ts';

const config = loadConfig('handoff.config.json');
const apiToken = randomBytes(32).toString('base64url');
let capture: LambdaHandler;
let activities: LambdaHandler;
let store: LeadStore;

beforeAll(async () => {
  process.env.TABLE_NAME = await createTestTable('activities');
  const secretFile = join(mkdtempSync(join(tmpdir(), 'handoff-api-token-')), 'token');
  writeFileSync(secretFile, apiToken);
  process.env.API_TOKEN_SECRET_FILE = secretFile;
  capture = asLambda((await import('../../functions/capture.ts')).handler);
  activities = asLambda((await import('../../functions/lead-activities.ts')).handler);
  store = new LeadStore({ client: testDynamoDbClient(), tableName: process.env.TABLE_NAME, timezone: config.organisation.timezone });
});

async function capturedLead(): Promise<string> {
  const response = await invokeHttp(capture, {
    method: 'POST', url: '/forms/demo-request', sourceIp: `192.0.2.${randomInt(1, 254)}`,
    headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `crm.${randomInt(1e9)}@crm-co.com` }),
  });
  return JSON.parse(response.body).leadId;
}

const post = (leadId: string, body: unknown, authorization = `Bearer ${apiToken}`) =>
  invokeHttp(activities, { method: 'POST', url: `/leads/${leadId}/activities`, headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify(body) });

describe('POST /leads/{leadId}/activities', () => {
  it('records first contact from a CRM once and takes the lead out of the waiting set', async () => {
    const leadId = await capturedLead();
    const first = await post(leadId, { action: 'contacted', by: 'salesforce:ana', note: 'Logged call' });
    expect(first.statusCode).toBe(201);
    const { firstContactAt } = JSON.parse(first.body);
    expect(JSON.parse(first.body)).toMatchObject({ leadId, status: 'contacted' });
    await post(leadId, { action: 'note', by: 'salesforce:ana', note: 'Sent deck' });
    const lead = (await store.getLead(leadId))!;
    expect(lead.firstContactAt).toBe(firstContactAt);
    expect(lead.activities?.map((activity) => [activity.action, activity.via])).toEqual([['contacted', 'api'], ['note', 'api']]);
    expect(await store.waitingDueBy(new Date('2100-01-01'))).not.toEqual(expect.arrayContaining([expect.objectContaining({ leadId })]));
  });

  it.each([
    ['no header', undefined],
    ['a wrong token', 'Bearer not-the-token'],
    ['the token without the Bearer scheme', apiToken],
  ])('answers 401 with WWW-Authenticate for %s, and records nothing', async (_, authorization) => {
    const leadId = await capturedLead();
    const response = await invokeHttp(activities, {
      method: 'POST', url: `/leads/${leadId}/activities`,
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({ action: 'contacted', by: 'x' }),
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toContain('Bearer');
    expect((await store.getLead(leadId))?.activities).toBeUndefined();
  });

  it('answers 422 naming the field, and 404 for an unknown lead', async () => {
    const leadId = await capturedLead();
    const invalid = await post(leadId, { action: 'called', by: '' });
    expect(invalid.statusCode).toBe(422);
    expect(Object.keys(JSON.parse(invalid.body).fields).sort()).toEqual(['action', 'by']);
    const unknown = await post('ld_doesnotexist000000', { action: 'contacted', by: 'x' });
    expect(unknown.statusCode).toBe(404);
  });

  it("ignores fields of its own a CRM sends along, even ones named like a lead form's contact fields", async () => {
    const leadId = await capturedLead();
    const response = await post(leadId, { action: 'note', by: 'salesforce:ana', note: 'Called back', phone: { mobile: '+49 30 1234567' }, email: ['a@crm-co.com'], sfId: '00Q5e' });
    expect(response.statusCode).toBe(201);
    expect((await store.getLead(leadId))?.activities?.map((activity) => activity.note)).toEqual(['Called back']);
  });

  it('answers JSON to a form-encoded post with curl\'s default Accept: a CRM is not a browser', async () => {
    const leadId = await capturedLead();
    const formPost = (path: string, authorization: string) => invokeHttp(activities, {
      method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: '*/*', authorization }, body: 'action=note&note=x&by=crm',
    });
    const unauthorised = await formPost(`/leads/${leadId}/activities`, 'Bearer wrong');
    expect(unauthorised.statusCode).toBe(401);
    expect(unauthorised.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(unauthorised.body)).toHaveProperty('message');
    const unknown = await formPost('/leads/ld_doesnotexist000000/activities', `Bearer ${apiToken}`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/^application\/json/);
  });

  it('tells a missing field from one of the wrong type, and refuses a blank actor or an empty note', async () => {
    const leadId = await capturedLead();
    const fieldsOf = async (body: unknown) => {
      const response = await post(leadId, body);
      expect(response.statusCode).toBe(422);
      return JSON.parse(response.body).fields as Record<string, string>;
    };
    expect(await fieldsOf({ action: 'contacted' })).toEqual({ by: 'is required' });
    expect(await fieldsOf({ action: 'note', by: 5, note: 123 })).toEqual({ by: 'must be a string naming who did it', note: 'must be a string' });
    expect(await fieldsOf({ action: 'contacted', by: '   ' })).toEqual({ by: 'must name who did it' });
    expect(await fieldsOf({ action: 'note', by: 'crm' })).toEqual({ note: 'is required for a note' });
    expect((await store.getLead(leadId))?.activities).toBeUndefined();
  });
});
