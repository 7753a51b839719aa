/**
 * Settings of the event sources around the handlers. The CDK stack configures AWS with these, and the
 * local stack emulates AWS with the very same values, so local runs take the production path.
 */

/** The DynamoDB stream → process-leads event source mapping. */
export const leadStreamSettings = {
  batchSize: 10,
  maxBatchingWindowSeconds: 1,
  bisectBatchOnError: true,
  /** Bounded: one poison record must never block its shard for a day (the default is infinite). */
  retryAttempts: 5,
  maxRecordAgeSeconds: 6 * 60 * 60,
  reportBatchItemFailures: true,
  startingPosition: 'TRIM_HORIZON',
  /**
   * Lambda event filter patterns: only freshly captured, non-spam leads and freshly stored import parts (whose
   * owners are to be told) wake the processor. The processor's own updates are MODIFY events and TTL deletions
   * are REMOVE events, so neither matches.
   */
  filterPatterns: [
    { eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['lead'] }, status: { S: ['new'] } } } },
    { eventName: ['INSERT'], dynamodb: { NewImage: { entity: { S: ['import-part'] } } } },
  ],
} as const;

/** The EventBridge Scheduler → nightly-report target input; `<aws.scheduler.scheduled-time>` is filled in by Scheduler. */
export const nightlyScheduleInput = { scheduledTime: '<aws.scheduler.scheduled-time>' } as const;
export interface NightlyScheduleEvent {
  scheduledTime: string;
}
