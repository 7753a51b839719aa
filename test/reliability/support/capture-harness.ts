/**
 * What every reliability test of the capture API needs: the real handler on its own table, a way to post
 * to it exactly as API Gateway would, and the checks that hold for every answer whatever was sent.
 */
import { expect } from 'vitest';
import { loadConfig } from '../../../shared/config/load.ts';
import { LeadStore } from '../../../shared/adapters/lead-store/store.ts';
import type { HttpLambdaHandler } from '../../../infra/local/gateway.ts';
import { createTestTable, invokeHttp, testDynamoDbClient, type HttpInvocation } from '../../support/local-aws.ts';

export const config = loadConfig('handoff.config.json');

export interface CaptureHarness {
  capture: HttpLambdaHandler;
  store: LeadStore;
  tableName: string;
}

/** The capture handler bound to a fresh table; call once per test file, in beforeAll. */
export async function startCaptureHarness(prefix: string): Promise<CaptureHarness> {
  const tableName = await createTestTable(prefix);
  process.env.TABLE_NAME = tableName;
  const { handler: capture } = await import('../../../functions/capture.ts');
  const store = new LeadStore({ client: testDynamoDbClient(), tableName, timezone: config.organisation.timezone });
  return { capture, store, tableName };
}

export interface CapturePost {
  formId?: string;
  /** Overrides formId: the raw path and query, e.g. for path-traversal-looking ids. */
  url?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  sourceIp: string;
}

export function postToCapture(capture: HttpLambdaHandler, post: CapturePost): Promise<HttpInvocation> {
  return invokeHttp(capture, {
    method: post.method ?? 'POST',
    url: post.url ?? `/forms/${encodeURIComponent(post.formId ?? 'demo-request')}`,
    headers: post.headers ?? {},
    ...(post.body === undefined ? {} : { body: post.body }),
    sourceIp: post.sourceIp,
  });
}

/**
 * Like postToCapture, but the body reaches the handler base64-encoded or as text as the caller says, not as
 * the gateway would choose: API Gateway base64-encodes whatever it does not consider text, and a handler
 * must take either for any content type.
 */
export function postWithEncoding(capture: HttpLambdaHandler, post: CapturePost, base64: boolean): Promise<HttpInvocation> {
  const bytes = post.body === undefined ? undefined : Buffer.from(post.body);
  const reencoded: HttpLambdaHandler = (event, context) =>
    capture(bytes?.length ? { ...event, body: base64 ? bytes.toString('base64') : bytes.toString('utf8'), isBase64Encoded: base64 } : event, context);
  return postToCapture(reencoded, post);
}

/**
 * A distinct documentation address (2001:db8::/32) per request: the per-address rate limit (10 a minute)
 * must never be what answers, unless a test is about it.
 */
export function addressSequence(block: number): () => string {
  let next = 0;
  return () => `2001:db8:${block.toString(16)}::${(next += 1).toString(16)}`;
}

/** Signs that an answer carries internals: stack frames, source paths, SDK error names, unrendered values. */
const LEAKS: Array<[string, RegExp]> = [
  ['a stack frame', /\bat\s+\S+\s+\(|^\s*at\s|\bat\s+(?:file:|node:|\/)/m],
  ['a source path', /(?:\/work\/|\/home\/|\/tmp\/|\/var\/task|node_modules|[\w-]+\.(?:ts|js|mjs):\d+)/],
  ['an AWS error name', /(?:ValidationException|ResourceNotFound|ConditionalCheckFailed|ProvisionedThroughputExceeded|TransactionCanceled|UnrecognizedClient|Exception\b)/],
  ['an unrendered value', /undefined|\[object Object\]|\bNaN\b/],
  ['a JavaScript error name', /\b(?:TypeError|ReferenceError|RangeError|SyntaxError|AggregateError)\b/],
];

export function leaksIn(response: HttpInvocation): string | undefined {
  const visible = [response.body, ...Object.values(response.headers)].join('\n');
  for (const [what, pattern] of LEAKS) {
    const found = pattern.exec(visible);
    if (found) return `${what}: ${JSON.stringify(found[0])} in ${JSON.stringify(visible.slice(Math.max(0, found.index - 80), found.index + 80))}`;
  }
  return undefined;
}

/** The properties every capture answer has, whatever was sent. */
export function expectSafeAnswer(response: HttpInvocation): void {
  expect(response.statusCode, `status ${response.statusCode}: ${response.body.slice(0, 300)}`).toBeLessThan(500);
  expect(response.statusCode).toBeGreaterThanOrEqual(200);
  expect(leaksIn(response)).toBeUndefined();
  for (const [name, value] of Object.entries(response.headers)) {
    expect(value, `header ${name}`).not.toMatch(/[\r\n\0]/);
  }
}

/** The lead id a JSON caller got back, or undefined for any other answer. */
export function leadIdOf(response: HttpInvocation): string | undefined {
  if (response.statusCode !== 201) return undefined;
  const parsed = JSON.parse(response.body) as { leadId?: unknown };
  return typeof parsed.leadId === 'string' ? parsed.leadId : undefined;
}
