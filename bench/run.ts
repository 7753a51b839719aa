/**
 * `npm run bench`: every benchmark of issue 6 against a local stack started for the run (DynamoDB Local
 * in memory and the local SES, on free ports, 127.0.0.1 only). Each benchmark runs in its own Node process
 * and compares itself with the floor for the same work, measured in the same run. Prints a markdown table
 * with the machine it ran on and writes bench/results.json.
 *
 * `npm run bench -- capture-latency nightly` runs only the named benchmarks.
 */
import { fork } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync, closeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DUMMY_CREDENTIALS, ensureJava, findFreePort, startDynamoDbLocal, startSesLocal } from '../infra/local/services.ts';
import { markdownTable, notesList, type BenchResult } from './support/table.ts';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const repositoryRoot = join(benchDir, '..');
const outDir = join(benchDir, '.out');

/** In table order; each one is bounded in count and time (the limits are in each file) and has its own DynamoDB Local. */
const BENCHMARKS = ['capture-latency', 'capture-throughput', 'capacity', 'csv-import', 'nightly', 'bundles', 'alert-latency'] as const;
/** Generous: on a 2-core machine shared with test runs, DynamoDB Local can be several times slower than idle. */
const BENCHMARK_TIMEOUT_MS = 8 * 60_000;
/** The nightly benchmark seeds 100,000 leads into DynamoDB Local first, which alone takes minutes. */
const TIMEOUT_MS_BY_BENCHMARK: Partial<Record<(typeof BENCHMARKS)[number], number>> = { nightly: 20 * 60_000 };
/** The throughput run posts from one address through the gateway, so the per-address limit is lifted for the run. */
const BENCH_RATE_LIMIT_PER_MINUTE = 1_000_000;

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
    loadAverageAtStart: os.loadavg().map((value) => Number(value.toFixed(2))),
  };
}

function writeBenchConfig(): string {
  const config = JSON.parse(readFileSync(join(repositoryRoot, 'handoff.config.json'), 'utf8')) as { $schema?: string; capture: Record<string, number> };
  delete config.$schema;
  config.capture.rateLimitPerMinute = BENCH_RATE_LIMIT_PER_MINUTE;
  const file = join(outDir, 'bench.config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

function writeSecret(name: string): string {
  const file = join(outDir, `${name}.secret`);
  writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return file;
}

async function runBenchmark(name: (typeof BENCHMARKS)[number], env: NodeJS.ProcessEnv): Promise<BenchResult> {
  const timeoutMs = TIMEOUT_MS_BY_BENCHMARK[name] ?? BENCHMARK_TIMEOUT_MS;
  const logFile = join(outDir, `${name}.log`);
  const log = openSync(logFile, 'w');
  const started = Date.now();
  try {
    return await new Promise<BenchResult>((resolve, reject) => {
      const child = fork(join(benchDir, `${name}.ts`), [], { execArgv: ['--import', 'tsx'], env, stdio: ['ignore', log, log, 'ipc'], cwd: repositoryRoot });
      let settled = false;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        if (!settled) reject(new Error(`${name} did not finish within ${timeoutMs / 1000} s (log: ${logFile})`));
        settled = true;
      }, timeoutMs);
      child.on('message', (message: { type: string; message?: string; result?: BenchResult }) => {
        if (message.type === 'progress') console.error(`[${name}] ${message.message}`);
        if (message.type === 'result' && message.result && !settled) {
          settled = true;
          resolve(message.result);
        }
        if (message.type === 'error' && !settled) {
          settled = true;
          reject(new Error(`${name} failed: ${message.message} (log: ${logFile})`));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        if (!settled) reject(new Error(`${name} exited with code ${code} before reporting (log: ${logFile})`));
        settled = true;
      });
    });
  } finally {
    closeSync(log);
    console.error(`[${name}] ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

async function main(): Promise<void> {
  const requested = process.argv.slice(2);
  const unknown = requested.filter((name) => !(BENCHMARKS as readonly string[]).includes(name));
  if (unknown.length) throw new Error(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${BENCHMARKS.join(', ')}`);
  const selected = requested.length ? BENCHMARKS.filter((name) => requested.includes(name)) : [...BENCHMARKS];

  mkdirSync(outDir, { recursive: true });
  // Lambda runs Node 22; on a Node 20 workstation the SDK's upgrade notice is noise.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const host = machine();
  ensureJava();
  const ses = await findFreePort().then((port) => startSesLocal({ port }));
  const baseEnv: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_SES: ses.endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    HANDOFF_CONFIG: writeBenchConfig(),
    ACTION_SECRET_FILE: writeSecret('action'),
    API_TOKEN_SECRET_FILE: writeSecret('api-token'),
    BENCH_SES_ENDPOINT: ses.endpoint,
    BENCH_OUT_DIR: outDir,
  };
  delete baseEnv.AWS_SESSION_TOKEN;
  delete baseEnv.AWS_PROFILE;

  const results: BenchResult[] = [];
  const failures: string[] = [];
  try {
    for (const name of selected) {
      // Each benchmark gets a DynamoDB Local of its own: an in-memory instance that already holds the earlier
      // benchmarks' tables and streams slows down many times over (seen: 55 instead of ~1,000 items/s seeding).
      const dynamoDb = await findFreePort().then((port) => startDynamoDbLocal({ port }));
      const env: NodeJS.ProcessEnv = {
        ...baseEnv,
        AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamoDb.endpoint,
        BENCH_DYNAMODB_ENDPOINT: dynamoDb.endpoint,
      };
      try {
        results.push(await runBenchmark(name, env));
      } catch (error) {
        failures.push((error as Error).message);
        console.error((error as Error).message);
      } finally {
        await dynamoDb.stop();
      }
    }
  } finally {
    await ses.stop();
  }

  const rows = results.flatMap((result) => result.rows);
  const machineLine = `Machine: ${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB RAM, Node ${host.node}, ${host.platform}; ${host.date.slice(0, 10)} (load average at start ${host.loadAverageAtStart.join(' / ')})`;
  const report = [machineLine, '', markdownTable(rows), '', notesList(rows)].join('\n');
  writeFileSync(join(benchDir, 'results.json'), `${JSON.stringify({ machine: host, benchmarks: results, failures }, null, 2)}\n`);
  console.log(report);
  if (failures.length) {
    console.log(`\n${failures.length} benchmark(s) failed:\n${failures.map((failure) => `- ${failure}`).join('\n')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
