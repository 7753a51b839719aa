import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { HttpError } from '../../errors.ts';
import { logger } from '../logger.ts';
import { asSentence, escapeHtml, humaniseFieldName } from '../../domain/render/html.ts';
import type { SignedRequest } from '../../domain/webhook-signature.ts';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** API Gateway lowercases header names in payload 2.0; the local gateway does the same. */
export const header = (event: HttpEvent, name: string): string | undefined => event.headers?.[name.toLowerCase()];

/**
 * Each query parameter's first value. API Gateway's `queryStringParameters` joins a repeated one with commas
 * (`utm_source=google&utm_source=bing` → "google,bing"), a value nobody sent; the raw query string still has both.
 */
export function firstQueryValues(event: HttpEvent): Record<string, string> {
  const values = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(event.rawQueryString ?? '')) if (!values.has(name)) values.set(name, value);
  return Object.fromEntries(values);
}

/**
 * A request body's bytes as they arrived: API Gateway base64-encodes every body that is not text (form posts
 * included) and passes text, JSON among it, as a string it decoded from UTF-8.
 */
export function bodyBytes(body: string | undefined, isBase64Encoded: boolean): Buffer {
  return body === undefined ? Buffer.alloc(0) : Buffer.from(body, isBase64Encoded ? 'base64' : 'utf8');
}

/** What a form tool's webhook signature may cover: the method, the URL as sent, the headers and the body's bytes. */
export function signedRequestOf(event: HttpEvent): SignedRequest {
  // Scheme and host from the headers API Gateway forwards; the path and query string raw, still percent-encoded.
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  const url = `${header(event, 'x-forwarded-proto') ?? 'https'}://${header(event, 'host') ?? event.requestContext.domainName}${event.rawPath}${query}`;
  return { method: event.requestContext.http.method, url, header: (name) => header(event, name), body: bodyBytes(event.body, event.isBase64Encoded) };
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) };
}

export function html(statusCode: number, page: string, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      ...headers,
    },
    body: page,
  };
}

export function redirect(location: string, headers: Record<string, string> = {}): HttpResult {
  return { statusCode: 303, headers: { location, ...headers }, body: '' };
}

/** CORS headers for an allowed origin; none at all for any other, so the browser blocks the response. */
export function corsHeaders(allowedOrigins: readonly string[], origin: string | undefined): Record<string, string> | undefined {
  if (!origin || !allowedOrigins.includes(origin)) return undefined;
  return { 'access-control-allow-origin': origin, vary: 'Origin' };
}

export function preflight(cors: Record<string, string> | undefined): HttpResult {
  if (!cors) return json(403, { message: 'origin is not allowed to post to this form', code: 'origin_not_allowed' });
  return {
    statusCode: 204,
    headers: {
      ...cors,
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'content-type, idempotency-key',
      'access-control-max-age': '600',
    },
  };
}

/**
 * A browser's own form post (not fetch asking for JSON) gets pages and redirects instead of JSON. A form with
 * `enctype="text/plain"` is one too, though capture cannot read it: its visitor must get a page, not JSON. Only a
 * navigation asks for text/html, which tells it from a script sending text.
 */
export function isBrowserFormPost(event: HttpEvent): boolean {
  const contentType = header(event, 'content-type') ?? '';
  const accept = header(event, 'accept') ?? '';
  if (/^text\/plain/i.test(contentType)) return accept.includes('text/html');
  return /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(contentType) && !accept.includes('application/json');
}

interface ErrorResponseOptions {
  /** Headers every error answer carries, e.g. CORS for the caller's origin, so fetch() callers can read the error. */
  headersFor?: (event: HttpEvent) => Record<string, string> | undefined;
  /**
   * A browser's own form post gets an HTML error page naming the organisation, since the visitor is on its website.
   * An API for other programs leaves this out and answers JSON whatever the body's encoding: a CRM posting
   * form-encoded with curl's default Accept is not a browser.
   */
  formPostPages?: { organisation: string };
  /** Routes that browsers open (the one-click action links) answer every error with this page, GET or POST. */
  pageFor?: (error: HttpError) => string;
}

/**
 * Maps errors to answers that say only what is safe: an HttpError's status and message, otherwise a generic 500
 * with a request id, the detail kept in the logs.
 */
export function httpErrorResponses(options: ErrorResponseOptions = {}): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: async (request) => {
      const { error, event } = request;
      let extraHeaders: Record<string, string> = {};
      try {
        extraHeaders = options.headersFor?.(event) ?? {};
      } catch {
        // The error being answered may be the very one that stops us computing these headers.
      }
      const requestId = event.requestContext?.requestId ?? 'unknown';
      if (error instanceof HttpError && error.expose) {
        if (error.statusCode >= 500) logger.error('request failed', { requestId, status: error.statusCode, error: error.cause ?? error });
        const headers = { ...extraHeaders, ...error.details.headers };
        request.response = options.pageFor ? html(error.statusCode, options.pageFor(error), headers)
          : options.formPostPages && isBrowserFormPost(event) ? html(error.statusCode, formPostErrorPage(error, options.formPostPages.organisation), headers)
          : json(error.statusCode, { message: error.message, ...(error.details.code ? { code: error.details.code } : {}), ...(error.details.fields ? { fields: error.details.fields } : {}) }, headers);
        return request.response;
      }
      logger.error('unexpected error', { requestId, error });
      request.response = options.pageFor
        ? html(500, options.pageFor(new HttpError(500, `something went wrong on our side (request ${requestId})`)), extraHeaders)
        : json(500, { message: 'internal error; nothing was stored', requestId }, extraHeaders);
      return request.response;
    },
  };
}

