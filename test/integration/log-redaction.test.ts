/**
 * No personal data in the logs: a lead with an email address, a phone number, a name and a message goes through
 * the capture handler and the stream processor (including a send SES rejects with a message that quotes an
 * address, as the sandbox does for unverified recipients), and every line written to stdout or stderr —
 * Powertools logs and EMF metrics alike — is checked for any of it.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import type { LambdaHandler } from '../../infra/local/lambda-runtime.ts';
import { loadConfig } from '../../shared/config/load.ts';
import { LeadStore } from '../../shared/adapters/lead-store/store.ts';
import { mailerFromEnv } from '../../shared/adapters/mailer-from-env.ts';
import { flushMetrics } from '../../shared/adapters/metrics.ts';
import { recordFollowUp } from '../../shared/usecases/record-follow-up.ts';
import { asLambda } from '../support/handlers.ts';
import { createTestTable, invokeHttp, testDynamoDbClient } from '../support/local-aws.ts';
import { recordProcessOutput } from '../support/process-output.ts';

const config = loadConfig('handoff.config.json');
const run = `${Date.now().toString(36)}${randomInt(1e6)}`;
const person = {
  firstName: 'Zoë',
  lastName: 'Quistorpova',
  emailDisplay: `Zoe.Quistorpova.${run}@Quistorp-Logistik.de`,
  phone: '030 98765432',
  phoneE164: '+493098765432',
  message: 'Please call me about the warehouse scanner rollout in Rostock before Friday',
  secondMessage: 'Following up: budget approved for the Rostock rollout',
};
const spammer = { email: `bot.${run}@spam-relay.example`, name: 'Spammy McSpamface' };

/** Everything any code in this process wrote to stdout or stderr while the test ran. */
let output: ReturnType<typeof recordProcessOutput>;

/** Stands in front of the local SES; while `rejecting`, answers as SES does for an unverified recipient in the sandbox. */
let sesProxy: Server;
let rejecting = false;

let capture: LambdaHandler;
let processLeads: LambdaHandler;
let store: LeadStore;

beforeAll(async () => {
  const realSes = inject('sesEndpoint');
  sesProxy = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (rejecting) {
      const recipient = decodeURIComponent(/Destinations\.member\.1=([^&]+)/.exec(body.toString())?.[1] ?? 'someone@example.com');
      response.writeHead(400, { 'content-type': 'text/xml' });
      response.end(
        `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type><Code>MessageRejected</Code>` +
          `<Message>Email address is not verified. The following identities failed the check in region EU-CENTRAL-1: ${recipient}</Message></Error>` +
          `<RequestId>5a3c1f0e-7b2d-4e9a-8c61-0f4d2b7e9a13</RequestId></ErrorResponse>`,
      );
      return;
    }
    const headers = Object.entries(request.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name)) as Array<[string, string]>;
    const forwarded = await fetch(`${realSes}${request.url}`, { method: request.method, headers, body });
    response.writeHead(forwarded.status, { 'content-type': forwarded.headers.get('content-type') ?? 'text/xml' });
    response.end(Buffer.from(await forwarded.arrayBuffer()));
  });
  await new Promise<void>((resolve) => sesProxy.listen(0, '127.0.0.1', resolve));
  // Handlers create their SES client on first use, from the endpoint in the env: this file's workers only ever see the proxy.
  process.env.AWS_ENDPOINT_URL_SES = `http://127.0.0.1:${(sesProxy.address() as AddressInfo).port}`;
  process.env.TABLE_NAME = await createTestTable('log-redaction');
  const secretFile = join(mkdtempSync(join(tmpdir(), 'handoff-redaction-')), 'action-secret');
  writeFileSync(secretFile, randomBytes(48).toString('base64url'));
  process.env.ACTION_SECRET_FILE = secretFile;
  capture = asLambda((await import('../../functions/capture.ts')).handler);
  processLeads = asLambda((await import('../../functions/process-leads.ts')).handler);
  store = new LeadStore({ client: testDynamoDbClient(), tableName: process.env.TABLE_NAME, timezone: config.organisation.timezone });

  output = recordProcessOutput();
});

afterAll(async () => {
  output?.restore();
  await new Promise((resolve) => sesProxy?.close(resolve));
});

async function post(body: string, contentType: string, headers: Record<string, string> = {}) {
  return invokeHttp(capture, {
    method: 'POST', url: '/forms/demo-request', sourceIp: `198.51.100.${randomInt(1, 254)}`,
    headers: { 'content-type': contentType, 'user-agent': 'Mozilla/5.0 (redaction test)', ...headers }, body,
  });
}

