import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, PutItemCommand, QueryCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendEmailCommand, SESClient } from '@aws-sdk/client-ses';
import type { APIGatewayProxyEventV2, DynamoDBRecord, DynamoDBStreamEvent, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { matchesAnyFilterPattern } from '../../infra/local/event-filter.ts';
import { loggedPath, startGateway, type GatewayRoute, type RunningGateway } from '../../infra/local/gateway.ts';
import type { LambdaHandler } from '../../infra/local/lambda-runtime.ts';
import { ensureJava, ensureTable, findFreePort, localDynamoDbClient, LocalStackError, startDynamoDbLocal } from '../../infra/local/services.ts';
import { INDEX, projectionOf, tableDefinition } from '../../shared/adapters/lead-store/table.ts';
import { startStreamPoller, type StreamPoller, type StreamSourceSettings } from '../../infra/local/stream-poller.ts';
import { leadStreamSettings } from '../../infra/event-sources.ts';
import { createTestTable, invokeHttp, readMailbox, testDynamoDbClient } from '../support/local-aws.ts';

const echoEvent: LambdaHandler = (event) => ({
  statusCode: 201,
  headers: { 'Content-Type': 'application/json', 'X-Multi': 'a,b' },
  cookies: ['session=abc; Path=/; HttpOnly', 'theme=dark'],
  body: JSON.stringify(event),
});

const handlers: Record<string, LambdaHandler> = {
  echo: echoEvent,
  shorthand: () => ({ ok: true }),
  binary: () => ({ statusCode: 200, headers: { 'content-type': 'image/png' }, body: Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64'), isBase64Encoded: true }),
  boom: () => {
    throw new Error('handler exploded');
  },
};

const fakeRoutes: GatewayRoute[] = [
  { method: 'POST', path: '/forms/{formId}', handler: 'echo' },
  { method: 'GET', path: '/forms/{formId}', handler: 'echo' },
  { method: 'GET', path: '/shorthand', handler: 'shorthand' },
  { method: 'GET', path: '/binary', handler: 'binary' },
  { method: 'GET', path: '/boom', handler: 'boom' },
];

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** node:http rather than fetch, so repeated headers go out as separate lines like a browser may send them. */
function send(url: string, options: { method?: string; headers?: Record<string, string | string[]>; body?: string | Buffer } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url.replace('localhost', '127.0.0.1'), { method: options.method ?? 'GET', headers: options.headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

describe("the local gateway's access log", () => {
  it('keeps action-link tokens and query strings out of it', () => {
    expect(loggedPath('/actions/WzIsImxkX2FiYyJd.c2lnbmF0dXJl')).toBe('/actions/{token}');
    expect(loggedPath('/forms/demo-request?email=ana%40example.com')).toBe('/forms/demo-request');
    expect(loggedPath('/health')).toBe('/health');
  });
});

describe('local gateway (API Gateway HTTP API, payload 2.0)', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      port: 0,
      routes: fakeRoutes,
      resolveHandler: async (name) => handlers[name]!,
      staticPages: { '/': '<h1>demo</h1>' },
    });
  });
  afterAll(() => gateway.stop());

  it('delivers a urlencoded form base64-encoded, with path, query, cookies and headers as API Gateway does', async () => {
    const form = 'firstName=Ana&email=ana%40example.com&_gotcha=';
    const response = await send(`${gateway.url}/forms/demo-request?utm_source=news&tag=a&tag=b&q=x%20y`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'User-Agent': 'local-stack-test',
        'X-Repeated': ['one', 'two'],
        Cookie: 'c1=v1; c2=v2',
      },
      body: form,
    });

    expect(response.status).toBe(201);
    expect(response.headers['x-multi']).toBe('a,b');
    expect(response.headers['set-cookie']).toEqual(['session=abc; Path=/; HttpOnly', 'theme=dark']);
    expect(response.headers['apigw-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    const event = JSON.parse(response.body.toString()) as APIGatewayProxyEventV2;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /forms/{formId}',
      rawPath: '/forms/demo-request',
      rawQueryString: 'utm_source=news&tag=a&tag=b&q=x%20y',
      queryStringParameters: { utm_source: 'news', tag: 'a,b', q: 'x y' },
      pathParameters: { formId: 'demo-request' },
      cookies: ['c1=v1', 'c2=v2'],
      isBase64Encoded: true,
      requestContext: {
        http: { method: 'POST', path: '/forms/demo-request', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'local-stack-test' },
        routeKey: 'POST /forms/{formId}',
        stage: '$default',
        domainName: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      },
    });
    expect(Buffer.from(event.body!, 'base64').toString()).toBe(form);
    expect(event.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(event.headers['x-repeated']).toBe('one,two');
    expect(event.headers['content-length']).toBe(String(form.length));
    expect(event.headers).not.toHaveProperty('cookie');
    expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true);
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(10_000);
  });

  it('passes JSON as text and multipart as base64', async () => {
    const json = await send(`${gateway.url}/forms/booth`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"name":"Jo"}' });
    const jsonEvent = JSON.parse(json.body.toString()) as APIGatewayProxyEventV2;
    expect(jsonEvent).toMatchObject({ isBase64Encoded: false, body: '{"name":"Jo"}' });

    const multipart = '--b\r\nContent-Disposition: form-data; name="email"\r\n\r\njo@example.com\r\n--b--\r\n';
    const multi = await send(`${gateway.url}/forms/booth`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=b' }, body: multipart });
    const multiEvent = JSON.parse(multi.body.toString()) as APIGatewayProxyEventV2;
    expect(multiEvent.isBase64Encoded).toBe(true);
    expect(Buffer.from(multiEvent.body!, 'base64').toString()).toBe(multipart);
  });

  it('leaves out body, query, cookies and path parameters that the request does not have', async () => {
    const response = await send(`${gateway.url}/forms/x`);
    const event = JSON.parse(response.body.toString()) as Record<string, unknown>;
    expect(event).toMatchObject({ routeKey: 'GET /forms/{formId}', rawQueryString: '', isBase64Encoded: false });
    for (const absent of ['body', 'queryStringParameters', 'cookies']) expect(event).not.toHaveProperty(absent);
  });

  it('maps the v2 shorthand and base64 bodies like API Gateway', async () => {
    const shorthand = await send(`${gateway.url}/shorthand`);
    expect(shorthand.status).toBe(200);
    expect(shorthand.headers['content-type']).toBe('application/json');
    expect(shorthand.body.toString()).toBe('{"ok":true}');

    const binary = await send(`${gateway.url}/binary`);
    expect([...binary.body]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  it('answers 404 for unknown routes and 500 when a handler throws', async () => {
    for (const [method, path] of [['GET', '/nope'], ['DELETE', '/forms/x'], ['GET', '/forms']] as const) {
      const response = await send(`${gateway.url}${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(JSON.parse(response.body.toString())).toEqual({ message: 'Not Found' });
    }
    const failed = await send(`${gateway.url}/boom`);
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.body.toString())).toEqual({ message: 'Internal Server Error' });
  });

  it('rejects bodies over 10 MB with 413 and serves local static pages', async () => {
    const tooLarge = await send(`${gateway.url}/forms/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.alloc(10 * 1024 * 1024 + 1, 0x20) });
    expect(tooLarge.status).toBe(413);

    const page = await send(`${gateway.url}/`);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body.toString()).toBe('<h1>demo</h1>');
  });

  it('invokeHttp builds the same event, routed by infra/routes.ts', async () => {
    const response = await invokeHttp(echoEvent, { method: 'POST', url: '/forms/demo-request', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'email=a%40b.co' });
    const event = JSON.parse(response.body) as APIGatewayProxyEventV2;
    expect(response.statusCode).toBe(201);
    expect(response.cookies).toEqual(['session=abc; Path=/; HttpOnly', 'theme=dark']);
    expect(event).toMatchObject({ routeKey: 'POST /forms/{formId}', pathParameters: { formId: 'demo-request' }, isBase64Encoded: true });
    expect(Buffer.from(event.body!, 'base64').toString()).toBe('email=a%40b.co');
  });
});

describe('test harness', () => {
  it('hands the services started by global setup to every worker through the env', () => {
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(inject('dynamoDbEndpoint'));
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS).toBe(inject('dynamoDbEndpoint'));
    expect(process.env.AWS_ENDPOINT_URL_SES).toBe(inject('sesEndpoint'));
    expect(process.env.AWS_ACCESS_KEY_ID).toBe('local');
  });

  it('lets an SES client configured only by the env deliver into the local mailbox', async () => {
    const subject = `harness check ${randomUUID()}`;
    const ses = new SESClient({});
    try {
      await ses.send(new SendEmailCommand({ Source: 'leads@northwind.example', Destination: { ToAddresses: ['rep@northwind.example'] }, Message: { Subject: { Data: subject }, Body: { Text: { Data: 'hello' } } } }));
    } finally {
      ses.destroy();
    }
    const delivered = (await readMailbox()).filter((email) => email.subject === subject);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({ from: 'leads@northwind.example', destination: { to: ['rep@northwind.example'] }, body: { text: 'hello' } });
  });
});

