import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { loadConfig } from '#shared/config/load.ts';
import { flushMetrics } from '#shared/adapters/metrics.ts';
import { processingFromEnv } from './support/processing-dependencies.ts';
import { leadIdsInStreamBatch, type StreamBatchInfo } from '#shared/adapters/stream-batch.ts';
import { logger } from '#shared/adapters/logger.ts';
import { processLead } from '#shared/usecases/process-lead.ts';

const dependencies = processingFromEnv(loadConfig());

/**
 * The stream's on-failure queue: a batch that exhausted its retries. Each lead in it is re-read by key and
 * given one final attempt; an alert that still cannot be sent is marked failed, which the nightly report shows.
 * Only a batch that cannot be read back from the stream fails the message, so SQS retries it.
 */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const deps = await dependencies();
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const message of event.Records) {
    try {
      const { DDBStreamBatchInfo } = JSON.parse(message.body) as { DDBStreamBatchInfo: StreamBatchInfo };
      for (const leadId of await leadIdsInStreamBatch(DDBStreamBatchInfo)) {
        try {
          const outcome = await processLead(leadId, deps, { finalAttempt: true });
          logger.warn('lead from the failure queue processed', { leadId, outcome });
        } catch (error) {
          // A lead that still cannot be processed stays stored and unassigned: the nightly report lists it under
          // "no owner". Failing the message would only loop it through the queue.
          logger.error('lead could not be processed on its final attempt', { leadId, error });
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
