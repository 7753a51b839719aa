/**
 * Watches every command a DynamoDBClient sends: how long it took and, when asked, the capacity DynamoDB
 * reports for it (ReturnConsumedCapacity: INDEXES, so the table and each index are charged separately).
 * Each call is tagged with the label active in the async context that made it (`withLabel`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface MeteredCall {
  label: string;
  command: string;
  durationMs: number;
  /** performance.now() when the call was sent. */
  startedAt: number;
  /** Capacity units by where they were charged: "table" or "index:<name>". */
  units: Record<string, number>;
  /** Read or write units, by command type (DynamoDB Local reports one CapacityUnits figure per call). */
  kind: 'read' | 'write';
}

const READ_COMMANDS = new Set(['GetItemCommand', 'QueryCommand', 'ScanCommand', 'BatchGetItemCommand', 'TransactGetItemsCommand']);

const labels = new AsyncLocalStorage<string>();

/** Runs `work` with `label` on every DynamoDB call it makes, however deep (sync or async). */
export function withLabel<Result>(label: string, work: () => Result): Result {
  return labels.run(label, work);
}

export interface DynamoDbMeter {
  calls: MeteredCall[];
  reset(): void;
}

export function meterDynamoDb(client: DynamoDBClient, { consumedCapacity }: { consumedCapacity: boolean }): DynamoDbMeter {
  const meter: DynamoDbMeter = { calls: [], reset: () => void meter.calls.splice(0) };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      if (consumedCapacity) input.ReturnConsumedCapacity = 'INDEXES';
      const started = performance.now();
      const result = await next(args);
      const durationMs = performance.now() - started;
      const command = context.commandName ?? 'unknown';
      const reported = (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity;
      meter.calls.push({
        label: labels.getStore() ?? '(unlabelled)',
        command,
        durationMs,
        startedAt: started,
        units: unitsByLocation(reported),
        kind: READ_COMMANDS.has(command) ? 'read' : 'write',
      });
      return result;
    },
    { step: 'initialize', name: 'benchDynamoDbMeter' },
  );
  return meter;
}

function unitsByLocation(reported: ConsumedCapacity | ConsumedCapacity[] | undefined): Record<string, number> {
  const units: Record<string, number> = {};
  const add = (where: string, value: number | undefined) => {
    if (value) units[where] = (units[where] ?? 0) + value;
  };
  for (const capacity of [reported ?? []].flat()) {
    add('table', capacity.Table?.CapacityUnits);
    for (const [name, index] of Object.entries(capacity.GlobalSecondaryIndexes ?? {})) add(`index:${name}`, index.CapacityUnits);
    for (const [name, index] of Object.entries(capacity.LocalSecondaryIndexes ?? {})) add(`index:${name}`, index.CapacityUnits);
  }
  return units;
}

export const totalUnits = (call: Pick<MeteredCall, 'units'>) => Object.values(call.units).reduce((total, value) => total + value, 0);
