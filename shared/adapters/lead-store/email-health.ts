import { ConditionalCheckFailedException, DeleteItemCommand, GetItemCommand, QueryCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { nonEmpty, readEnv } from '../../config/env.ts';
import type { AlertState } from '../../domain/lead.ts';
import type { EmailHealthMark } from '../../domain/report.ts';
import { StorageUnavailableError } from '../../errors.ts';
import { dynamoClient } from '../aws-clients.ts';
import { key } from './store.ts';
import { TTL_ATTRIBUTE } from './table.ts';

/**
 * Email health: what SES reported about the addresses Handoff mails. Handoff only mails its own people
 * (owners, managers, report recipients), so these marks are few; they share one partition, and the nightly
 * report reads them with a single Query:
 * | marks of every address SES reported on      | table | pk = EMAILHEALTH, sk = <address>, TTL 90 days after the last event |
 */
const EMAIL_HEALTH_PARTITION = 'EMAILHEALTH';
const MARK_RETENTION_DAYS = 90;

const markKey = (address: string) => ({ pk: EMAIL_HEALTH_PARTITION, sk: address.toLowerCase() });

export interface FeedbackMark {
  address: string;
  event: 'bounce' | 'complaint';
  /** When the receiving server bounced or the recipient complained (SES's timestamp). */
  at: string;
  /** SES's id of this bounce or complaint; the same notification delivered twice counts once. */
  feedbackId: string;
  bounceType?: string;
  bounceSubType?: string;
  complaintFeedbackType?: string;
}

export class EmailHealthStore {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;

  constructor(options: { client: DynamoDBClient; tableName: string }) {
    this.#client = options.client;
    this.#tableName = options.tableName;
  }

  /** Records one bounce or complaint on an address; false when this feedback was recorded already (SNS redelivers). */
  async markAddress(mark: FeedbackMark): Promise<boolean> {
    const counter = mark.event === 'bounce' ? 'bounces' : 'complaints';
    const details = mark.event === 'bounce'
      ? { bounceType: mark.bounceType, bounceSubType: mark.bounceSubType }
      : { complaintFeedbackType: mark.complaintFeedbackType };
    const sets = Object.entries(details).filter(([, value]) => value !== undefined);
    try {
      await this.#guard(() => this.#client.send(new UpdateItemCommand({
        TableName: this.#tableName,
        Key: marshall(markKey(mark.address)),
        UpdateExpression: [
          `SET entity = :entity, address = :address, lastEvent = :event, lastEventAt = :at, lastFeedbackId = :feedback, #ttl = :ttl`,
          ...sets.map(([name]) => `, ${name} = :${name}`),
          ` ADD ${counter} :one`,
        ].join(''),
        ConditionExpression: 'attribute_not_exists(lastFeedbackId) OR lastFeedbackId <> :feedback',
        ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: marshall({
          ':entity': 'emailHealth', ':address': mark.address.toLowerCase(), ':event': mark.event, ':at': mark.at, ':feedback': mark.feedbackId,
          ':ttl': Math.floor(Date.parse(mark.at) / 1000) + MARK_RETENTION_DAYS * 86_400, ':one': 1,
          ...Object.fromEntries(sets.map(([name, value]) => [`:${name}`, value])),
        }),
      })));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Marks a lead's owner alert failed because the owner's address hard-bounced. Only the alert that bounced:
   * the same kind, still sent, and still owned by one of `ownerIds` (a lead reassigned since has a new alert
   * for someone else). Returns false when nothing matched.
   */
  async markAlertBounced(leadId: string, kind: AlertState['kind'], ownerIds: readonly string[]): Promise<boolean> {
    if (!ownerIds.length) return false;
    const owners = Object.fromEntries(ownerIds.map((id, index) => [`:owner${index}`, id]));
    try {
      await this.#guard(() => this.#client.send(new UpdateItemCommand({
        TableName: this.#tableName,
        Key: marshall(key.lead(leadId)),
        UpdateExpression: 'SET alert.#status = :failed, alert.lastError = :bounced',
        ConditionExpression: `attribute_exists(alert) AND alert.kind = :kind AND alert.#status = :sent AND ownerId IN (${Object.keys(owners).join(', ')})`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: marshall({ ':failed': 'failed', ':bounced': 'bounced', ':kind': kind, ':sent': 'sent', ...owners }),
      })));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Removes an address's mark (erasure); true when there was one. */
  async forgetAddress(address: string): Promise<boolean> {
    const { Attributes } = await this.#guard(() => this.#client.send(new DeleteItemCommand({ TableName: this.#tableName, Key: marshall(markKey(address)), ReturnValues: 'ALL_OLD' })));
    return Attributes !== undefined;
  }

  /** One address's mark (a subject-access export), if SES reported on it in the last 90 days. */
  async markOf(address: string): Promise<EmailHealthMark | undefined> {
    const { Item } = await this.#guard(() => this.#client.send(new GetItemCommand({ TableName: this.#tableName, Key: marshall(markKey(address)), ConsistentRead: true })));
    return Item ? toMark(unmarshall(Item)) : undefined;
  }

  /** Every address with a bounce or complaint in the last 90 days, most recent first. */
  async marks(): Promise<EmailHealthMark[]> {
    const marks: EmailHealthMark[] = [];
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.#guard(() => this.#client.send(new QueryCommand({
        TableName: this.#tableName,
        KeyConditionExpression: 'pk = :partition',
        ExpressionAttributeValues: marshall({ ':partition': EMAIL_HEALTH_PARTITION }),
        ExclusiveStartKey,
      })));
      for (const item of page.Items ?? []) marks.push(toMark(unmarshall(item)));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return marks.sort((a, b) => b.lastEventAt.localeCompare(a.lastEventAt));
  }

  async #guard<Output>(operation: () => Promise<Output>): Promise<Output> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw error;
      throw new StorageUnavailableError(error);
    }
  }
}

function toMark(item: Record<string, unknown>): EmailHealthMark {
  const text = (name: string) => (typeof item[name] === 'string' ? (item[name] as string) : undefined);
  const bounceType = text('bounceType');
  const bounceSubType = text('bounceSubType');
  const complaintFeedbackType = text('complaintFeedbackType');
  return {
    address: String(item.address),
    lastEvent: item.lastEvent === 'complaint' ? 'complaint' : 'bounce',
    lastEventAt: String(item.lastEventAt),
    bounces: Number(item.bounces ?? 0),
    complaints: Number(item.complaints ?? 0),
    ...(bounceType ? { bounceType } : {}),
    ...(bounceSubType ? { bounceSubType } : {}),
    ...(complaintFeedbackType ? { complaintFeedbackType } : {}),
  };
}

/** The email-health store of the table named by TABLE_NAME; call at module load so a missing variable fails the cold start. */
export function emailHealthStoreFromEnv(env: NodeJS.ProcessEnv = process.env): EmailHealthStore {
  const { TABLE_NAME } = readEnv({ TABLE_NAME: nonEmpty }, env);
  return new EmailHealthStore({ client: dynamoClient(), tableName: TABLE_NAME });
}
