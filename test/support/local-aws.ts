/**
 * Helpers for integration tests against the DynamoDB Local and local SES that global-setup.ts starts.
 * The SDK finds both through AWS_ENDPOINT_URL_* in the env, exactly as the handlers do.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { handleHttpApiRequest, type GatewayRoute, type HttpApiRequest, type HttpLambdaHandler } from '../../infra/local/gateway.ts';
import { ensureTable, localDynamoDbClient } from '../../infra/local/services.ts';
import { routes } from '../../infra/routes.ts';

export function dynamoDbEndpoint(): string {
  return inject('dynamoDbEndpoint');
}

export function testDynamoDbClient(): DynamoDBClient {
  return localDynamoDbClient(dynamoDbEndpoint());
}

/** A fresh table, built like the real one, with a unique name so test files never see each other's data. */
export async function createTestTable(prefix: string): Promise<string> {
  const tableName = `${prefix}-${randomUUID().slice(0, 8)}`;
  const client = testDynamoDbClient();
  try {
    await ensureTable(client, tableName);
  } finally {
    client.destroy();
  }
  return tableName;
}

/** One email as aws-ses-v2-local keeps it (`GET /store`). */
export interface MailboxEmail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { html?: string; text?: string };
  attachments: { content: string; contentType: string; filename?: string; size: number }[];
  /** Epoch seconds. */
  at: number;
}

export async function readMailbox(): Promise<MailboxEmail[]> {
  const response = await fetch(`${inject('sesEndpoint')}/store`);
  if (!response.ok) throw new Error(`local SES mailbox answered ${response.status}`);
  const store = (await response.json()) as { emails: MailboxEmail[] };
  return store.emails;
}

/** The mailbox is shared by the whole run: tests that count emails should filter by recipient rather than clear. */
export async function clearMailbox(): Promise<void> {
  const response = await fetch(`${inject('sesEndpoint')}/clear-store`, { method: 'POST' });
  if (!response.ok) throw new Error(`local SES mailbox answered ${response.status} to clear-store`);
}

export interface HttpInvocation {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: string;
}

/**
 * Calls a handler with the event API Gateway would build for `request`, routed by infra/routes.ts
 * (or by `routeTable` for handlers that are not in it), and maps the answer like API Gateway.
 */
export async function invokeHttp(handler: HttpLambdaHandler, request: HttpApiRequest, routeTable: readonly GatewayRoute[] = routes): Promise<HttpInvocation> {
  const response = await handleHttpApiRequest(request, routeTable, async () => handler);
  return { statusCode: response.statusCode, headers: response.headers, cookies: response.cookies, body: response.body.toString('utf8') };
}

/**
 * A frozen DynamoDB: an endpoint that accepts connections (as the kernel does for a stopped process) and never
 * answers. Fault injection no mock is needed for.
 */
export async function startSilentEndpoint(): Promise<{ endpoint: string; stop: () => void }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => sockets.add(socket.on('error', () => undefined)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}
