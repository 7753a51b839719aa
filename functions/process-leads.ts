import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { loadConfig } from '#shared/config/load.ts';
import { leadIdFromKeys } from '#shared/adapters/lead-store/store.ts';
import { processingFromEnv } from './support/processing-dependencies.ts';
import { logger } from '#shared/adapters/logger.ts';
import { flushMetrics } from '#shared/adapters/metrics.ts';
import { processLead } from '#shared/usecases/process-lead.ts';

const dependencies = processingFromEnv(loadConfig());

/**
 * The table stream → enrich, assign, alert. Each record stands alone: a failure is reported for that record
 * only (partial batch response), so one poison record never holds back the others.
 */
export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const deps = await dependencies();
  const batchItemFailures: DynamoDBBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    const leadId = leadIdFromKeys(record.dynamodb?.Keys as Record<string, { S?: string }> | undefined);
    if (!leadId) continue;
    try {
      const outcome = await processLead(leadId, deps);
      logger.info('lead processed', { leadId, outcome });
    } catch (error) {
      logger.error('lead processing failed; the record will be retried', { leadId, error });
      batchItemFailures.push({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' });
    }
  }
  flushMetrics();
  return { batchItemFailures };
};
