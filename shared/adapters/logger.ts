import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One structured logger for every function. Log lead ids, form ids and counts; never emails, phone numbers,
 * names or message text: the redaction test in test/integration checks captured output for them.
 */
export const logger = new Logger({ serviceName: 'handoff' });
