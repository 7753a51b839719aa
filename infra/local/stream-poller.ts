/**
 * Emulates the Lambda event source mapping between the table's DynamoDB stream and a handler, with the
 * settings the CDK stack gives AWS (infra/event-sources.ts). What it reproduces, and how:
 * - Every shard is read in order, a child shard only once its parent is finished; shards appear and close over time.
 * - Records are filtered (see event-filter.ts) before batching; filtered-out records count as processed.
 * - A batch is sent when it holds `batchSize` records, or when the oldest waiting record has waited
 *   `maxBatchingWindowSeconds`, or when the shard is closed.
 * - A batch item failure (reportBatchItemFailures) checkpoints before the lowest failed sequence number and
 *   retries from there. An invalid failure report counts as a failed invocation, like in AWS.
 * - A failed invocation (thrown error) retries the batch; with bisectBatchOnError it splits the batch in two
 *   and retries the halves in order. A half inherits the failed attempts of the batch it came from.
 * - After `retryAttempts` retries (or when records are older than `maxRecordAgeSeconds`) the records are
 *   skipped and `onFailure` receives what Lambda's on-failure destination would send, as an SQS event.
 * - With a data dir, the last processed sequence number of every shard is kept in a JSON file, so a restart
 *   neither loses nor replays processed records.
 * Retries wait for the next poll (about 250 ms) instead of Lambda's backoff.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type AttributeValue as SdkAttributeValue,
  type Shard,
  type _Record as SdkStreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent, SQSEvent } from 'aws-lambda';
import { leadStreamSettings } from '../event-sources.ts';
import { assertSupportedFilterPattern, matchesAnyFilterPattern, type FilterPattern } from './event-filter.ts';
import { functionArn, lambdaContext, LOCAL_ACCOUNT_ID, localRegion, type LambdaHandler } from './lambda-runtime.ts';
import { DUMMY_CREDENTIALS } from './services.ts';

export interface StreamSourceSettings {
  batchSize: number;
  maxBatchingWindowSeconds: number;
  bisectBatchOnError: boolean;
  retryAttempts: number;
  maxRecordAgeSeconds: number;
  reportBatchItemFailures: boolean;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  filterPatterns: readonly FilterPattern[];
}

/** The result is read like Lambda reads it: only a well-formed `{ batchItemFailures }` (DynamoDBBatchResponse) counts. */
export type StreamHandler = LambdaHandler<DynamoDBStreamEvent, unknown>;

export interface StreamPollerOptions {
  /** DynamoDB Local's endpoint; its streams API answers on the same one. */
  endpoint: string;
  tableName: string;
  functionName: string;
  handler: StreamHandler;
  /** The on-failure destination's consumer: gets an SQS event whose record body is Lambda's invocation record. */
  onFailure?: (event: SQSEvent) => Promise<unknown>;
  settings?: StreamSourceSettings;
  /** Where the shard checkpoints are kept; without it they live in memory only. */
  dataDir?: string;
  pollIntervalMs?: number;
}

export interface StreamPoller {
  /** Resolves once every shard has been read to its current end and no batch is waiting or in flight. */
  idle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

type FailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

interface Batch {
  records: DynamoDBRecord[];
  /** Failed invocations so far of these records. */
  attempts: number;
}

interface InvocationOutcome {
  requestId: string;
  responseContext: { statusCode: number; executedVersion: string; functionError?: string };
}

interface ShardState {
  shardId: string;
  parentShardId: string | undefined;
  /** Position to read from when no iterator is held: after the last record read into memory. */
  readAfter: string | undefined;
  iterator: string | undefined;
  startAtLatest: boolean;
  waiting: DynamoDBRecord[];
  waitingSince: number;
  retries: Batch[];
  endReached: boolean;
  caughtUp: boolean;
}

interface CheckpointFile {
  [streamArn: string]: { [shardId: string]: { sequenceNumber?: string; finished?: boolean } };
}

const DEFAULT_POLL_INTERVAL_MS = 250;
const DEFAULT_IDLE_TIMEOUT_MS = 20_000;

export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const settings: StreamSourceSettings = options.settings ?? leadStreamSettings;
  settings.filterPatterns.forEach((pattern) => assertSupportedFilterPattern(pattern));
  const region = localRegion();
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const clientConfig = { endpoint: options.endpoint, region, credentials: DUMMY_CREDENTIALS };
  const dynamoDb = new DynamoDBClient(clientConfig);
  const streams = new DynamoDBStreamsClient(clientConfig);

