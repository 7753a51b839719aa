import type { SNSEvent } from 'aws-lambda';
import { loadConfig } from '#shared/config/load.ts';
import { emailHealthStoreFromEnv } from '#shared/adapters/lead-store/email-health.ts';
import { logger } from '#shared/adapters/logger.ts';
import { flushMetrics } from '#shared/adapters/metrics.ts';
import { parseSesEvent, recordEmailFeedback } from '#shared/usecases/email-feedback.ts';

const config = loadConfig();
const emailHealth = emailHealthStoreFromEnv();

/**
 * SES bounce and complaint events, through the configuration set's SNS topic. SNS invokes asynchronously:
 * a record that cannot be read or stored fails the invocation, so Lambda retries it and finally parks it in
 * the failure queue, whose alarm calls a human. Records are idempotent, so a retry re-applying the ones that
 * already succeeded changes nothing.
 */
export const handler = async (event: SNSEvent): Promise<void> => {
  try {
    for (const record of event.Records) {
      const outcome = await recordEmailFeedback(parseSesEvent(record.Sns.Message), { config, emailHealth });
      // Counts and a lead id only: the addresses themselves stay out of the logs.
      logger.info('SES feedback recorded', { snsMessageId: record.Sns.MessageId, ...outcome });
    }
  } finally {
    flushMetrics();
  }
};
