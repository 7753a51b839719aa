import type { Projection } from '@aws-sdk/client-dynamodb';
import { WAITING_LEAD_FIELDS } from '../../domain/lead.ts';

/**
 * The single table's shape. The CDK stack and the local stack both build the table from this,
 * so the two can never disagree about keys or indexes.
 *
 * Access patterns (README "Key design" is written from this file):
 * | pattern                                   | where            | key condition                                   |
 * | lead by id                                | table            | pk = LEAD#<id>, sk = LEAD                       |
 * | leads by person (email, or phone if none)  | byEmail          | emailKey = EMAIL#<email> or PHONE#<last 8 digits>, sorted by receivedAt |
 * | leads that gave an address, by their phone | byPhone (sparse) | phoneKey = PHONE#<last 8 digits>, sorted by receivedAt |
 * | leads by company domain                   | byDomain         | domainKey = DOMAIN#<domain>, sorted by receivedAt|
 * | open leads waiting for first contact      | waitingByDeadline| waitingKey = WAITING, waitingSort <= now (sparse)|
 * | leads by form/source and day              | byDay            | dayKey = DAY#<yyyy-mm-dd>, dayFormSort begins_with <formId># |
 * | rate-limit counters that expire           | table            | pk = RATE#<form>#<ip hash>#<minute>, TTL        |
 */
export const INDEX = {
  byEmail: 'byEmail',
  byPhone: 'byPhone',
  byDomain: 'byDomain',
  waitingByDeadline: 'waitingByDeadline',
  byDay: 'byDay',
} as const;

export const TTL_ATTRIBUTE = 'expiresAt';

interface IndexDefinition {
  name: string;
  partitionKey: string;
  sortKey: string;
  /** Attributes copied into the index beside the keys; none means KEYS_ONLY. */
  include?: readonly string[];
}

/** An index's projection in DynamoDB's own terms, for CreateTable, the local DescribeTable check and CDK alike. */
export function projectionOf(index: IndexDefinition): Projection & { ProjectionType: 'INCLUDE' | 'KEYS_ONLY' } {
  return index.include ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.include] } : { ProjectionType: 'KEYS_ONLY' };
}

const indexes: readonly IndexDefinition[] = [
  { name: INDEX.byEmail, partitionKey: 'emailKey', sortKey: 'emailSort' },
  // Sorted by the by-email index's sort attribute (receivedAt#leadId): the same order without a second copy of it.
  { name: INDEX.byPhone, partitionKey: 'phoneKey', sortKey: 'emailSort' },
  { name: INDEX.byDomain, partitionKey: 'domainKey', sortKey: 'domainSort' },
  { name: INDEX.waitingByDeadline, partitionKey: 'waitingKey', sortKey: 'waitingSort', include: WAITING_LEAD_FIELDS },
  { name: INDEX.byDay, partitionKey: 'dayKey', sortKey: 'dayFormSort' },
];

export const tableDefinition = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: TTL_ATTRIBUTE,
  /**
   * Most indexes hold keys only: a lead is written several times (capture, assignment, alert, follow-up), and
   * with ALL projected every write would be repeated in every index it sits in; their queries read keys, then
   * BatchGetItem. The sparse deadline index is the exception: the nightly report reads every overdue lead, and
   * fetching each one by key would round each up to 4 KB, so it keeps what the report needs (WAITING_LEAD_FIELDS,
   * not the enrichment, which changes at assignment) and is read by one Query.
   */
  indexes,
} as const;
