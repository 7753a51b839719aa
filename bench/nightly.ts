/**
 * Nightly report: read units and time at 10,000 and 100,000 leads, 1% of them overdue, against the floor of
 * reading exactly the overdue items. Leads arrive at a steady 100 a day, so a bigger table is a longer history,
 * as it is in life; the 7-day window the report also reads is then the same size at both table sizes.
 */
import { randomUUID } from 'node:crypto';
import { BatchWriteItemCommand, DeleteItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoClient } from '../shared/adapters/aws-clients.ts';
import { LeadStore } from '../shared/adapters/lead-store/store.ts';
import { INDEX } from '../shared/adapters/lead-store/table.ts';
import { loadConfig } from '../shared/config/load.ts';
import type { Lead } from '../shared/domain/lead.ts';
import { localDate } from '../shared/domain/business-hours.ts';
import { reportWindow } from '../shared/domain/report.ts';
import { benchDynamoDbClient, freshTable, progress, readMailbox, runAsBenchmark } from './support/child.ts';
import { meterDynamoDb, totalUnits } from './support/dynamodb-meter.ts';
import { itemSizeBytes } from './support/item-size.ts';
import { LABEL_SEPARATOR, labelLeadStoreCalls } from './support/label-store.ts';
import { forEachConcurrently, sum } from './support/stats.ts';
import { count, ms, units, type BenchRow } from './support/table.ts';

const SIZES = (process.env.BENCH_NIGHTLY_SIZES ?? "10000,100000").split(",").map(Number);
const FALLBACK_LARGE_SIZES = [50_000, 20_000];
/** The larger size is cut to the largest fallback that fits when seeding it would take longer than this. */
const SEED_BUDGET_SECONDS = 600;
const LEADS_PER_DAY = 100;
const OVERDUE_EVERY = 100;
const BATCH = 25;
const SEED_CONCURRENCY = 8;
const HOUR = 3_600_000;

const config = loadConfig();
const REPS = config.salespeople.map((rep) => rep.id);

/** How many seeded leads fall between the start of the report's 7-day window and `scheduledTime`: what it reads by day. */
function leadsReadByDay(scheduledTime: Date): number {
  const from = reportWindow(localDate(scheduledTime, config.organisation.timezone), config.organisation.timezone).from;
  return Math.floor((scheduledTime.getTime() - 2 * HOUR - from.getTime()) / (86_400_000 / LEADS_PER_DAY)) + 1;
}

/** The n-th lead back in time from `scheduledTime`: every 100th is still open past its deadline, the rest were contacted. */
function historicLead(index: number, scheduledTime: Date, runId: string): Lead {
  const receivedAt = new Date(scheduledTime.getTime() - 2 * HOUR - (index * 86_400_000) / LEADS_PER_DAY);
  const overdue = index % OVERDUE_EVERY === 0;
  const ownerId = REPS[index % REPS.length]!;
  const company = `Company ${index % 997}`;
  const email = `lead${index}.${runId}@company-${index % 997}.example`;
  return {
    leadId: `ld_bench${runId}${index.toString(36).padStart(6, '0')}`,
    formId: 'demo-request',
    formKind: 'website',
    receivedAt: receivedAt.toISOString(),
    status: overdue ? 'open' : 'contacted',
    followUpDeadline: new Date(receivedAt.getTime() + HOUR).toISOString(),
    contact: { email, emailDisplay: email, firstName: 'Sam', lastName: `Lead ${index}`, company, jobTitle: 'Head of Data', phone: '+49 30 1234567', country: 'DE', message: 'We would like to see a demo of the routing features next week.' },
    answers: { team_size: '50-200' },
    tracking: { utm: { source: 'google', medium: 'cpc', campaign: 'brand' }, referrer: 'https://www.google.com/', userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5)' },
    enrichment: {
      displayName: `Sam Lead ${index}`, emailDomain: email.split('@')[1]!, isFreeMail: false, isDisposable: false, companyName: company, companySource: 'form',
      phoneE164: '+49301234567', country: 'DE', countrySource: 'form',
      source: { formId: 'demo-request', formName: 'Website demo request', formKind: 'website', campaign: 'Always-on demo request', utmSource: 'google', utmMedium: 'cpc', utmCampaign: 'brand', label: 'Website demo request · google / cpc' },
    },
    score: 40,
    scoreReasons: ['company email', 'job title'],
    ownerId,
    ownerReason: 'Territory DE → round robin',
    alert: { kind: 'new', status: 'sent', attempts: 1, sentAt: receivedAt.toISOString() },
    ...(overdue ? {} : { firstContactAt: new Date(receivedAt.getTime() + HOUR / 2).toISOString(), firstContactBy: ownerId }),
  };
}

