import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { loadConfig } from '#shared/config/load.ts';
import { streamItemFromKeys } from '#shared/adapters/lead-store/store.ts';
import { processingFromEnv, processStreamItem } from './support/processing-dependencies.ts';
import { logger } from '#shared/adapters/logger.ts';
import { flushMetrics } from '#shared/adapters/metrics.ts';

const dependencies = processingFromEnv(loadConfig());

/**
 * The table stream → enrich, assign, alert; and a stored import part → its owners' digests. Each record stands
 * alone: a failure is reported for that record only (partial batch response), so one poison record never holds
 * back the others.
 */
export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const deps = await dependencies();
  const batchItemFailures: DynamoDBBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    const item = streamItemFromKeys(record.dynamodb?.Keys as Record<string, { S?: string }> | undefined);
    if (!item) continue;
    try {
      const outcome = await processStreamItem(item, deps);
      logger.info(item.kind === 'lead' ? 'lead processed' : 'import part told to its owners', { ...item, outcome });
    } catch (error) {
      logger.error(item.kind === 'lead' ? 'lead processing failed; the record will be retried' : 'import part could not be told; the record will be retried', { ...item, error });
      batchItemFailures.push({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' });
    }
  }
  flushMetrics();
  return { batchItemFailures };
};