  const table = await dynamoDb.send(new DescribeTableCommand({ TableName: options.tableName }));
  const streamArn = table.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${options.tableName} has no stream; create it with ensureTable()`);

  const checkpoints = openCheckpoints(options.dataDir, streamArn);
  const shards = new Map<string, ShardState>();
  let firstDiscovery = true;
  let ticksStarted = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let currentTick: Promise<void> = Promise.resolve();
  const idleWaiters: { registeredAt: number; resolve: () => void; reject: (error: Error) => void }[] = [];

  async function discoverShards(): Promise<{ listed: Set<string>; changed: boolean }> {
    const listed = new Set<string>();
    let changed = false;
    let exclusiveStartShardId: string | undefined;
    do {
      const page = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }));
      for (const shard of page.StreamDescription?.Shards ?? []) {
        if (!shard.ShardId) continue;
        listed.add(shard.ShardId);
        if (shards.has(shard.ShardId) || checkpoints.isFinished(shard.ShardId)) continue;
        shards.set(shard.ShardId, newShardState(shard, checkpoints.sequenceNumber(shard.ShardId), firstDiscovery && settings.startingPosition === 'LATEST'));
        changed = true;
      }
      exclusiveStartShardId = page.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    firstDiscovery = false;
    return { listed, changed };
  }

  function parentFinished(shard: ShardState, listed: Set<string>): boolean {
    if (!shard.parentShardId) return true;
    return checkpoints.isFinished(shard.parentShardId) || (!listed.has(shard.parentShardId) && !shards.has(shard.parentShardId));
  }

  async function readShard(shard: ShardState): Promise<void> {
    if (shard.endReached || shard.waiting.length >= settings.batchSize) return;
    if (!shard.iterator) {
      const position = shard.readAfter
        ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: shard.readAfter }
        : { ShardIteratorType: shard.startAtLatest ? ('LATEST' as const) : ('TRIM_HORIZON' as const) };
      const response = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.shardId, ...position }));
      shard.iterator = response.ShardIterator;
    }
    let page;
    try {
      page = await streams.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: 1000 }));
    } catch (error) {
      // Iterators expire after 15 minutes; the next read asks for a fresh one after the last record read.
      if (error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException) {
        shard.iterator = undefined;
        return;
      }
      throw error;
    }
    const records = page.Records ?? [];
    for (const record of records) {
      const lambdaRecord = toLambdaRecord(record, region, streamArn!);
      shard.readAfter = lambdaRecord.dynamodb?.SequenceNumber;
      if (!matchesAnyFilterPattern(settings.filterPatterns, lambdaRecord)) continue;
      if (shard.waiting.length === 0) shard.waitingSince = Date.now();
      shard.waiting.push(lambdaRecord);
    }
    shard.iterator = page.NextShardIterator;
    shard.endReached = !page.NextShardIterator;
    shard.caughtUp = records.length === 0 || shard.endReached;
  }

  function nextBatch(shard: ShardState): Batch | undefined {
    const retry = shard.retries.shift();
    if (retry) return retry;
    const windowElapsed = Date.now() - shard.waitingSince >= settings.maxBatchingWindowSeconds * 1000;
    const ready = shard.waiting.length >= settings.batchSize || (shard.waiting.length > 0 && (windowElapsed || shard.endReached));
    if (!ready) return undefined;
    const records = shard.waiting.splice(0, settings.batchSize);
    shard.waitingSince = Date.now();
    return { records, attempts: 0 };
  }

  async function invoke(records: DynamoDBRecord[]): Promise<{ outcome: InvocationOutcome; failedFrom: number | 'all' | undefined }> {
    const context = lambdaContext(options.functionName);
    const requestId = context.awsRequestId;
    try {
      const response = await options.handler({ Records: records }, context);
      const failedFrom = settings.reportBatchItemFailures ? firstReportedFailure(response, records) : undefined;
      return { outcome: { requestId, responseContext: { statusCode: 200, executedVersion: '$LATEST' } }, failedFrom };
    } catch (error) {
      console.error(`[stream] ${options.functionName} failed on a batch of ${records.length} record(s):`, error);
      return { outcome: { requestId, responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' } }, failedFrom: 'all' };
    }
  }

  async function discard(shard: ShardState, records: DynamoDBRecord[], condition: FailureCondition, attempts: number, outcome: InvocationOutcome | undefined) {
    const first = records[0]?.dynamodb;
    const last = records.at(-1)?.dynamodb;
    console.error(`[stream] skipping ${records.length} record(s) of shard ${shard.shardId} (${condition}) from sequence number ${first?.SequenceNumber}`);
    if (options.onFailure) {
      const invocationRecord = {
        requestContext: { requestId: outcome?.requestId ?? randomUUID(), functionArn: functionArn(options.functionName, region), condition, approximateInvokeCount: attempts },
        responseContext: outcome?.responseContext ?? { statusCode: 0, executedVersion: '$LATEST' },
        version: '1.0',
        timestamp: new Date().toISOString(),
        DDBStreamBatchInfo: {
          shardId: shard.shardId,
          startSequenceNumber: first?.SequenceNumber,
          endSequenceNumber: last?.SequenceNumber,
          approximateArrivalOfFirstRecord: secondsToIso(first?.ApproximateCreationDateTime),
          approximateArrivalOfLastRecord: secondsToIso(last?.ApproximateCreationDateTime),
          batchSize: records.length,
          streamArn,
        },
      };
      try {
        await options.onFailure(asSqsEvent(JSON.stringify(invocationRecord), `${options.functionName}-on-failure`, region));
      } catch (error) {
        console.error(`[stream] the on-failure consumer of ${options.functionName} failed:`, error);
      }
    }
    checkpoints.save(shard.shardId, last?.SequenceNumber);
  }

  async function processBatch(shard: ShardState, batch: Batch): Promise<void> {
    const now = Date.now() / 1000;
    const expiredCount = batch.records.findLastIndex((record) => now - (record.dynamodb?.ApproximateCreationDateTime ?? now) > settings.maxRecordAgeSeconds) + 1;
    if (expiredCount > 0) await discard(shard, batch.records.splice(0, expiredCount), 'RecordAgeExceeded', batch.attempts, undefined);
    if (batch.records.length === 0) return;

    const { outcome, failedFrom } = await invoke(batch.records);
    if (failedFrom === undefined) {
      checkpoints.save(shard.shardId, batch.records.at(-1)?.dynamodb?.SequenceNumber);
      return;
    }
    let remaining = batch.records;
    if (failedFrom !== 'all' && failedFrom > 0) {
      checkpoints.save(shard.shardId, batch.records[failedFrom - 1]?.dynamodb?.SequenceNumber);
      remaining = batch.records.slice(failedFrom);
    }
    const attempts = batch.attempts + 1;
    if (attempts > settings.retryAttempts) {
      await discard(shard, remaining, 'RetryAttemptsExhausted', attempts, outcome);
      return;
    }
    // A batch item failure already splits the batch at the failed record; bisecting applies to failed invocations.
    if (failedFrom === 'all' && settings.bisectBatchOnError && remaining.length > 1) {
      const middle = Math.ceil(remaining.length / 2);
      shard.retries.unshift({ records: remaining.slice(0, middle), attempts }, { records: remaining.slice(middle), attempts });
    } else {
      shard.retries.unshift({ records: remaining, attempts });
    }
  }

  /** One poll: returns true when nothing was waiting, in flight or unread. */
  async function pollOnce(): Promise<boolean> {
    const { listed, changed } = await discoverShards();
    let quiet = !changed;
    await Promise.all(
      [...shards.values()].map(async (shard) => {
        if (!parentFinished(shard, listed)) {
          quiet = false;
          return;
        }
        await readShard(shard);
        const batch = nextBatch(shard);
        if (batch) await processBatch(shard, batch);
        const drained = shard.waiting.length === 0 && shard.retries.length === 0;
        if (drained) checkpoints.save(shard.shardId, shard.readAfter);
        if (drained && shard.endReached) {
          checkpoints.finish(shard.shardId);
          shards.delete(shard.shardId);
        }
        if (batch || !drained || !shard.caughtUp) quiet = false;
      }),
    );
    return quiet;
  }

  async function tick(): Promise<void> {
    const tickNumber = ++ticksStarted;
    let quiet = false;
    try {
      quiet = await pollOnce();
    } catch (error) {
      console.error('[stream] polling failed, retrying:', error);
    }
    if (quiet) {
      for (const waiter of idleWaiters.filter((candidate) => candidate.registeredAt < tickNumber)) {
        idleWaiters.splice(idleWaiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
    if (!stopped) timer = setTimeout(() => (currentTick = tick()), pollIntervalMs);
  }

  currentTick = tick();

  return {
    idle(timeoutMs = DEFAULT_IDLE_TIMEOUT_MS) {
      return new Promise<void>((resolve, reject) => {
        const timeout = setTimeout(() => {
          idleWaiters.splice(idleWaiters.indexOf(waiter), 1);
          reject(new Error(`stream poller for ${options.tableName} was still busy after ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = {
          registeredAt: ticksStarted,
          resolve: () => {
            clearTimeout(timeout);
            resolve();
          },
          reject: (error: Error) => {
            clearTimeout(timeout);
            reject(error);
          },
        };
        idleWaiters.push(waiter);
      });
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await currentTick;
      clearTimeout(timer);
      for (const waiter of idleWaiters.splice(0)) waiter.reject(new Error('stream poller stopped'));
      dynamoDb.destroy();
      streams.destroy();
    },
  };
}

