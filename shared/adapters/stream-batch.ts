import { DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { streamItemFromKeys, type StreamItem } from './lead-store/store.ts';

/** What Lambda's on-failure destination sends for a stream batch: where the batch was, not its records. */
export interface StreamBatchInfo {
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  streamArn: string;
}

let streams: DynamoDBStreamsClient | undefined;

/**
 * Re-reads a failed batch from the stream (records stay there for 24 hours) and returns what its inserts were
 * about (leads, import parts), so the DLQ consumer can re-read each by key.
 */
export async function streamItemsInBatch(batch: StreamBatchInfo): Promise<StreamItem[]> {
  streams ??= new DynamoDBStreamsClient({ maxAttempts: 3 });
  const { ShardIterator } = await streams.send(new GetShardIteratorCommand({
    StreamArn: batch.streamArn,
    ShardId: batch.shardId,
    ShardIteratorType: 'AT_SEQUENCE_NUMBER',
    SequenceNumber: batch.startSequenceNumber,
  }));
  const items = new Map<string, StreamItem>();
  const end = BigInt(batch.endSequenceNumber);
  let iterator = ShardIterator;
  for (let page = 0; iterator && page < 100; page++) {
    const { Records = [], NextShardIterator } = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
    for (const record of Records) {
      const sequence = BigInt(record.dynamodb?.SequenceNumber ?? '0');
      if (sequence > end) return [...items.values()];
      const item = streamItemFromKeys(record.dynamodb?.Keys as Record<string, { S?: string }> | undefined);
      if (item && record.eventName === 'INSERT') items.set(JSON.stringify(item), item);
    }
    if (Records.length === 0) break;
    iterator = NextShardIterator;
  }
  return [...items.values()];
}
