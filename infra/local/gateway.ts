/**
 * A local stand-in for API Gateway HTTP API with Lambda proxy integrations, payload format 2.0:
 * it turns HTTP requests into the same APIGatewayProxyEventV2 AWS builds and maps handler results back
 * the way AWS does, so handlers cannot tell the two apart.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { lambdaContext, LOCAL_ACCOUNT_ID, type LambdaHandler } from './lambda-runtime.ts';

/**
 * A request's path as the access log shows it: an action link's token (it names the lead, the rep and a report's
 * recipient) and the query string stay out of the log, as they do from API Gateway's, which logs the route key.
 */
export function loggedPath(url: string): string {
  return url.split('?')[0]!.replace(/^\/actions\/[^/]+/, '/actions/{token}');
}

export interface GatewayRoute {
  method: string;
  /** API Gateway route path with {param} or greedy {param+} placeholders. */
  path: string;
  handler: string;
}

export interface HttpApiRequest {
  method: string;
  /** Path and optional query string, as on the request line: `/forms/demo-request?utm_source=x`. */
  url: string;
  /** Header names in any case; a list stands for a header sent several times. */
  headers?: Record<string, string | readonly string[]>;
  body?: string | Uint8Array;
  sourceIp?: string;
  protocol?: string;
}

export interface GatewayResponse {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/** Middy handlers fit as they are: Lambda, and this gateway, call them with (event, context). */
export type HttpLambdaHandler = LambdaHandler<APIGatewayProxyEventV2, unknown>;
export type ResolveHandler = (name: string) => Promise<HttpLambdaHandler>;

/** HTTP API's payload quota. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const LOCAL_API_ID = 'local';

/** HTTP API passes these through as text; every other body reaches Lambda base64-encoded (forms included). */
const TEXT_CONTENT_TYPE = /^(text\/[^;]+|application\/([\w.+-]+\+)?(json|xml|javascript))\s*(;|$)/i;

interface RouteMatch {
  route: GatewayRoute;
  pathParameters: Record<string, string>;
}

function matchRoute(routes: readonly GatewayRoute[], method: string, path: string): RouteMatch | undefined {
  const segments = path.split('/').slice(1);
  let best: { match: RouteMatch; literalSegments: number; greedy: boolean } | undefined;
  for (const route of routes) {
    if (route.method !== method) continue;
    const pattern = route.path.split('/').slice(1);
    const pathParameters: Record<string, string> = {};
    let literalSegments = 0;
    let greedy = false;
    let matched = true;
    for (const [index, part] of pattern.entries()) {
      const placeholder = /^\{([^}+]+)(\+)?\}$/.exec(part);
      const segment = segments[index];
      if (placeholder?.[2]) {
        const rest = segments.slice(index).join('/');
        matched = rest !== '';
        pathParameters[placeholder[1]!] = decodeSegment(rest);
        greedy = true;
        break;
      }
      if (segment === undefined || segment === '') {
        matched = false;
        break;
      }
      if (placeholder) {
        pathParameters[placeholder[1]!] = decodeSegment(segment);
      } else if (part === segment) {
        literalSegments += 1;
      } else {
        matched = false;
        break;
      }
    }
    if (!matched || (!greedy && pattern.length !== segments.length)) continue;
    // API Gateway prefers the most specific route: literal segments beat parameters, which beat greedy ones.
    const better = !best || (best.greedy && !greedy) || (best.greedy === greedy && literalSegments > best.literalSegments);
    if (better) best = { match: { route, pathParameters }, literalSegments, greedy };
  }
  return best?.match;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** API Gateway's `requestContext.time` format: 12/Mar/2020:19:03:58 +0000. */
function requestTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

function buildHttpApiEvent(request: HttpApiRequest, match: RouteMatch, now = new Date()): APIGatewayProxyEventV2 {
  const queryStart = request.url.indexOf('?');
  const rawPath = queryStart < 0 ? request.url : request.url.slice(0, queryStart);
  const rawQueryString = queryStart < 0 ? '' : request.url.slice(queryStart + 1);
  const sourceIp = request.sourceIp ?? '127.0.0.1';

  const headerLists = new Map<string, string[]>();
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    const list = headerLists.get(name.toLowerCase()) ?? [];
    list.push(...(typeof value === 'string' ? [value] : value));
    headerLists.set(name.toLowerCase(), list);
  }
  const cookies = (headerLists.get('cookie') ?? []).flatMap((header) => header.split(';').map((cookie) => cookie.trim()).filter(Boolean));
  headerLists.delete('cookie');
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  if (body?.length) headerLists.set('content-length', [String(body.length)]);
  headerLists.set('x-forwarded-for', [...(headerLists.get('x-forwarded-for') ?? []), sourceIp]);
  headerLists.set('x-forwarded-proto', headerLists.get('x-forwarded-proto') ?? ['http']);
  headerLists.set('x-amzn-trace-id', [`Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)}`]);
  const headers = Object.fromEntries([...headerLists].map(([name, values]) => [name, values.join(',')]));