function newShardState(shard: Shard, checkpoint: string | undefined, startAtLatest: boolean): ShardState {
  return {
    shardId: shard.ShardId!,
    parentShardId: shard.ParentShardId,
    readAfter: checkpoint,
    iterator: undefined,
    startAtLatest: startAtLatest && checkpoint === undefined,
    waiting: [],
    waitingSince: Date.now(),
    retries: [],
    endReached: false,
    caughtUp: false,
  };
}

/** Index of the lowest failed record, 'all' when the report is unusable (Lambda then fails the whole batch), undefined on success. */
function firstReportedFailure(response: unknown, records: DynamoDBRecord[]): number | 'all' | undefined {
  if (response === null || typeof response !== 'object') return undefined;
  const failures: unknown = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (!Array.isArray(failures) || failures.length === 0) return undefined;
  let lowest = Number.POSITIVE_INFINITY;
  for (const failure of failures) {
    const identifier: unknown = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index = typeof identifier === 'string' && identifier !== '' ? records.findIndex((record) => record.dynamodb?.SequenceNumber === identifier) : -1;
    if (index < 0) return 'all';
    lowest = Math.min(lowest, index);
  }
  return lowest;
}

/** The SDK hands out Dates and byte arrays; Lambda delivers epoch seconds and base64 strings. */
function toLambdaRecord(record: SdkStreamRecord, region: string, streamArn: string): DynamoDBRecord {
  const change = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource,
    awsRegion: region,
    dynamodb: {
      ...(change.ApproximateCreationDateTime && { ApproximateCreationDateTime: Math.floor(change.ApproximateCreationDateTime.getTime() / 1000) }),
      ...(change.Keys && { Keys: toJsonImage(change.Keys) }),
      ...(change.NewImage && { NewImage: toJsonImage(change.NewImage) }),
      ...(change.OldImage && { OldImage: toJsonImage(change.OldImage) }),
      SequenceNumber: change.SequenceNumber,
      SizeBytes: change.SizeBytes,
      StreamViewType: change.StreamViewType,
    },
    eventSourceARN: streamArn,
    ...(record.userIdentity && { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } }),
  };
}

