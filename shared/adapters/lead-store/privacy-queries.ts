import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { StorageUnavailableError } from '../../errors.ts';
import type { Lead } from '../../domain/lead.ts';
import { fromItem, key } from './store.ts';

/**
 * The writes only erasure needs, kept beside the lead store so that key knowledge stays in this folder.
 * Finding a person's items goes through the store's indexed reads (`leadsOfPerson`, `getLead`): never a Scan.
 */
export interface LeadEraser {
  /** Deletes one lead item; returns what was there, or undefined when it was gone already. */
  deleteLead(leadId: string): Promise<Lead | undefined>;
  /** Removes the submissions of `leadIds` joined into lead `targetLeadId`, leaving the rest of it; returns how many went. */
  removeJoinedSubmissions(targetLeadId: string, leadIds: ReadonlySet<string>): Promise<number>;
}

export interface LeadTable {
  client: DynamoDBClient;
  tableName: string;
}

/** A concurrent merge can shift list positions between our read and our write; a few re-reads settle it. */
const MAX_ATTEMPTS = 5;

export function leadEraser({ client, tableName }: LeadTable): LeadEraser {
  return {
    async deleteLead(leadId) {
      const { Attributes } = await guard(() => client.send(new DeleteItemCommand({ TableName: tableName, Key: marshall(key.lead(leadId)), ReturnValues: 'ALL_OLD' })));
      return Attributes ? fromItem(Attributes) : undefined;
    },

    async removeJoinedSubmissions(targetLeadId, leadIds) {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const { Item } = await guard(() => client.send(new GetItemCommand({ TableName: tableName, Key: marshall(key.lead(targetLeadId)), ConsistentRead: true })));
        if (!Item) return 0;
        // Read raw: `mergedLeadIds` is store bookkeeping that `fromItem` leaves out, and it names the erased leads too.
        const target = unmarshall(Item) as Pick<Lead, 'submissions'> & { mergedLeadIds?: Set<string> };
        const positions = (target.submissions ?? []).flatMap((submission, index) => (leadIds.has(submission.leadId) ? [index] : []));
        const listedIds = [...(target.mergedLeadIds ?? [])].filter((id) => leadIds.has(id));
        if (positions.length === 0 && listedIds.length === 0) return 0;

        // List elements can only be removed by position, so the write holds only if each position still holds what we read.
        const values: Record<string, unknown> = Object.fromEntries(positions.map((position) => [`:at${position}`, target.submissions![position]!.leadId]));
        const removes = positions.map((position) => `submissions[${position}]`);
        const conditions = ['attribute_exists(pk)', ...positions.map((position) => `submissions[${position}].leadId = :at${position}`)];
        if (listedIds.length > 0) values[':ids'] = new Set(listedIds);
        try {
          await guard(() => client.send(new UpdateItemCommand({
            TableName: tableName,
            Key: marshall(key.lead(targetLeadId)),
            UpdateExpression: [removes.length ? `REMOVE ${removes.join(', ')}` : '', listedIds.length ? 'DELETE mergedLeadIds :ids' : ''].join(' ').trim(),
            ConditionExpression: conditions.join(' AND '),
            ...(Object.keys(values).length ? { ExpressionAttributeValues: marshall(values) } : {}),
          })));
          return positions.length;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
      throw new StorageUnavailableError(new Error(`lead ${targetLeadId} kept changing while its joined submissions were being removed`));
    },
  };
}

/** Every DynamoDB failure but a condition check means the table cannot take the request now. */
async function guard<Output>(operation: () => Promise<Output>): Promise<Output> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw error;
    throw new StorageUnavailableError(error);
  }
}
