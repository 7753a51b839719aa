/**
 * Capacity units per lead, end to end: capture, enrich + assign, the alert and its bookkeeping, and the first
 * contact (the owner's one-click "contacted" link). Every DynamoDB call the handlers make is sent with
 * ReturnConsumedCapacity: INDEXES and charged to the step and store method that made it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { handleHttpApiRequest, type HttpLambdaHandler } from '../infra/local/gateway.ts';
import { lambdaContext, type LambdaHandler } from '../infra/local/lambda-runtime.ts';
import { routes } from '../infra/routes.ts';
import { projectionOf, tableDefinition } from '../shared/adapters/lead-store/table.ts';
import { dynamoClient } from '../shared/adapters/aws-clients.ts';
import { createActionToken } from '../shared/domain/action-token.ts';
import { benchDynamoDbClient, freshTable, progress, runAsBenchmark } from './support/child.ts';
import { meterDynamoDb, totalUnits, type MeteredCall } from './support/dynamodb-meter.ts';
import { itemSizeBytes } from './support/item-size.ts';
import { LABEL_SEPARATOR, labelLeadStoreCalls } from './support/label-store.ts';
import { median } from './support/stats.ts';
import { demoRequest } from './support/submissions.ts';
import { units, type BenchRow } from './support/table.ts';

const LEADS = 20;
/** AWS list prices for on-demand capacity in us-east-1 since the 1 Nov 2024 price cut (not fetched live). */
const PRICE = { perMillionWriteUnits: 0.625, perMillionReadUnits: 0.125, source: 'AWS DynamoDB on-demand list price, us-east-1, in effect since 2024-11-01' };
/** One write each: store the lead, record owner + alert state, record first contact. */
const FLOOR_WRITE_UNITS = { capture: 1, 'enrich + assign + alert': 1, 'first contact': 1 } as const;
const TARGET_RATIO = 2;

type Step = 'capture' | 'enrich + assign' | 'alert' | 'first contact';

