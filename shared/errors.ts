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

/**
 * A form takes only signed webhooks, but no signing secret is configured for it, so nothing sent to it can be
 * checked. 503, not 500: the form tool retries later, and the operator's fix (README: signed webhooks) needs no deploy
 * of code. The caller learns only that; `cause` says what is missing, for the logs.
 */
export class SigningSecretMissingError extends HttpError {
  constructor(formId: string, cause: unknown) {
    super(503, `form "${formId}" cannot take webhooks yet: its signing secret is not configured`, { code: 'signature_not_configured' });
    this.cause = cause;
  }
}