function toJsonImage(image: Record<string, SdkAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toJsonAttribute(value)]));
}

function toJsonAttribute(value: SdkAttributeValue): AttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((bytes) => Buffer.from(bytes).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(toJsonAttribute) };
  if (value.M !== undefined) return { M: toJsonImage(value.M) };
  return value as AttributeValue;
}

function secondsToIso(seconds: number | undefined): string | undefined {
  return seconds === undefined ? undefined : new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

function asSqsEvent(body: string, queueName: string, region: string): SQSEvent {
  const now = String(Date.now());
  return {
    Records: [
      {
        messageId: randomUUID(),
        receiptHandle: randomUUID(),
        body,
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: now, SenderId: LOCAL_ACCOUNT_ID, ApproximateFirstReceiveTimestamp: now },
        messageAttributes: {},
        md5OfBody: createHash('md5').update(body).digest('hex'),
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:${region}:${LOCAL_ACCOUNT_ID}:${queueName}`,
        awsRegion: region,
      },
    ],
  };
}

function openCheckpoints(dataDir: string | undefined, streamArn: string) {
  const file = dataDir ? join(dataDir, 'stream-checkpoints.json') : undefined;
  let all: CheckpointFile = {};
  if (file) {
    try {
      all = JSON.parse(readFileSync(file, 'utf8')) as CheckpointFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read stream checkpoints ${file}: ${(error as Error).message}`);
    }
  }
  const ofStream = (all[streamArn] ??= {});
  const persist = () => {
    if (!file || !dataDir) return;
    mkdirSync(dataDir, { recursive: true });
    // Write then rename, so a crash mid-write never leaves a half file that would replay the stream.
    writeFileSync(`${file}.tmp`, JSON.stringify(all, null, 2));
    renameSync(`${file}.tmp`, file);
  };
  return {
    sequenceNumber: (shardId: string) => ofStream[shardId]?.sequenceNumber,
    isFinished: (shardId: string) => ofStream[shardId]?.finished === true,
    save(shardId: string, sequenceNumber: string | undefined) {
      if (!sequenceNumber || ofStream[shardId]?.sequenceNumber === sequenceNumber) return;
      const previous = ofStream[shardId]?.sequenceNumber;
      if (previous && BigInt(previous) > BigInt(sequenceNumber)) return;
      ofStream[shardId] = { ...ofStream[shardId], sequenceNumber };
      persist();
    },
    finish(shardId: string) {
      ofStream[shardId] = { ...ofStream[shardId], finished: true };
      persist();
    },
  };
}
