import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { loadConfig } from '#shared/config/load.ts';
import { leadStoreFromEnv } from '#shared/adapters/lead-store/from-env.ts';
import { leadIdFromKeys } from '#shared/adapters/lead-store/store.ts';
import { mailerFromEnv } from '#shared/adapters/mailer-from-env.ts';
import { loadSecret } from '#shared/adapters/secrets.ts';
import { logger } from '#shared/adapters/logger.ts';
import { flushMetrics } from '#shared/adapters/metrics.ts';
import { processLead } from '#shared/usecases/process-lead.ts';

const config = loadConfig();
const store = leadStoreFromEnv(config);
const mailer = mailerFromEnv(config);

/**
 * The table stream → enrich, assign, alert. Each record stands alone: a failure is reported for that record
 * only (partial batch response), so one poison record never holds back the others.
 */
export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const actionSecret = await loadSecret('ACTION_SECRET');
  const batchItemFailures: DynamoDBBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    const leadId = leadIdFromKeys(record.dynamodb?.Keys as Record<string, { S?: string }> | undefined);
    if (!leadId) continue;
    try {
      const outcome = await processLead(leadId, { config, store, mailer, actionSecret, now: () => new Date() });
      logger.info('lead processed', { leadId, outcome });
    } catch (error) {
      logger.error('lead processing failed; the record will be retried', { leadId, error });
      batchItemFailures.push({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' });
    }
  }
  flushMetrics();
  return { batchItemFailures };
};
