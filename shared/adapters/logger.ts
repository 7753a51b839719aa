import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Any email address in any logged string. Our own log calls carry ids and counts only, but errors from
 * elsewhere quote addresses: SES in the sandbox names the unverified recipient in MessageRejected.
 */
const EMAIL_ADDRESS = /[\p{L}\p{N}._%+'-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;

/**
 * One structured logger for every function. Log lead ids, form ids and counts; never emails, phone numbers,
 * names or message text: the redaction test in test/integration checks captured output for them. As a last
 * line of defence every string is scrubbed of email addresses, error messages and stack traces included.
 */
export const logger = new Logger({
  serviceName: 'handoff',
  jsonReplacerFn: (_key, value) => (typeof value === 'string' ? value.replace(EMAIL_ADDRESS, '[email redacted]') : value),
});