  const queryLists = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(rawQueryString)) queryLists.set(name, [...(queryLists.get(name) ?? []), value]);
  const domainName = headers.host ?? 'localhost';
  const routeKey = `${match.route.method} ${match.route.path}`;
  const isText = TEXT_CONTENT_TYPE.test(headers['content-type'] ?? '');

  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 && { cookies }),
    headers,
    ...(queryLists.size > 0 && { queryStringParameters: Object.fromEntries([...queryLists].map(([name, values]) => [name, values.join(',')])) }),
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: LOCAL_API_ID,
      domainName,
      domainPrefix: domainName.split('.')[0]!.split(':')[0]!,
      http: { method: request.method, path: rawPath, protocol: request.protocol ?? 'HTTP/1.1', sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: requestTime(now),
      timeEpoch: now.getTime(),
    },
    ...(Object.keys(match.pathParameters).length > 0 && { pathParameters: match.pathParameters }),
    ...(body?.length ? { body: isText ? body.toString('utf8') : body.toString('base64'), isBase64Encoded: !isText } : { isBase64Encoded: false }),
  };
}

function jsonResponse(statusCode: number, payload: unknown): GatewayResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, cookies: [], body: Buffer.from(JSON.stringify(payload)) };
}

const internalServerError = () => jsonResponse(500, { message: 'Internal Server Error' });

/**
 * Maps a handler result the way HTTP API does for payload 2.0: an object with `statusCode` is a response;
 * anything else is JSON for a 200. Payload 2.0 has no `multiValueHeaders`: AWS drops them, and so does this.
 */
function toGatewayResponse(result: unknown): GatewayResponse {
  if (result === null || typeof result !== 'object' || !('statusCode' in result)) return jsonResponse(200, result ?? null);
  const structured = result as { statusCode: unknown; headers?: unknown; multiValueHeaders?: unknown; cookies?: unknown; body?: unknown; isBase64Encoded?: unknown };
  const { statusCode } = structured;
  const headersValid = structured.headers === undefined || (typeof structured.headers === 'object' && structured.headers !== null);
  const cookiesValid = structured.cookies === undefined || (Array.isArray(structured.cookies) && structured.cookies.every((cookie) => typeof cookie === 'string'));
  const bodyValid = structured.body === undefined || structured.body === null || typeof structured.body === 'string';
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599 || !headersValid || !cookiesValid || !bodyValid) {
    console.error('[gateway] malformed Lambda response, answering 500 like API Gateway:', result);
    return internalServerError();
  }
  if (structured.multiValueHeaders !== undefined) console.warn('[gateway] multiValueHeaders is ignored by HTTP API payload 2.0; use comma-separated headers or cookies');
  const headers = Object.fromEntries(Object.entries((structured.headers ?? {}) as Record<string, unknown>).map(([name, value]) => [name.toLowerCase(), String(value)]));
  const text = typeof structured.body === 'string' ? structured.body : '';
  return {
    statusCode,
    headers,
    cookies: (structured.cookies as string[] | undefined) ?? [],
    body: structured.isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8'),
  };
}