/** What a form's visitor reads on an error page: a title for the problem, what happened, and what to do now. */
interface VisitorCopy {
  title: string;
  /** Absent when the page lists the fields to correct instead. */
  explanation?: string;
  nextStep: string;
  /** What the API said, for whoever builds the page: shown small, under the visitor's words. */
  forDeveloper?: string;
}

const CORRECT_THE_FORM = 'Use your browser\'s back button to correct the form and send it again.';

/**
 * A visitor never sees the API's wording, which names the form's id, byte counts and origins: each refusal here is
 * worded for the person who filled in the form. Any other refusal shows its message, which the API words to be shown.
 */
const VISITOR_COPY: Record<string, (error: HttpError, organisation: string) => VisitorCopy> = {
  invalid_fields: () => ({ title: 'Please check the form', nextStep: CORRECT_THE_FORM }),
  rate_limited: (error) => ({
    title: 'Please wait a moment',
    explanation: 'We received several submissions from your connection within a minute, so we did not take this one.',
    nextStep: `Please wait ${waitingTime(Number(error.details.headers?.['retry-after']))}, then go back and send the form again.`,
  }),
  payload_too_large: () => ({
    title: 'Your message is too long',
    explanation: 'It is longer than this form can take, so it was not sent.',
    nextStep: 'Please use your browser\'s back button, shorten your message, and send it again.',
  }),
  // The form's owner has not allowed this website to post to it, so no retry from this page can succeed.
  origin_not_allowed: (_error, organisation) => cannotBeSentFromHere(organisation),
  // A page still carrying a form that was removed from the configuration.
  unknown_form: (_error, organisation) => ({
    title: 'This form is no longer available',
    explanation: `Your message did not reach ${organisation}.`,
    nextStep: `Please ${contactAnotherWay(organisation)}.`,
  }),
  storage_unavailable: () => ({
    title: 'Please try again in a moment',
    explanation: 'We could not save your submission just now.',
    nextStep: 'Please go back and send it again in a moment.',
  }),
};

/**
 * The page's form is set up in a way capture refuses (an encoding it cannot read, a compressed body, a form that
 * only takes a form tool's signed webhook): no retry by the visitor can succeed. The API's own words follow for
 * whoever builds the page, who is often the one who sees this first.
 */
const SETUP_PROBLEMS = new Set(['unsupported_media_type', 'unsupported_content_encoding', 'unsupported_charset']);
const setupProblem = (error: HttpError, organisation: string): VisitorCopy => ({ ...cannotBeSentFromHere(organisation), forDeveloper: asSentence(error.message) });

const cannotBeSentFromHere = (organisation: string): VisitorCopy => ({
  title: 'This form cannot be sent from this page',
  explanation: `Your message did not reach ${organisation}.`,
  nextStep: `Sending it again from here will not help: please ${contactAnotherWay(organisation)}.`,
});

const contactAnotherWay = (organisation: string) => `contact ${organisation} another way, for example by email or phone`;

/** Retry-After as a visitor reads it; the rate limit counts per clock minute, so it is at most 60 seconds. */
function waitingTime(retryAfterSeconds: number): string {
  if (!(retryAfterSeconds > 0 && retryAfterSeconds < 60)) return 'a minute';
  return `about ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}`;
}

/**
 * The domain words some field rules for API callers, listing allowed characters like a pattern. Keyed by the
 * domain's exact message (submission.ts), so a rule worded differently there is shown as the domain words it.
 */
const FIELD_PROBLEMS_FOR_VISITORS = new Map([
  ['must contain only digits, spaces and + ( ) . - /, and an extension like "ext 12"', 'must be a phone number in digits, like +49 30 1234567 or (030) 123-4567, and may end with an extension like "ext 12"'],
]);

function visitorCopyOf(error: HttpError, organisation: string): VisitorCopy {
  const code = error.details.code ?? '';
  const written = VISITOR_COPY[code];
  if (written) return written(error, organisation);
  if (SETUP_PROBLEMS.has(code) || code.startsWith('signature_')) return setupProblem(error, organisation);
  if (error.statusCode === 400) return { title: 'We could not read the form', explanation: asSentence(error.message), nextStep: CORRECT_THE_FORM };
  return {
    title: 'We could not take your submission',
    explanation: asSentence(error.message),
    nextStep: error.statusCode === 503 ? 'Please go back and send it again in a moment.' : `Go back and try again. If it keeps happening, please let ${organisation} know.`,
  };
}

function formPostErrorPage(error: HttpError, organisation: string): string {
  const copy = visitorCopyOf(error, organisation);
  const problems = Object.entries(error.details.fields ?? {});
  const fields = problems
    .map(([name, problem]) => `<li><strong>${escapeHtml(humaniseFieldName(name))}</strong> ${escapeHtml(FIELD_PROBLEMS_FOR_VISITORS.get(problem) ?? problem)}</li>`)
    .join('');
  // The field list already says everything the message says, in the form's words.
  const explanation = fields ? `<p>Please check ${problems.length === 1 ? 'this field' : 'these fields'}:</p><ul>${fields}</ul>` : `<p>${escapeHtml(copy.explanation ?? asSentence(error.message))}</p>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(copy.title)} · ${escapeHtml(organisation)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1f2933}.brand{font-size:.8rem;font-weight:600;letter-spacing:.04em;text-transform:uppercase;color:#52606d}h1{font-size:1.4rem}.developer{font-size:.8rem;color:#52606d}</style></head>
<body><p class="brand">${escapeHtml(organisation)}</p>
<h1>${escapeHtml(copy.title)}</h1>${explanation}
<p>${escapeHtml(copy.nextStep)}</p>${copy.forDeveloper ? `\n<p class="developer">For the website's developer: ${escapeHtml(copy.forDeveloper)}</p>` : ''}</body></html>`;
}
