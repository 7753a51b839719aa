import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { loadConfig } from '#shared/config/load.ts';
import { flushMetrics } from '#shared/adapters/metrics.ts';
import { processingFromEnv, processStreamItem } from './support/processing-dependencies.ts';
import { streamItemsInBatch, type StreamBatchInfo } from '#shared/adapters/stream-batch.ts';
import { logger } from '#shared/adapters/logger.ts';

const dependencies = processingFromEnv(loadConfig());

/**
 * The stream's on-failure queue: a batch that exhausted its retries. Each lead (or import part) in it is re-read
 * by key and given one final attempt; an alert that still cannot be sent is marked failed, which the nightly
 * report shows. Only a batch that cannot be read back from the stream fails the message, so SQS retries it.
 */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const deps = await dependencies();
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const message of event.Records) {
    try {
      const { DDBStreamBatchInfo } = JSON.parse(message.body) as { DDBStreamBatchInfo: StreamBatchInfo };
      for (const item of await streamItemsInBatch(DDBStreamBatchInfo)) {
        try {
          const outcome = await processStreamItem(item, deps, { finalAttempt: true });
          logger.warn('item from the failure queue processed', { ...item, outcome });
        } catch (error) {
          // A lead that still cannot be processed stays stored and unassigned: the nightly report lists it under
          // "no owner". Failing the message would only loop it through the queue.
          logger.error('item could not be processed on its final attempt', { ...item, error });
        }
      }
    } catch (error) {
      logger.error('failure-queue message could not be handled', { messageId: message.messageId, error });
      batchItemFailures.push({ itemIdentifier: message.messageId });
    }
  }
  flushMetrics();
  return { batchItemFailures };
};
