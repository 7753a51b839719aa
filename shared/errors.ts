/**
 * An error that is safe to show: its status and message go to the caller as they are.
 * Anything else becomes a generic 500 (or a 503 for storage outages), with the detail kept in the logs.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly statusCode: number,
    message: string,
    readonly details: { fields?: Record<string, string>; headers?: Record<string, string>; code?: string } = {},
  ) {
    super(message);
  }

  /** Middy's convention: only client errors expose their message. */
  get expose(): boolean {
    return this.statusCode < 500 || this.statusCode === 503;
  }
}

export const badRequest = (message: string) => new HttpError(400, message, { code: 'malformed_body' });
export const notFound = (message: string) => new HttpError(404, message, { code: 'not_found' });
export const invalidFields = (fields: Record<string, string>) =>
  new HttpError(422, `invalid fields: ${Object.entries(fields).map(([name, problem]) => `${name} ${problem}`).join('; ')}`, {
    code: 'invalid_fields',
    fields,
  });

/**
 * The store is unreachable, throttled or not answering: the caller must retry. A write that timed out may still
 * have landed, so the message doesn't claim nothing was stored: a capture retried within the dedupe window meets
 * that lead and answers with its id, and a later one joins the person's lead as another submission.
 */
export class StorageUnavailableError extends HttpError {
  constructor(cause?: unknown, retryAfterSeconds = 5) {
    super(503, 'lead storage is temporarily unavailable; please retry', {
      code: 'storage_unavailable',
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
    this.cause = cause;
  }
}
