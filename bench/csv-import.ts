/**
 * CSV import: rows per second for 10,000 attendee rows through the import use case (one conditional PutItem
 * per row, the same capture rules as the API), against raw BatchWriteItem of the very items it stored.
 */
import { randomUUID } from 'node:crypto';
import { BatchWriteItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { dynamoClient } from '../shared/adapters/aws-clients.ts';
import { LeadStore } from '../shared/adapters/lead-store/store.ts';
import { loadConfig } from '../shared/config/load.ts';
import { importLeads } from '../shared/usecases/import-leads.ts';
import { benchDynamoDbClient, freshTable, progress, runAsBenchmark } from './support/child.ts';
import { forEachConcurrently } from './support/stats.ts';
import { count, type BenchRow } from './support/table.ts';

const ROWS = 10_000;
const BATCH = 25;
const BATCH_CONCURRENCY = 8;

function attendeeCsv(runId: string): string {
  const lines = ['Email,First Name,Last Name,Company,Job Title,Phone,Country,Interest'];
  for (let row = 0; row < ROWS; row++) {
    lines.push(`attendee${row}.${runId}@company-${row % 1500}.example,Sam,Attendee ${row},Company ${row % 1500},Head of Data,+49 30 1234${String(row % 1000).padStart(3, '0')},DE,Data platform`);
  }
  return `${lines.join('\n')}\n`;
}

runAsBenchmark(async () => {
  const tableName = await freshTable('csv-import');
  const floorTable = await freshTable('csv-floor', { setEnv: false });
  const config = loadConfig();
  const store = new LeadStore({ client: dynamoClient(), tableName, timezone: config.organisation.timezone });
  const csv = attendeeCsv(randomUUID().slice(0, 8));

  const started = performance.now();
  const summary = await importLeads(csv, { formId: 'data-summit-booth' }, { config, store, now: () => new Date() });
  const importSeconds = (performance.now() - started) / 1000;
  if (summary.imported !== ROWS) throw new Error(`imported ${summary.imported} of ${ROWS} rows (${summary.invalid} invalid, ${summary.duplicates} duplicates)`);
  progress(`imported ${ROWS} rows in ${importSeconds.toFixed(1)} s`);

  const raw = benchDynamoDbClient();
  const items: Array<Record<string, AttributeValue>> = [];
  let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await raw.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  const batches = Array.from({ length: Math.ceil(items.length / BATCH) }, (_, index) => items.slice(index * BATCH, (index + 1) * BATCH));
  const floorStarted = performance.now();
  await forEachConcurrently(batches, BATCH_CONCURRENCY, async (batch) => {
    let requests = batch.map((Item) => ({ PutRequest: { Item } }));
    while (requests.length) {
      const { UnprocessedItems } = await raw.send(new BatchWriteItemCommand({ RequestItems: { [floorTable]: requests } }));
      requests = (UnprocessedItems?.[floorTable] ?? []) as typeof requests;
    }
  });
  const floorSeconds = (performance.now() - floorStarted) / 1000;
  raw.destroy();

  const rowsPerSecond = ROWS / importSeconds;
  const floorPerSecond = items.length / floorSeconds;
  const rows: BenchRow[] = [
    {
      benchmark: `CSV import (${count(ROWS)} rows)`,
      measure: 'rows/s',
      value: `${count(rowsPerSecond)}/s (${importSeconds.toFixed(1)} s)`,
      floor: `${count(floorPerSecond)}/s raw BatchWriteItem (${floorSeconds.toFixed(1)} s)`,
      ratio: rowsPerSecond / floorPerSecond,
      note: `The import writes each row as its own conditional PutItem (attribute_not_exists, so a re-imported file adds nothing), 24 at a time; the floor writes the same ${count(items.length)} stored items, unconditionally, ${BATCH} per BatchWriteItem and ${BATCH_CONCURRENCY} batches at a time, to an empty table built the same way.`,
    },
  ];
  return { name: 'csv-import', rows, details: { rows: ROWS, importSeconds, rowsPerSecond, floorSeconds, floorItemsPerSecond: floorPerSecond, summary: { ...summary, problems: summary.problems.length } } };
});