runAsBenchmark(async () => {
  const tableName = await freshTable('capacity');
  let step: Step = 'capture';
  labelLeadStoreCalls(() => step);
  const meter = meterDynamoDb(dynamoClient(), { consumedCapacity: true });
  const asLambda = (module: { handler: unknown }) => module.handler as LambdaHandler;
  const capture = asLambda(await import('../functions/capture.ts')) as HttpLambdaHandler;
  const processLeads = asLambda(await import('../functions/process-leads.ts'));
  const leadActions = asLambda(await import('../functions/lead-actions.ts')) as HttpLambdaHandler;
  const actionSecret = readFileSync(process.env.ACTION_SECRET_FILE!, 'utf8').trim();
  const inspect = benchDynamoDbClient();
  const runId = randomUUID().slice(0, 8);
  /** The lead item's billed size after each step: an update costs 1 W per started KB of the whole item. */
  const itemSizes: Record<'captured' | 'alerted' | 'contacted', number[]> = { captured: [], alerted: [], contacted: [] };
  const leadItem = async (leadId: string) => (await inspect.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: `LEAD#${leadId}` }, sk: { S: 'LEAD' } } }))).Item;

  for (let sequence = 0; sequence < LEADS; sequence++) {
    step = 'capture';
    const captured = await handleHttpApiRequest(demoRequest(sequence, runId, { ownCompany: true }), routes, async () => capture);
    if (captured.statusCode !== 201) throw new Error(`capture answered ${captured.statusCode}`);
    const { leadId } = JSON.parse(captured.body.toString('utf8')) as { leadId: string };
    itemSizes.captured.push(itemSizeBytes((await leadItem(leadId))!));

    step = 'enrich + assign';
    const before = meter.calls.length;
    const streamEvent: DynamoDBStreamEvent = {
      Records: [{ eventName: 'INSERT', eventSource: 'aws:dynamodb', awsRegion: 'eu-central-1', dynamodb: { Keys: { pk: { S: `LEAD#${leadId}` }, sk: { S: 'LEAD' } }, SequenceNumber: String(sequence + 1), StreamViewType: 'NEW_IMAGE' } }],
    };
    const processed = (await processLeads(streamEvent, lambdaContext('processLeads'))) as { batchItemFailures: unknown[] };
    if (processed.batchItemFailures.length) throw new Error(`processing ${leadId} failed`);
    // The calls after recordAssignment read the lead back and send and record the alert.
    const processCalls = meter.calls.slice(before);
    const assigned = processCalls.findIndex((call) => call.label.endsWith('recordAssignment'));
    for (const call of processCalls.slice(assigned + 1)) call.label = call.label.replace('enrich + assign', 'alert');

    const Item = await leadItem(leadId);
    itemSizes.alerted.push(itemSizeBytes(Item!));
    const ownerId = Item?.ownerId?.S;
    if (!ownerId || Item?.alert?.M?.status?.S !== 'sent') throw new Error(`lead ${leadId} was not assigned and alerted`);
    step = 'first contact';
    const token = createActionToken({ leadId, action: 'contacted', repId: ownerId, expiresAt: new Date(Date.now() + 86_400_000), nonce: randomBytes(12).toString('base64url') }, actionSecret);
    const contacted = await handleHttpApiRequest({ method: 'POST', url: `/actions/${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' }, routes, async () => leadActions);
    if (contacted.statusCode !== 200) throw new Error(`the contacted link answered ${contacted.statusCode}`);
    itemSizes.contacted.push(itemSizeBytes((await leadItem(leadId))!));
  }
  inspect.destroy();
  progress(`${LEADS} leads, ${meter.calls.length} DynamoDB calls`);

  const calls = meter.calls;
  const unlabelled = calls.filter((call) => !call.label.includes(LABEL_SEPARATOR));
  if (unlabelled.length) throw new Error(`${unlabelled.length} DynamoDB call(s) were not made through the lead store: ${unlabelled.map((call) => call.command).join(', ')}`);
  const perLead = (selected: MeteredCall[], kind: MeteredCall['kind']) => selected.filter((call) => call.kind === kind).reduce((total, call) => total + totalUnits(call), 0) / LEADS;
  const stepOf = (call: MeteredCall) => call.label.split(LABEL_SEPARATOR)[0] as Step;

  const operations = new Map<string, { step: Step; method: string; command: string; calls: number; units: Record<string, number> }>();
  for (const call of calls) {
    const [callStep, method] = call.label.split(LABEL_SEPARATOR) as [Step, string];
    const id = `${callStep}|${method}|${call.command}`;
    const entry = operations.get(id) ?? { step: callStep, method, command: call.command.replace(/Command$/, ''), calls: 0, units: {} };
    entry.calls++;
    for (const [where, value] of Object.entries(call.units)) entry.units[where] = (entry.units[where] ?? 0) + value;
    operations.set(id, entry);
  }
  const breakdown = [...operations.values()].map((entry) => ({
    ...entry,
    callsPerLead: entry.calls / LEADS,
    unitsPerLead: Object.fromEntries(Object.entries(entry.units).map(([where, value]) => [where, value / LEADS])),
  }));
  const describe = (step: Step) =>
    breakdown
      .filter((entry) => entry.step === step)
      .map((entry) => {
        const where = Object.entries(entry.unitsPerLead).map(([location, value]) => `${location.replace('index:', '')} ${units(value)}`).join(' + ');
        return `${entry.method} (${entry.command}${entry.callsPerLead === 1 ? '' : ` ×${units(entry.callsPerLead)}`}): ${where || '0'}`;
      })
      .join('; ');

  const steps: Step[] = ['capture', 'enrich + assign', 'alert', 'first contact'];
  const benchmark = `Capacity units per lead (n=${LEADS})`;
  const rows: BenchRow[] = steps.map((step) => {
    const stepCalls = calls.filter((call) => stepOf(call) === step);
    const floor = step === 'capture' ? '1 W' : step === 'first contact' ? '1 W' : step === 'alert' ? '(with assign) 1 W' : '(with alert) 1 W';
    return {
      benchmark,
      measure: `${step}: write / read units`,
      value: `${units(perLead(stepCalls, 'write'))} W / ${units(perLead(stepCalls, 'read'))} R`,
      floor,
      note: describe(step),
    };
  });
  const writeUnits = perLead(calls, 'write');
  const readUnits = perLead(calls, 'read');
  const floorWrites = Object.values(FLOOR_WRITE_UNITS).reduce((total, value) => total + value, 0);
  const tableWrites = calls.filter((call) => call.kind === 'write').reduce((total, call) => total + (call.units.table ?? 0), 0) / LEADS;
  const costPer1000 = (writeUnits * PRICE.perMillionWriteUnits + readUnits * PRICE.perMillionReadUnits) * 1000 / 1e6;
  const floorCostPer1000 = (floorWrites * PRICE.perMillionWriteUnits * 1000) / 1e6;
  rows.push({
    benchmark,
    measure: 'total write units per lead',
    value: `${units(writeUnits)} W (table ${units(tableWrites)} + indexes ${units(writeUnits - tableWrites)})`,
    floor: `${floorWrites} W`,
    ratio: writeUnits / floorWrites,
    target: `≤ ${TARGET_RATIO}× floor`,
    met: writeUnits / floorWrites <= TARGET_RATIO,
    note: `Units as DynamoDB Local reports them with ReturnConsumedCapacity=INDEXES (table and each GSI separately; transactional writes count double). Index projections: ${tableDefinition.indexes.map((index) => `${index.name} ${describeProjection(projectionOf(index))}`).join(', ')}. Stream reads by the Lambda event source mapping are free and not counted; SES is not counted.`,
  });
  rows.push({
    benchmark,
    measure: 'lead item size: captured / alerted / contacted (median)',
    value: `${median(itemSizes.captured)} B / ${median(itemSizes.alerted)} B / ${median(itemSizes.contacted)} B`,
    floor: '1,024 B (1 W per update)',
    note: 'Billed size (attribute names + values) of the lead item after each step, read back from the table. Every write of an item costs 1 W per started KB of the whole item, so an item over 1 KB makes each of its updates cost 2 W.',
  });
  rows.push({ benchmark, measure: 'total read units per lead', value: `${units(readUnits)} R`, floor: '0 R' });
  rows.push({
    benchmark,
    measure: 'on-demand cost per 1,000 leads',
    value: `$${costPer1000.toFixed(4)}`,
    floor: `$${floorCostPer1000.toFixed(4)}`,
    ratio: costPer1000 / floorCostPer1000,
    note: `$${PRICE.perMillionWriteUnits} per million write request units, $${PRICE.perMillionReadUnits} per million read request units (${PRICE.source}). Storage not included.`,
  });
  return { name: 'capacity', rows, details: { leads: LEADS, price: PRICE, writeUnitsPerLead: writeUnits, readUnitsPerLead: readUnits, tableWriteUnitsPerLead: tableWrites, costPer1000Leads: costPer1000, itemSizes, breakdown } };
});

function describeProjection({ ProjectionType, NonKeyAttributes }: ReturnType<typeof projectionOf>): string {
  return NonKeyAttributes ? `${ProjectionType} (${NonKeyAttributes.length} attributes)` : ProjectionType;
}