describe('local stream poller (DynamoDB stream → Lambda event source mapping)', () => {
  const fastSettings: StreamSourceSettings = { ...leadStreamSettings, maxBatchingWindowSeconds: 0 };
  let client: DynamoDBClient;
  const running: StreamPoller[] = [];

  beforeAll(() => {
    client = testDynamoDbClient();
  });
  afterAll(async () => {
    await Promise.all(running.map((poller) => poller.stop()));
    client.destroy();
  });

  async function putLead(tableName: string, id: string, status = 'new', entity = 'lead') {
    await client.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: `LEAD#${id}` }, sk: { S: 'LEAD' }, entity: { S: entity }, status: { S: status }, leadId: { S: id } } }));
  }

  const leadId = (record: DynamoDBRecord) => record.dynamodb?.NewImage?.leadId?.S;

  async function poll(tableName: string, handler: LambdaHandler<DynamoDBStreamEvent, unknown>, extra: { settings?: StreamSourceSettings; onFailure?: (event: SQSEvent) => Promise<unknown>; dataDir?: string } = {}) {
    const poller = await startStreamPoller({ endpoint: inject('dynamoDbEndpoint'), tableName, functionName: 'processLeads', handler, settings: fastSettings, ...extra });
    running.push(poller);
    return poller;
  }

  it('filters like Lambda: nested objects and arrays of exact values', () => {
    const [pattern] = leadStreamSettings.filterPatterns;
    const record = (eventName: string, entity: string, status: string) => ({ eventName, dynamodb: { NewImage: { entity: { S: entity }, status: { S: status } } } });
    expect(matchesAnyFilterPattern([pattern], record('INSERT', 'lead', 'new'))).toBe(true);
    expect(matchesAnyFilterPattern([pattern], record('MODIFY', 'lead', 'new'))).toBe(false);
    expect(matchesAnyFilterPattern([pattern], record('INSERT', 'lead', 'spam'))).toBe(false);
    expect(matchesAnyFilterPattern([pattern], record('INSERT', 'rate', 'new'))).toBe(false);
    expect(matchesAnyFilterPattern([pattern], { eventName: 'INSERT', dynamodb: {} })).toBe(false);
    expect(matchesAnyFilterPattern([{ tags: ['b'] }], { tags: ['a', 'b'] })).toBe(true);
    // A stored import part wakes the processor once, to tell its owners; nothing else does.
    const importPart = (eventName: string) => ({ eventName, dynamodb: { NewImage: { entity: { S: 'import-part' } } } });
    expect(matchesAnyFilterPattern(leadStreamSettings.filterPatterns, importPart('INSERT'))).toBe(true);
    expect(matchesAnyFilterPattern(leadStreamSettings.filterPatterns, importPart('MODIFY'))).toBe(false);
    expect(matchesAnyFilterPattern(leadStreamSettings.filterPatterns, record('INSERT', 'raw-payload', 'new'))).toBe(false);
  });

  it('delivers exactly the matching records once, in the shape Lambda delivers', async () => {
    const tableName = await createTestTable('poller-shape');
    const received: DynamoDBRecord[] = [];
    const poller = await poll(tableName, (event) => {
      received.push(...event.Records);
    });
    await putLead(tableName, 'match');
    await putLead(tableName, 'spam', 'spam');
    await putLead(tableName, 'counter', 'new', 'rate');
    await client.send(new UpdateItemCommand({ TableName: tableName, Key: { pk: { S: 'LEAD#match' }, sk: { S: 'LEAD' } }, UpdateExpression: 'SET notified = :yes', ExpressionAttributeValues: { ':yes': { BOOL: true } } }));
    await poller.idle();
    await poller.idle();

    expect(received.map(leadId)).toEqual(['match']);
    const [record] = received;
    expect(record).toMatchObject({
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: process.env.AWS_REGION,
      eventSourceARN: expect.stringContaining(`table/${tableName}/stream/`),
      dynamodb: {
        Keys: { pk: { S: 'LEAD#match' }, sk: { S: 'LEAD' } },
        NewImage: { entity: { S: 'lead' }, status: { S: 'new' } },
        SequenceNumber: expect.stringMatching(/^\d+$/),
        SizeBytes: expect.any(Number),
        StreamViewType: 'NEW_IMAGE',
      },
    });
    const createdSeconds = record!.dynamodb!.ApproximateCreationDateTime!;
    expect(Number.isInteger(createdSeconds)).toBe(true);
    expect(Math.abs(createdSeconds - Date.now() / 1000)).toBeLessThan(120);
  });

  it('retries from the first reported batch item failure', async () => {
    const tableName = await createTestTable('poller-partial');
    for (const id of ['a', 'b', 'c']) await putLead(tableName, id);
    const batches: (string | undefined)[][] = [];
    let failedOnce = false;
    const poller = await poll(tableName, (event) => {
      batches.push(event.Records.map(leadId));
      const b = event.Records.find((record) => leadId(record) === 'b');
      if (b && !failedOnce) {
        failedOnce = true;
        return { batchItemFailures: [{ itemIdentifier: b.dynamodb!.SequenceNumber! }] };
      }
      return { batchItemFailures: [] };
    });
    await poller.idle();

    expect(batches).toEqual([
      ['a', 'b', 'c'],
      ['b', 'c'],
    ]);
  });

  it('isolates a poison record by bisecting, sends it to onFailure after the bounded retries, and processes the rest', async () => {
    const tableName = await createTestTable('poller-poison');
    for (const id of ['a', 'poison', 'c', 'd']) await putLead(tableName, id);
    const processed: string[] = [];
    let poisonInvocations = 0;
    const failures: SQSEvent[] = [];
    const poller = await poll(
      tableName,
      (event) => {
        const ids = event.Records.map(leadId);
        if (ids.includes('poison')) {
          poisonInvocations += 1;
          throw new Error('cannot process poison');
        }
        processed.push(...(ids as string[]));
      },
      { settings: { ...fastSettings, retryAttempts: 2 }, onFailure: async (event) => void failures.push(event) },
    );
    await poller.idle();

    expect(processed.sort()).toEqual(['a', 'c', 'd']);
    expect(poisonInvocations).toBe(3);
    expect(failures).toHaveLength(1);
    const [message] = failures[0]!.Records;
    expect(message).toMatchObject({ eventSource: 'aws:sqs', awsRegion: process.env.AWS_REGION, messageAttributes: {} });
    const invocation = JSON.parse(message!.body) as Record<string, any>;
    expect(invocation).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3, functionArn: expect.stringMatching(/^arn:aws:lambda:[\w-]+:\d{12}:function:processLeads$/) },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      DDBStreamBatchInfo: { batchSize: 1, streamArn: expect.stringContaining(`table/${tableName}/stream/`), shardId: expect.stringMatching(/^shardId-/) },
    });
    expect(invocation.DDBStreamBatchInfo.startSequenceNumber).toBe(invocation.DDBStreamBatchInfo.endSequenceNumber);
    expect(invocation.DDBStreamBatchInfo.approximateArrivalOfFirstRecord).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(Date.parse(invocation.timestamp)).not.toBeNaN();
  });

  it('keeps checkpoints in the data dir, so a restart neither replays nor loses records', async () => {
    const tableName = await createTestTable('poller-restart');
    const dataDir = mkdtempSync(join(tmpdir(), 'handoff-poller-'));
    try {
      const received: (string | undefined)[] = [];
      const handler = (event: DynamoDBStreamEvent) => void received.push(...event.Records.map(leadId));
      await putLead(tableName, 'before');
      const first = await poll(tableName, handler, { dataDir });
      await first.idle();
      await first.stop();
      await putLead(tableName, 'while-stopped');
      const second = await poll(tableName, handler, { dataDir });
      await second.idle();

      expect(received).toEqual(['before', 'while-stopped']);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('ensureJava', () => {
  const message = 'Java 17+ is needed for DynamoDB Local and was not found. Install it: sudo apt-get install -y default-jre-headless (Debian/Ubuntu) or brew install openjdk@17 (macOS).';

  it('explains in one line how to install Java when it is not on PATH', () => {
    expect(() => ensureJava({ ...process.env, PATH: '/nonexistent' })).toThrow(new LocalStackError(message));
  });

  it('makes npm start print just that line and exit 1', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
      env: { ...process.env, PATH: '/nonexistent' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(message);
  });
});

describe('ensureTable', () => {
  it('refuses a table kept from an older version whose index projection differs, naming the index', async () => {
    const client = testDynamoDbClient();
    const tableName = `old-shape-${randomUUID().slice(0, 8)}`;
    await client.send(new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: ['pk', 'sk', 'waitingKey', 'waitingSort'].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      GlobalSecondaryIndexes: [{ IndexName: 'waitingByDeadline', KeySchema: [{ AttributeName: 'waitingKey', KeyType: 'HASH' }, { AttributeName: 'waitingSort', KeyType: 'RANGE' }], Projection: { ProjectionType: 'KEYS_ONLY' } }],
    }));
    const refusal = ensureTable(client, tableName);
    await expect(refusal).rejects.toBeInstanceOf(LocalStackError);
    await expect(refusal).rejects.toThrow(/index\(es\) waitingByDeadline differ/);
    // A table built from the current definition passes.
    await expect(ensureTable(client, await createTestTable('current-shape'))).resolves.toBeUndefined();
  });

  it('adds an index a table kept from an older version lacks, and it finds the leads stored before', async () => {
    // Its own DynamoDB Local, holding just this table, as `npm start`'s does: in the instance the other test files
    // share (dozens of tables, TTL sweeps, the load test), building an index took over a minute.
    const dynamoDb = await startDynamoDbLocal({ port: await findFreePort() });
    const client = localDynamoDbClient(dynamoDb.endpoint);
    onTestFinished(async () => {
      client.destroy();
      await dynamoDb.stop();
    });
    const tableName = `before-by-phone-${randomUUID().slice(0, 8)}`;
    const olderIndexes = tableDefinition.indexes.filter((index) => index.name !== INDEX.byPhone);
    const keyAttributes = [...new Set(['pk', 'sk', ...olderIndexes.flatMap((index) => [index.partitionKey, index.sortKey])])];
    await client.send(new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: keyAttributes.map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      GlobalSecondaryIndexes: olderIndexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [{ AttributeName: index.partitionKey, KeyType: 'HASH' }, { AttributeName: index.sortKey, KeyType: 'RANGE' }],
        Projection: projectionOf(index),
      })),
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    }));
    const storedBefore = { pk: { S: 'LEAD#ld_before' }, sk: { S: 'LEAD' }, phoneKey: { S: 'PHONE#11234567' }, emailSort: { S: '2026-11-01T10:00:00.000Z#ld_before' } };
    await client.send(new PutItemCommand({ TableName: tableName, Item: storedBefore }));

    await ensureTable(client, tableName);
    const { Items } = await client.send(new QueryCommand({
      TableName: tableName, IndexName: INDEX.byPhone, KeyConditionExpression: 'phoneKey = :phone', ExpressionAttributeValues: { ':phone': { S: 'PHONE#11234567' } },
    }));
    expect(Items?.map((item) => item.pk?.S)).toEqual(['LEAD#ld_before']);
    await expect(ensureTable(client, tableName)).resolves.toBeUndefined();
  }, 60_000);
});