/** The items exactly as LeadStore.putNewLead writes them, taken from its PutItem without sending it. */
async function itemsInStoreShape(leads: Lead[], tableName: string): Promise<Array<Record<string, AttributeValue>>> {
  const items: Array<Record<string, AttributeValue>> = [];
  const recorder = { send: async (command: { input: { Item: Record<string, AttributeValue> } }) => void items.push(command.input.Item) } as unknown as DynamoDBClient;
  const shaper = new LeadStore({ client: recorder, tableName, timezone: config.organisation.timezone });
  for (const lead of leads) await shaper.putNewLead(lead);
  return items;
}

async function batchWrite(client: DynamoDBClient, tableName: string, items: Array<Record<string, AttributeValue>>): Promise<void> {
  const batches = Array.from({ length: Math.ceil(items.length / BATCH) }, (_, index) => items.slice(index * BATCH, (index + 1) * BATCH));
  await forEachConcurrently(batches, SEED_CONCURRENCY, async (batch) => {
    let requests = batch.map((Item) => ({ PutRequest: { Item } }));
    while (requests.length) {
      const { UnprocessedItems } = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }));
      requests = (UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  });
}

runAsBenchmark(async () => {
  const tableName = await freshTable('nightly');
  let step = 'seed';
  labelLeadStoreCalls(() => step);
  const meter = meterDynamoDb(dynamoClient(), { consumedCapacity: true });
  const nightlyReport = (await import('../functions/nightly-report.ts')).handler;
  const raw = benchDynamoDbClient();
  const runId = randomUUID().slice(0, 6);
  // A weekday morning, so the report has every kind of email to send.
  const scheduledTime = new Date('2026-11-26T06:00:00Z');

  const rows: BenchRow[] = [];
  const runs: Array<Record<string, unknown>> = [];
  let seeded = 0;
  let seedSeconds = 0;
  let sizes = [...SIZES];
  const allItems: Array<Record<string, AttributeValue>> = [];
  let fellBack = '';
  // A run on the empty table first, so the measured runs find the code warm as a running Lambda would.
  const warmUp = await nightlyReport({ scheduledTime: scheduledTime.toISOString() });
  for (const kind of warmUp.sent) await raw.send(new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: `REPORT#${warmUp.reportDate}` }, sk: { S: kind } } }));
  for (let position = 0; position < sizes.length; position++) {
    const size = sizes[position]!;
    const leads = Array.from({ length: size - seeded }, (_, offset) => historicLead(seeded + offset, scheduledTime, runId));
    const items = await itemsInStoreShape(leads, tableName);
    const seedStarted = performance.now();
    await batchWrite(raw, tableName, items);
    const seconds = (performance.now() - seedStarted) / 1000;
    seedSeconds += seconds;
    seeded = size;
    allItems.push(...items);
    const rate = items.length / seconds;
    progress(`seeded ${count(size)} leads (${count(rate)} items/s)`);
    const nextSize = sizes[position + 1];
    if (nextSize !== undefined && (nextSize - size) / rate > SEED_BUDGET_SECONDS) {
      const fallback = FALLBACK_LARGE_SIZES.find((candidate) => (candidate - size) / rate <= SEED_BUDGET_SECONDS) ?? FALLBACK_LARGE_SIZES.at(-1)!;
      sizes = [...sizes.slice(0, position + 1), fallback];
      fellBack = `seeding ${count(nextSize)} leads at the measured ${count(rate)} items/s would have taken ~${Math.round((nextSize - size) / rate)} s, over the ${SEED_BUDGET_SECONDS} s budget, so the large run uses ${count(fallback)} leads.`;
      progress(fellBack);
    }

    const cutoff = `${scheduledTime.toISOString()}#\uffff`;
    const overdueItems = allItems.filter((item) => item.waitingSort?.S !== undefined && item.waitingSort.S <= cutoff);
    const overdueBytes = sum(overdueItems.map(itemSizeBytes));
    // The cheapest possible read of exactly these items: one eventually consistent read of their total size.
    const floorUnits = Math.ceil(overdueBytes / 4096) * 0.5;
    const floorStarted = performance.now();
    let floorItems = 0;
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await raw.send(new QueryCommand({ TableName: tableName, IndexName: INDEX.waitingByDeadline, KeyConditionExpression: 'waitingKey = :w AND waitingSort <= :now', ExpressionAttributeValues: { ':w': { S: 'WAITING' }, ':now': { S: cutoff } }, ExclusiveStartKey }));
      floorItems += page.Items?.length ?? 0;
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    const floorMs = performance.now() - floorStarted;
    if (floorItems !== overdueItems.length) throw new Error(`the waiting index holds ${floorItems} overdue leads, ${overdueItems.length} were seeded`);

    step = `nightly ${size}`;
    meter.reset();
    const mailboxBefore = (await readMailbox()).length;
    const started = performance.now();
    const summary = await nightlyReport({ scheduledTime: scheduledTime.toISOString() });
    const runMs = performance.now() - started;
    const emails = (await readMailbox()).length - mailboxBefore;
    if (summary.overdue !== overdueItems.length) throw new Error(`the report counted ${summary.overdue} overdue leads, ${overdueItems.length} were seeded`);
    // Claims make a second run for the same date send nothing; release them so the next size runs in full.
    for (const kind of summary.sent) await raw.send(new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: `REPORT#${summary.reportDate}` }, sk: { S: kind } } }));

    const readsBy = (method: string) => sum(meter.calls.filter((call) => call.kind === 'read' && call.label.endsWith(`${LABEL_SEPARATOR}${method}`)).map(totalUnits));
    const overdueReadUnits = readsBy('waitingDueBy');
    const windowReadUnits = readsBy('leadsCapturedOn');
    const allReadUnits = sum(meter.calls.filter((call) => call.kind === 'read').map(totalUnits));
    const writeUnits = sum(meter.calls.filter((call) => call.kind === 'write').map(totalUnits));
    const benchmark = `Nightly report, ${count(size)} leads`;
    rows.push(
      {
        benchmark, measure: `read units for the ${count(overdueItems.length)} overdue leads`,
        value: units(overdueReadUnits), floor: `${units(floorUnits)} (${count(overdueBytes)} B ÷ 4 KB × 0.5)`, ratio: overdueReadUnits / floorUnits,
        target: '≤ 1.1× floor', met: overdueReadUnits / floorUnits <= 1.1,
        note: position === 0
          ? `Floor = one eventually consistent read of exactly the overdue items' bytes (DynamoDB item-size rules). Seeded with BatchWriteItem in the store's own item shape at ${LEADS_PER_DAY} leads/day (every ${OVERDUE_EVERY}th still open past its deadline, the rest contacted).`
          : undefined,
      },
      {
        benchmark, measure: `read units for the 7-day window and the report date so far (${count(leadsReadByDay(scheduledTime))} leads)`,
        value: units(windowReadUnits), floor: '—',
        note: position === 0
          ? 'The report reads the last 7 days, and the report date up to the run, by the byDay index: its cost follows leads per week, not table size. The report date\'s leads are there so a run for an earlier time still lists a lead contacted since.'
          : undefined,
      },
      {
        benchmark, measure: `whole run: read units / write units / time (${emails} emails)`,
        value: `${units(allReadUnits)} R / ${units(writeUnits)} W / ${ms(runMs)}`,
        floor: `${ms(floorMs)} (bare Query of the waiting index)`, ratio: runMs / floorMs,
      },
    );
    runs.push({ size, overdue: overdueItems.length, overdueBytes, floorUnits, floorQueryMs: floorMs, overdueReadUnits, windowReadUnits, allReadUnits, writeUnits, runMs, emails, summary, calls: meter.calls.length });
  }
  raw.destroy();
  const [small, large] = runs as Array<{ size: number; allReadUnits: number; runMs: number }>;
  if (small && large) {
    rows.push({
      benchmark: 'Nightly report, growth',
      measure: `read units at ${count(large.size)} ÷ at ${count(small.size)} leads`,
      value: `${units(large.allReadUnits)} ÷ ${units(small.allReadUnits)}`,
      floor: `${large.size / small.size}× more leads`,
      ratio: large.allReadUnits / small.allReadUnits,
      note: `time ${ms(large.runMs)} vs ${ms(small.runMs)}. Seeding took ${seedSeconds.toFixed(0)} s. ${fellBack}`,
    });
  }
  return { name: 'nightly', rows, details: { runs, seedSeconds, leadsPerDay: LEADS_PER_DAY, fellBack } };
});