/** The stream record Lambda would deliver for a lead's insert; the processor reads only the keys. */
function streamEvent(leadId: string): DynamoDBStreamEvent {
  return {
    Records: [{
      eventID: randomBytes(16).toString('hex'), eventName: 'INSERT', eventSource: 'aws:dynamodb', awsRegion: 'eu-central-1',
      eventSourceARN: `arn:aws:dynamodb:eu-central-1:123456789012:table/${process.env.TABLE_NAME}/stream/2026-11-26T00:00:00.000`,
      dynamodb: { Keys: { pk: { S: `LEAD#${leadId}` }, sk: { S: 'LEAD' } }, SequenceNumber: String(randomInt(1e9)), StreamViewType: 'NEW_IMAGE' },
    }],
  };
}

describe('the logs of capturing and processing a lead', () => {
  it('hold no email address, phone number, name or message text', async () => {
    const json = await post(
      JSON.stringify({ firstName: person.firstName, lastName: person.lastName, email: person.emailDisplay, phone: person.phone, company: 'Lindqvist Freight AB', country: 'DE', message: person.message }),
      'application/json',
    );
    expect(json.statusCode).toBe(201);
    const leadId = JSON.parse(json.body).leadId as string;

    const form = await post(
      new URLSearchParams({ name: `${person.firstName} ${person.lastName}`, email: person.emailDisplay, tel: person.phoneE164, message: person.secondMessage }).toString(),
      'application/x-www-form-urlencoded',
      { origin: config.forms.find((candidate) => candidate.id === 'demo-request')!.allowedOrigins[0]! },
    );
    expect(form.statusCode).toBe(303);
    const [returning] = (await store.leadsOfPerson({ email: person.emailDisplay })).filter((lead) => lead.leadId !== leadId);

    expect((await post(JSON.stringify({ email: spammer.email, name: spammer.name, _gotcha: 'http://spam.example', message: person.message }), 'application/json')).statusCode).toBe(201);
    expect((await post(JSON.stringify({ email: `not an address ${person.emailDisplay}`, name: person.lastName, phone: 'call me maybe' }), 'application/json')).statusCode).toBe(422);

    rejecting = true;
    const rejected = await processLeads(streamEvent(leadId), {} as never);
    expect(rejected).toMatchObject({ batchItemFailures: [expect.anything()] });
    rejecting = false;
    expect(await processLeads(streamEvent(leadId), {} as never)).toEqual({ batchItemFailures: [] });
    expect(await processLeads(streamEvent(returning!.leadId), {} as never)).toEqual({ batchItemFailures: [] });
    expect((await store.getLead(leadId))!.alert).toMatchObject({ status: 'sent' });

    const lines = output.written.join('').split('\n').filter((line) => line.trim() !== '');
    // The logs must say something, or this test proves nothing: the processing outcome and the failed send are there.
    expect(lines.some((line) => line.includes('lead processed') && line.includes(leadId))).toBe(true);
    expect(lines.some((line) => line.includes('lead processing failed') && line.includes('MessageRejected'))).toBe(true);
    expect(lines.some((line) => line.includes('"LeadsCaptured"'))).toBe(true);

    const forbidden = [
      person.emailDisplay, person.emailDisplay.toLowerCase(), `Zoe.Quistorpova.${run}`, person.phone, person.phone.replaceAll(' ', ''), person.phoneE164,
      '98765432', person.firstName, person.lastName, person.message, person.secondMessage, 'Rostock', spammer.email, spammer.name,
    ];
    const leaks = lines.flatMap((line) => [
      ...forbidden.filter((text) => line.toLowerCase().includes(text.toLowerCase())).map((text) => `${JSON.stringify(text)} in ${line.slice(0, 300)}`),
      ...(/[\w.+-]+@[\w-]+(\.[\w-]+)+/.test(line) ? [`an email address in ${line.slice(0, 300)}`] : []),
    ]);
    expect(leaks).toEqual([]);
  });

  it('recording the first contact publishes the time to first contact once, and logs no note text', async () => {
    const leadId = (await store.leadsOfPerson({ email: person.emailDisplay })).find((lead) => lead.status === 'open')!.leadId;
    const lead = (await store.getLead(leadId))!;
    const deps = { config, store, mailer: mailerFromEnv(config), now: () => new Date() };
    const before = output.written.length;

    await recordFollowUp({ leadId, action: 'contacted', by: lead.ownerId!, via: 'cli', note: `Called ${person.firstName} on ${person.phoneE164}` }, deps);
    await recordFollowUp({ leadId, action: 'contacted', by: lead.ownerId!, via: 'cli' }, deps);
    flushMetrics();

    const lines = output.written.slice(before).join('').split('\n').filter((line) => line.includes('"TimeToFirstContactMinutes"'));
    expect(lines).toHaveLength(1);
    const minutes = JSON.parse(lines[0]!).TimeToFirstContactMinutes as number;
    const stamped = (await store.getLead(leadId))!.firstContactAt!;
    expect(minutes).toBeCloseTo((Date.parse(stamped) - Date.parse(lead.receivedAt)) / 60_000, 6);
    expect(output.written.slice(before).join('')).not.toContain(person.phoneE164);
  });
});
