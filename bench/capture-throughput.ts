/**
 * Capture throughput through the local HTTP API (gateway in its own process, as `npm start` runs it) with
 * autocannon from 1, 10 and 50 connections, each a distinct lead. The floor is bare PutItems of the same
 * item from as many concurrent callers to the same DynamoDB Local: what the store alone can take.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import autocannon from 'autocannon';
import { benchDynamoDbClient, freshTable, progress, runAsBenchmark } from './support/child.ts';
import { browserHeaders, DEMO_FORM_PATH, demoRequestBody } from './support/submissions.ts';
import { count, ms, type BenchRow } from './support/table.ts';

const CONNECTIONS = [1, 10, 50] as const;
const LOAD_SECONDS = 5;
const FLOOR_SECONDS = 3;

async function startGatewayProcess(): Promise<{ url: string; stop: () => void }> {
  const child = fork(new URL('./support/gateway-server.ts', import.meta.url), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { url: string }) => resolve(message.url));
    child.once('exit', (code) => reject(new Error(`the gateway process exited with code ${code}`)));
  });
  return { url, stop: () => child.disconnect() };
}

runAsBenchmark(async () => {
  const tableName = await freshTable('capture-throughput');
  const gateway = await startGatewayProcess();
  const runId = randomUUID().slice(0, 8);
  let sequence = 0;
  const client = benchDynamoDbClient();
  const rows: BenchRow[] = [];
  const details: Record<string, unknown> = { loadSeconds: LOAD_SECONDS, floorSeconds: FLOOR_SECONDS };
  try {
    const firstResponse = await fetch(`${gateway.url}${DEMO_FORM_PATH}`, { method: 'POST', headers: browserHeaders, body: demoRequestBody(sequence++, runId).body });
    if (firstResponse.status !== 201) throw new Error(`capture answered ${firstResponse.status}: ${await firstResponse.text()}`);
    const { leadId } = (await firstResponse.json()) as { leadId: string };
    const { Item: storedItem } = await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: `LEAD#${leadId}` }, sk: { S: 'LEAD' } } }));
    if (!storedItem) throw new Error('the captured lead was not stored');

    for (const connections of CONNECTIONS) {
      progress(`${connections} connection(s), ${LOAD_SECONDS} s`);
      const result = await autocannon({
        url: gateway.url,
        connections,
        duration: LOAD_SECONDS,
        requests: [
          {
            method: 'POST',
            path: DEMO_FORM_PATH,
            headers: { ...browserHeaders },
            setupRequest: (request) => ({ ...request, body: demoRequestBody(sequence++, runId).body }),
          },
        ],
      });
      const created = result['2xx'];
      const perSecond = created / result.duration;

      let floorWrites = 0;
      const floorEnd = Date.now() + FLOOR_SECONDS * 1000;
      const floorStarted = performance.now();
      await Promise.all(
        Array.from({ length: connections }, async (_, worker) => {
          for (let i = 0; Date.now() < floorEnd; i++) {
            await client.send(new PutItemCommand({ TableName: tableName, Item: { ...storedItem, pk: { S: `LEAD#floor-${runId}-${connections}-${worker}-${i}` } } }));
            floorWrites++;
          }
        }),
      );
      const floorPerSecond = floorWrites / ((performance.now() - floorStarted) / 1000);
      rows.push({
        benchmark: 'Capture throughput (HTTP, autocannon)',
        measure: `${connections} connection${connections === 1 ? '' : 's'}: leads/s (p50 / p99 latency)`,
        value: `${count(perSecond)}/s (${ms(result.latency.p50)} / ${ms(result.latency.p99)})`,
        floor: `${count(floorPerSecond)} PutItem/s`,
        ratio: perSecond / floorPerSecond,
        note: connections === CONNECTIONS[0]
          ? `${LOAD_SECONDS} s per level, every request a distinct lead. Run with capture.rateLimitPerMinute = 1,000,000 (bench config): all requests come from 127.0.0.1 and the gateway passes the socket address as sourceIp, so the production limit of 10/min per address would answer 429. Each lead is several writes (see the capture latency breakdown), so it can only reach a fraction of the single-PutItem floor. Non-2xx answers: ${CONNECTIONS.map((level) => `${level}: ${(details[`connections${level}`] as { non2xx?: number } | undefined)?.non2xx ?? 'see below'}`).join(', ')}.`
          : undefined,
      });
      details[`connections${connections}`] = {
        requests: result.requests.total, created, non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts,
        leadsPerSecond: perSecond, latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
        floorPutItemsPerSecond: floorPerSecond,
      };
    }
  } finally {
    gateway.stop();
    client.destroy();
  }
  const firstRow = rows[0];
  if (firstRow?.note) firstRow.note = firstRow.note.replace(/Non-2xx answers: .*$/, `Non-2xx answers / socket errors: ${CONNECTIONS.map((level) => {
    const run = details[`connections${level}`] as { non2xx: number; errors: number };
    return `${level} conn: ${run.non2xx} / ${run.errors}`;
  }).join(', ')}.`);
  return { name: 'capture-throughput', rows, details };
});
