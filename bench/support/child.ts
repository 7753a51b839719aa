/**
 * The side of a benchmark process that run.ts forks: each benchmark runs in a fresh Node process, so module
 * singletons (config, clients, the meter) start clean, and whatever the handlers log or publish as metrics
 * goes to the benchmark's log file instead of the table.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { ensureTable, localDynamoDbClient } from '../../infra/local/services.ts';
import type { BenchResult } from './table.ts';

export function benchEnv(name: 'BENCH_DYNAMODB_ENDPOINT' | 'BENCH_SES_ENDPOINT' | 'BENCH_OUT_DIR'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run benchmarks through npm run bench`);
  return value;
}

export function benchDynamoDbClient(): DynamoDBClient {
  return localDynamoDbClient(benchEnv('BENCH_DYNAMODB_ENDPOINT'));
}

/** A fresh table built like the real one; TABLE_NAME points at it, so set it before importing any handler. */
export async function freshTable(prefix: string, { setEnv = true } = {}): Promise<string> {
  const tableName = `bench-${prefix}-${randomUUID().slice(0, 8)}`;
  const client = benchDynamoDbClient();
  try {
    await ensureTable(client, tableName);
  } finally {
    client.destroy();
  }
  if (setEnv) process.env.TABLE_NAME = tableName;
  return tableName;
}

export async function readMailbox(): Promise<Array<{ replyTo: string[]; destination: { to: string[] }; subject: string; body: { html?: string } }>> {
  const response = await fetch(`${benchEnv('BENCH_SES_ENDPOINT')}/store`);
  if (!response.ok) throw new Error(`local SES mailbox answered ${response.status}`);
  return ((await response.json()) as { emails: Array<{ replyTo: string[]; destination: { to: string[] }; subject: string; body: { html?: string } }> }).emails;
}

/** Progress for the person watching: on stderr of the parent, prefixed with the benchmark's name. */
export function progress(message: string): void {
  process.send?.({ type: 'progress', message });
}

export function runAsBenchmark(run: () => Promise<BenchResult>): void {
  run().then(
    (result) => {
      process.send?.({ type: 'result', result }, () => process.exit(0));
    },
    (error: unknown) => {
      console.error(error);
      process.send?.({ type: 'error', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }, () => process.exit(1));
    },
  );
}