/** The whole API Gateway round trip for one request: route, event, handler, response (404 and 500 included). */
export async function handleHttpApiRequest(request: HttpApiRequest, routes: readonly GatewayRoute[], resolveHandler: ResolveHandler): Promise<GatewayResponse> {
  const path = request.url.split('?')[0] ?? '/';
  const match = matchRoute(routes, request.method, path);
  if (!match) return jsonResponse(404, { message: 'Not Found' });
  const event = buildHttpApiEvent(request, match);
  let response: GatewayResponse;
  try {
    const handler = await resolveHandler(match.route.handler);
    response = toGatewayResponse(await handler(event, lambdaContext(match.route.handler)));
  } catch (error) {
    console.error(`[gateway] ${match.route.handler} failed on ${event.routeKey}:`, error);
    response = internalServerError();
  }
  response.headers['apigw-requestid'] = event.requestContext.requestId;
  return response;
}

export interface GatewayOptions {
  port: number;
  host?: string;
  routes: readonly GatewayRoute[];
  resolveHandler: ResolveHandler;
  /** Local-only pages served on GET, such as the demo form; they never shadow an API route. */
  staticPages?: Record<string, string>;
  /** Log one line per request (method, path, status, duration). */
  accessLog?: boolean;
}

export interface RunningGateway {
  url: string;
  stop(): Promise<void>;
}

/** Reads the body, or reports `tooLarge` as soon as it passes HTTP API's quota (the rest is discarded). */
function readBody(request: IncomingMessage): Promise<Buffer | 'tooLarge'> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      if (size > MAX_BODY_BYTES) return;
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else resolveBody('tooLarge');
    });
    request.once('end', () => resolveBody(Buffer.concat(chunks)));
    request.once('error', reject);
  });
}

function headerRecord(request: IncomingMessage): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    const name = request.rawHeaders[index]!.toLowerCase();
    (headers[name] ??= []).push(request.rawHeaders[index + 1]!);
  }
  return headers;
}

function send(response: ServerResponse, result: GatewayResponse): void {
  response.statusCode = result.statusCode;
  for (const [name, value] of Object.entries(result.headers)) response.setHeader(name, value);
  if (result.cookies.length > 0) response.setHeader('set-cookie', result.cookies);
  response.setHeader('content-length', result.body.length);
  response.end(result.body);
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const server = createServer(async (request, response) => {
    const started = Date.now();
    const method = request.method ?? 'GET';
    const url = request.url ?? '/';
    let result: GatewayResponse;
    const page = method === 'GET' && !matchRoute(options.routes, method, url.split('?')[0]!) ? options.staticPages?.[url.split('?')[0]!] : undefined;
    if (page !== undefined) {
      result = { statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, cookies: [], body: Buffer.from(page) };
    } else {
      let body: Buffer | 'tooLarge';
      try {
        body = await readBody(request);
      } catch {
        // The client went away mid-upload; there is nobody left to answer.
        response.destroy();
        return;
      }
      if (body === 'tooLarge') {
        response.setHeader('connection', 'close');
        send(response, jsonResponse(413, { message: 'Request Entity Too Large' }));
        return;
      }
      result = await handleHttpApiRequest(
        {
          method,
          url,
          headers: headerRecord(request),
          ...(body.length > 0 && { body }),
          sourceIp: (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
          protocol: `HTTP/${request.httpVersion}`,
        },
        options.routes,
        options.resolveHandler,
      );
    }
    send(response, result);
    if (options.accessLog) console.log(`[gateway] ${method} ${loggedPath(url)} → ${result.statusCode} (${Date.now() - started} ms)`);
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    stop: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
