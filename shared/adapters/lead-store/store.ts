import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { StorageUnavailableError } from '../../errors.ts';
import { WAITING_STATUSES, type Lead } from '../../domain/lead.ts';
import { INDEX, TTL_ATTRIBUTE } from './table.ts';

/** Every attribute the store adds around the lead's own fields; stripped again on read. */
const KEY_ATTRIBUTES = ['pk', 'sk', 'entity', 'emailKey', 'emailSort', 'domainKey', 'domainSort', 'waitingKey', 'waitingSort', 'dayKey', 'dayFormSort', TTL_ATTRIBUTE] as const;

export const key = {
  lead: (leadId: string) => ({ pk: `LEAD#${leadId}`, sk: 'LEAD' }),
  rateLimit: (bucket: string) => ({ pk: `RATE#${bucket}`, sk: 'RATE' }),
};

const WAITING_PARTITION = 'WAITING';

export interface LeadStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** The organisation's timezone: "leads by day" means the organisation's day. */
  timezone: string;
}

export type PutLeadResult = { created: true } | { created: false; existing: Lead };

export class LeadStore {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;
  readonly #dayFormat: Intl.DateTimeFormat;

  constructor(options: LeadStoreOptions) {
    this.#client = options.client;
    this.#tableName = options.tableName;
    this.#dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: options.timezone, year: 'numeric', month: '2-digit', day: '2-digit' });
  }

  /** The organisation-local day a lead was captured on, as the `byDay` index groups it. */
  dayOf(instant: string | Date): string {
    return this.#dayFormat.format(new Date(instant));
  }

  /**
   * Stores a captured lead with one conditional write. The lead id is derived from the submission, so a
   * repeat of the same submission meets the existing item and gets it back instead of a second lead.
   */
  async putNewLead(lead: Lead, expiresAt?: Date): Promise<PutLeadResult> {
    try {
      await this.#guard(() => this.#client.send(new PutItemCommand({
        TableName: this.#tableName,
        Item: this.#toItem(lead, expiresAt),
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      })));
      return { created: true };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && error.Item) return { created: false, existing: fromItem(error.Item) };
      throw error;
    }
  }

  async getLead(leadId: string): Promise<Lead | undefined> {
    const { Item } = await this.#guard(() => this.#client.send(new GetItemCommand({ TableName: this.#tableName, Key: marshall(key.lead(leadId)), ConsistentRead: true })));
    return Item ? fromItem(Item) : undefined;
  }

  /**
   * Counts one hit against an expiring counter and says whether it stayed within the limit.
   * The condition keeps the counter from growing past the limit, so a flood costs no extra storage.
   */
  async hitRateLimit(bucket: string, limit: number, expiresAt: Date): Promise<boolean> {
    try {
      await this.#guard(() => this.#client.send(new UpdateItemCommand({
        TableName: this.#tableName,
        Key: marshall(key.rateLimit(bucket)),
        UpdateExpression: 'ADD hits :one SET #ttl = if_not_exists(#ttl, :ttl)',
        ConditionExpression: 'attribute_not_exists(hits) OR hits < :limit',
        ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: marshall({ ':one': 1, ':limit': limit, ':ttl': epochSeconds(expiresAt) }),
      })));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Leads captured on one organisation-local day, optionally for one form, oldest first. */
  async leadsCapturedOn(day: string, formId?: string): Promise<Lead[]> {
    return this.#queryAll({
      IndexName: INDEX.byDay,
      KeyConditionExpression: formId ? 'dayKey = :day AND begins_with(dayFormSort, :form)' : 'dayKey = :day',
      ExpressionAttributeValues: marshall({ ':day': `DAY#${day}`, ...(formId ? { ':form': `${formId}#` } : {}) }),
    });
  }

  /** Every lead of one email address, oldest first. */
  async leadsByEmail(email: string): Promise<Lead[]> {
    return this.#queryAll({
      IndexName: INDEX.byEmail,
      KeyConditionExpression: 'emailKey = :email',
      ExpressionAttributeValues: marshall({ ':email': `EMAIL#${email.toLowerCase()}` }),
    });
  }

  /** Leads from one company domain captured since a moment, oldest first. */
  async leadsByDomainSince(domain: string, since: Date): Promise<Lead[]> {
    return this.#queryAll({
      IndexName: INDEX.byDomain,
      KeyConditionExpression: 'domainKey = :domain AND domainSort >= :since',
      ExpressionAttributeValues: marshall({ ':domain': `DOMAIN#${domain.toLowerCase()}`, ':since': since.toISOString() }),
    });
  }

  /** Leads still waiting for first contact whose deadline is at or before `now`, most overdue first. */
  async waitingDueBy(now: Date): Promise<Lead[]> {
    return this.#queryAll({
      IndexName: INDEX.waitingByDeadline,
      KeyConditionExpression: 'waitingKey = :waiting AND waitingSort <= :now',
      ExpressionAttributeValues: marshall({ ':waiting': WAITING_PARTITION, ':now': `${now.toISOString()}#\uffff` }),
    });
  }

  /** Answers only when the table can be read; used by GET /health. */
  async ping(): Promise<void> {
    await this.#guard(() => this.#client.send(new GetItemCommand({ TableName: this.#tableName, Key: marshall({ pk: 'HEALTH', sk: 'HEALTH' }) })));
  }

  async #queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Lead[]> {
    const leads: Lead[] = [];
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.#guard(() => this.#client.send(new QueryCommand({ ...input, TableName: this.#tableName, ExclusiveStartKey })));
      for (const item of page.Items ?? []) leads.push(fromItem(item));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return leads;
  }

  #toItem(lead: Lead, expiresAt?: Date): Record<string, AttributeValue> {
    const domain = lead.contact.email.split('@')[1] ?? '';
    const waiting = WAITING_STATUSES.has(lead.status);
    return marshall(
      {
        ...lead,
        ...key.lead(lead.leadId),
        entity: 'lead',
        emailKey: `EMAIL#${lead.contact.email}`,
        emailSort: `${lead.receivedAt}#${lead.leadId}`,
        domainKey: `DOMAIN#${domain}`,
        domainSort: `${lead.receivedAt}#${lead.leadId}`,
        ...(waiting ? { waitingKey: WAITING_PARTITION, waitingSort: `${lead.followUpDeadline}#${lead.leadId}` } : {}),
        dayKey: `DAY#${this.dayOf(lead.receivedAt)}`,
        dayFormSort: `${lead.formId}#${lead.receivedAt}#${lead.leadId}`,
        ...(expiresAt ? { [TTL_ATTRIBUTE]: epochSeconds(expiresAt) } : {}),
      },
      { removeUndefinedValues: true },
    );
  }

  /** Every DynamoDB failure but a condition check means the table cannot take the request now. */
  async #guard<Output>(operation: () => Promise<Output>): Promise<Output> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw error;
      throw new StorageUnavailableError(error);
    }
  }
}

export function fromItem(item: Record<string, AttributeValue>): Lead {
  const record = unmarshall(item) as Record<string, unknown>;
  for (const attribute of KEY_ATTRIBUTES) delete record[attribute];
  return record as unknown as Lead;
}

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);
