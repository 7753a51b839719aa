import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { StorageUnavailableError } from '../../errors.ts';
import { localDate } from '../../domain/business-hours.ts';
import { WAITING_STATUSES, personKeyOf, phoneKeyOf, type Activity, type AlertState, type Contact, type Lead, type LeadStatus, type ScoreResult, type WaitingLead } from '../../domain/lead.ts';
import { INDEX, TTL_ATTRIBUTE } from './table.ts';

/** Every attribute the store adds around the lead's own fields; stripped again on read. */
const KEY_ATTRIBUTES = ['pk', 'sk', 'entity', 'emailKey', 'emailSort', 'phoneKey', 'domainKey', 'domainSort', 'waitingKey', 'waitingSort', 'dayKey', 'dayFormSort', TTL_ATTRIBUTE, 'usedLinkNonces', 'mergedLeadIds', 'heldRawPayload'] as const;

export const key = {
  lead: (leadId: string) => ({ pk: `LEAD#${leadId}`, sk: 'LEAD' }),
  rateLimit: (bucket: string) => ({ pk: `RATE#${bucket}`, sk: 'RATE' }),
  /**
   * The submission as it arrived, beside its lead in the same partition, expiring after `retention.rawPayloadDays`.
   * Capture holds it on the new lead item (`heldRawPayload`), so a lead is one write; the processor sets it apart here.
   */
  rawPayload: (leadId: string) => ({ pk: `LEAD#${leadId}`, sk: 'RAW' }),
  roundRobin: (poolId: string) => ({ pk: `COUNTER#round-robin#${poolId}`, sk: 'COUNTER' }),
  report: (reportDate: string, reportKind: string) => ({ pk: `REPORT#${reportDate}`, sk: reportKind }),
  importPart: (importId: string, part: number) => ({ pk: `IMPORT#${importId}`, sk: `PART#${String(part).padStart(4, '0')}` }),
};

/**
 * The leads of one operator import whose owners are still to be told, in parts of at most `IMPORT_PART_SIZE`.
 * Storing a part is what sends its digests: the stream hands each new part to the processor.
 */
export interface ImportPart {
  importId: string;
  /** 1-based. */
  part: number;
  parts: number;
  formId: string;
  /** The file's name as the operator gave it, without its directory. */
  fileName: string;
  importedAt: string;
  leadIds: string[];
  /**
   * The columns a row's scan time was read from ("Scanned At", or "Scan Date" and "Scan Time"): the digest shows
   * the time it read, and leaves these answers out where it used them.
   */
  scanTimeColumns?: string[];
}

/** A part as read back: with the time DynamoDB's TTL may delete it from. */
export interface StoredImportPart extends ImportPart {
  deletedAfter: string;
}

/** Leads per part: a part is placed, told and marked within one run of the processor, well inside its timeout. */
export const IMPORT_PART_SIZE = 500;
/** A part is only needed until its digests are out; it stays a while longer so an operator can see what was sent. */
const IMPORT_PART_DAYS = 30;

export interface Assignment {
  enrichment: NonNullable<Lead['enrichment']>;
  score: number;
  scoreReasons: string[];
  ownerId: string;
  ownerReason: string;
  /** The deadline counted on the owner's own working calendar, when it differs from the one set at capture. */
  followUpDeadline?: string;
}

export interface FollowUp {
  leadId: string;
  activity: Activity;
  /** The status the lead moves to; undefined leaves it (a note, a reassignment). */
  status?: Extract<LeadStatus, 'contacted' | 'qualified' | 'disqualified'>;
  /** First contact leaves the waiting set and is stamped once. */
  firstContact: boolean;
  /**
   * A single-use action link: its nonce is added to the lead in the same conditional update, so a replay changes
   * nothing. `ownerId` is the owner the link was checked against; if the lead changed hands since, nothing is written.
   */
  usedLink?: { nonce: string; ownerId: string | undefined };
  /**
   * A reassignment: the new owner and why; the alert is re-armed for them. `followUpDeadline` is the waiting lead's
   * deadline counted on the new owner's calendar, when it differs from the one it has.
   */
  newOwner?: { ownerId: string; ownerReason: string; followUpDeadline?: string };
}

export interface RawPayload {
  contentType: string;
  /** The decoded body, at most 32 KB (the capture limit). */
  body: string;
  receivedAt: string;
}

/** A raw payload as read back: with when its TTL deletes it (`retention.rawPayloadDays` after it arrived). */
export type StoredRawPayload = RawPayload & { deletedAfter?: string };

/** A raw payload held on its new lead item until the processor sets it apart, with when its own item is to expire. */
export type HeldRawPayload = Omit<RawPayload, 'receivedAt'> & { expiresAt: Date };

export class ActionLinkAlreadyUsedError extends Error {
  override readonly name = 'ActionLinkAlreadyUsedError';
}

const WAITING_PARTITION = 'WAITING';
const BATCH_GET_LIMIT = 100;

/** The lead id behind a stream record's keys, or undefined for items that are not leads. */
function leadIdFromKeys(keys: Record<string, { S?: string }> | undefined): string | undefined {
  const pk = keys?.pk?.S;
  return pk?.startsWith('LEAD#') && keys?.sk?.S === 'LEAD' ? pk.slice('LEAD#'.length) : undefined;
}

/** What a stream record the processor acts on is about: a captured lead, or a part of an import whose owners are to be told. */
export type StreamItem = { kind: 'lead'; leadId: string } | { kind: 'import-part'; importId: string; part: number };

export function streamItemFromKeys(keys: Record<string, { S?: string }> | undefined): StreamItem | undefined {
  const leadId = leadIdFromKeys(keys);
  if (leadId) return { kind: 'lead', leadId };
  const pk = keys?.pk?.S;
  const part = /^PART#(\d{4})$/.exec(keys?.sk?.S ?? '');
  return pk?.startsWith('IMPORT#') && part ? { kind: 'import-part', importId: pk.slice('IMPORT#'.length), part: Number(part[1]) } : undefined;
}

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
  readonly #timezone: string;

  constructor(options: LeadStoreOptions) {
    this.#client = options.client;
    this.#tableName = options.tableName;
    this.#timezone = options.timezone;
  }

  /** The organisation-local day a lead was captured on, as the `byDay` index groups it. */
  dayOf(instant: string | Date): string {
    return localDate(new Date(instant), this.#timezone);
  }

  /**
   * Stores a captured lead with one conditional write, its raw payload held on the item. The lead id is derived from
   * the submission, so a repeat of the same submission meets the existing item and gets it back instead of a second lead.
   */
  async putNewLead(lead: Lead, expiresAt?: Date, raw?: HeldRawPayload): Promise<PutLeadResult> {
    try {
      await this.#guard(() => this.#client.send(new PutItemCommand({
        TableName: this.#tableName,
        Item: this.#toItem(lead, expiresAt, raw),
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      })));
      return { created: true };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && error.Item) return { created: false, existing: fromItem(error.Item) };
      throw error;
    }
  }

  /**
   * Takes back a lead that capture stored but may not keep (its address went over the rate limit), only while
   * nothing has happened to it yet: false when the processor already moved it on, and then it stays.
   */
  async withdrawNewLead(leadId: string): Promise<boolean> {
    try {
      await this.#guard(() => this.#client.send(new DeleteItemCommand({
        TableName: this.#tableName,
        Key: marshall(key.lead(leadId)),
        ConditionExpression: '#status IN (:new, :spam)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: marshall({ ':new': 'new', ':spam': 'spam' }),
      })));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Sets a new lead's held raw payload apart in its own item, under its own TTL, for audits and for debugging a form
   * tool's payload; placing the lead (`recordAssignment`, `mergeIntoLead`) then drops it from the lead item. Doing it
   * again writes the same item, so a redelivered record is harmless.
   */
  async setRawPayloadApart(leadId: string): Promise<void> {
    const { Item } = await this.#guard(() => this.#client.send(new GetItemCommand({
      TableName: this.#tableName,
      Key: marshall(key.lead(leadId)),
      ProjectionExpression: 'heldRawPayload, receivedAt',
      ConsistentRead: true,
    })));
    const lead = Item ? unmarshall(Item) : undefined;
    if (!lead?.heldRawPayload) return;
    await this.#guard(() => this.#client.send(new PutItemCommand({
      TableName: this.#tableName,
      Item: marshall({ ...key.rawPayload(leadId), entity: 'raw-payload', ...lead.heldRawPayload, receivedAt: lead.receivedAt }),
    })));
  }

  /** The submission as it arrived: in its own item, or still held on its lead when the lead is not placed yet. */
  async getRawPayload(leadId: string): Promise<StoredRawPayload | undefined> {
    const { Items = [] } = await this.#guard(() => this.#client.send(new QueryCommand({
      TableName: this.#tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: marshall({ ':pk': key.lead(leadId).pk }),
      ConsistentRead: true,
    })));
    const items = Items.map((item) => unmarshall(item));
    const apart = items.find((item) => item.sk === key.rawPayload(leadId).sk);
    const lead = items.find((item) => item.sk === key.lead(leadId).sk);
    const record = apart ?? (lead?.heldRawPayload ? { ...lead.heldRawPayload, receivedAt: lead.receivedAt } : undefined);
    if (!record) return undefined;
    const { contentType, body, receivedAt } = record as RawPayload;
    const deletedAfter = deletionTimeOf(record);
    return { contentType, body, receivedAt, ...(deletedAfter ? { deletedAfter } : {}) };
  }

  /** Deletes the raw payload's own item; one still held on its lead goes with the lead. */
  async deleteRawPayload(leadId: string): Promise<void> {
    await this.#guard(() => this.#client.send(new DeleteItemCommand({ TableName: this.#tableName, Key: marshall(key.rawPayload(leadId)) })));
  }

  async getLead(leadId: string): Promise<Lead | undefined> {
    const { Item } = await this.#guard(() => this.#client.send(new GetItemCommand({ TableName: this.#tableName, Key: marshall(key.lead(leadId)), ConsistentRead: true })));
    return Item ? fromItem(Item) : undefined;
  }

  /**
   * Adds `hits` (at most `limit`) to an expiring counter and says whether it stayed within the limit.
   * The condition keeps the counter from growing past the limit, so a flood costs no extra storage.
   */
  async hitRateLimit(bucket: string, limit: number, expiresAt: Date, hits = 1): Promise<boolean> {
    try {
      await this.#guard(() => this.#client.send(new UpdateItemCommand({
        TableName: this.#tableName,
        Key: marshall(key.rateLimit(bucket)),
        UpdateExpression: 'ADD hits :hits SET #ttl = if_not_exists(#ttl, :ttl)',
        ConditionExpression: 'attribute_not_exists(hits) OR hits <= :most',
        ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: marshall({ ':hits': hits, ':most': limit - hits, ':ttl': epochSeconds(expiresAt) }),
      })));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Records enrichment, score and owner on a freshly captured lead, once: a redelivered record finds it done. */
  async recordAssignment(leadId: string, assignment: Assignment): Promise<boolean> {
    const alert: AlertState = { kind: 'new', status: 'pending', attempts: 0 };
    try {
      await this.#guard(() => this.#client.send(new UpdateItemCommand({
        TableName: this.#tableName,
        Key: marshall(key.lead(leadId)),
        // The deadline index is sorted by deadline: a moved deadline moves the lead's place in it too.
        UpdateExpression: `SET #status = :open, enrichment = :enrichment, score = :score, scoreReasons = :reasons, ownerId = :owner, ownerReason = :why, alert = :alert${
          assignment.followUpDeadline ? ', followUpDeadline = :deadline, waitingSort = :waitingSort' : ''} REMOVE heldRawPayload`,
        ConditionExpression: '#status = :new',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: marshall({
          ':open': 'open', ':new': 'new', ':enrichment': assignment.enrichment, ':score': assignment.score, ':reasons': assignment.scoreReasons,
          ':owner': assignment.ownerId, ':why': assignment.ownerReason, ':alert': alert,
          ...(assignment.followUpDeadline ? { ':deadline': assignment.followUpDeadline, ':waitingSort': waitingSortOf(assignment.followUpDeadline, leadId) } : {}),
        }, { removeUndefinedValues: true }),
      })));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Folds a returning person's new submission into their open lead, atomically: the open lead gains the
   * submission, and the new item becomes `merged`, leaves the waiting set and carries the returning alert.
   * `raisedScore` replaces the open lead's score only while it is still lower (a concurrent visit may have raised it
   * further; then nothing is written and the caller decides again).
   */
  async mergeIntoLead(target: Lead, submission: Lead, raisedScore?: ScoreResult): Promise<boolean> {
    const joined = { leadId: submission.leadId, formId: submission.formId, receivedAt: submission.receivedAt, answers: storedAnswers(submission.answers), message: submission.contact.message };
    const alert: AlertState = { kind: 'returning', status: 'pending', attempts: 0 };
    const scoreUpdate = raisedScore
      ? {
        set: ', score = :score, scoreReasons = :reasons',
        condition: ' AND (attribute_not_exists(score) OR score < :score)',
        values: { ':score': raisedScore.score, ':reasons': raisedScore.reasons },
      }
      : { set: '', condition: '', values: {} };
    try {
      await this.#guard(() => this.#client.send(new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: this.#tableName,
              Key: marshall(key.lead(target.leadId)),
              UpdateExpression: `SET submissions = list_append(if_not_exists(submissions, :empty), :joined)${scoreUpdate.set} ADD mergedLeadIds :ids`,
              ConditionExpression: `attribute_exists(pk) AND NOT contains(mergedLeadIds, :id)${scoreUpdate.condition}`,
              ExpressionAttributeValues: marshall(
                { ':empty': [], ':joined': [joined], ':ids': new Set([submission.leadId]), ':id': submission.leadId, ...scoreUpdate.values },
                { removeUndefinedValues: true },
              ),
            },
          },
          {
            Update: {
              TableName: this.#tableName,
              Key: marshall(key.lead(submission.leadId)),
              UpdateExpression: 'SET #status = :merged, mergedInto = :target, ownerId = :owner, alert = :alert REMOVE waitingKey, waitingSort, heldRawPayload',
              ConditionExpression: '#status = :new',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: marshall({ ':merged': 'merged', ':target': target.leadId, ':owner': target.ownerId, ':alert': alert, ':new': 'new' }, { removeUndefinedValues: true }),
            },
          },
        ],
      })));
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException) return false;
      throw error;
    }
  }

  /** The next value of a pool's round-robin counter: atomic, so concurrent leads never share a slot. */
  async nextRoundRobinValue(poolId: string): Promise<number> {
    const result = await this.#guard(() => this.#client.send(new UpdateItemCommand({
      TableName: this.#tableName,
      Key: marshall(key.roundRobin(poolId)),
      UpdateExpression: 'ADD #value :one',
      ExpressionAttributeNames: { '#value': 'value' },
      ExpressionAttributeValues: marshall({ ':one': 1 }),
      ReturnValues: 'UPDATED_NEW',
    })));
    return Number(unmarshall(result.Attributes ?? {}).value) - 1;
  }

  /** Marks the alert delivered; false when it already was (a redelivered record). */
  async markAlertSent(leadId: string, sentAt: Date): Promise<boolean> {
    try {
      await this.#guard(() => this.#client.send(new UpdateItemCommand({
        TableName: this.#tableName,
        Key: marshall(key.lead(leadId)),
        UpdateExpression: 'SET alert.#status = :sent, alert.sentAt = :at, alert.attempts = alert.attempts + :one REMOVE alert.lastError',
        ConditionExpression: 'attribute_exists(alert) AND alert.#status <> :sent',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: marshall({ ':sent': 'sent', ':at': sentAt.toISOString(), ':one': 1 }),
      })));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Counts a failed delivery; the last allowed attempt marks the alert failed, which the nightly report shows. */
  async markAlertAttemptFailed(leadId: string, reason: string, final: boolean): Promise<void> {
    await this.#guard(() => this.#client.send(new UpdateItemCommand({
      TableName: this.#tableName,
      Key: marshall(key.lead(leadId)),
      UpdateExpression: 'SET alert.#status = :status, alert.lastError = :reason, alert.attempts = alert.attempts + :one',
      ConditionExpression: 'attribute_exists(alert) AND alert.#status <> :sent',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: marshall({ ':status': final ? 'failed' : 'pending', ':reason': reason.slice(0, 300), ':one': 1, ':sent': 'sent' }),
    }))).catch((error: unknown) => {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    });
  }

  /**
   * Records what a rep did. First contact is stamped once (`if_not_exists`) and takes the lead out of the
   * waiting set; a single-use link is burnt in the same transaction, so a replay is refused and changes nothing.
   */
  async recordFollowUp(followUp: FollowUp): Promise<void> {
    const at = followUp.activity.at;
    const sets = ['activities = list_append(if_not_exists(activities, :empty), :activity)'];
    const values: Record<string, unknown> = { ':empty': [], ':activity': [followUp.activity], ':spam': 'spam', ':merged': 'merged' };
    const removes: string[] = [];
    if (followUp.firstContact) {
      sets.push('firstContactAt = if_not_exists(firstContactAt, :at)', 'firstContactBy = if_not_exists(firstContactBy, :by)');
      values[':at'] = at;
      values[':by'] = followUp.activity.by;
      removes.push('waitingKey', 'waitingSort');
    }
    if (followUp.status) {
      sets.push('#status = :status');
      values[':status'] = followUp.status;
      // Qualified and disqualified are verdicts a rep may change; the lead keeps the stamp of the one it has now.
      if (followUp.status === 'qualified') {
        sets.push('qualifiedAt = if_not_exists(qualifiedAt, :at)');
        removes.push('disqualifiedAt');
      }
      if (followUp.status === 'disqualified') {
        sets.push('disqualifiedAt = if_not_exists(disqualifiedAt, :at)');
        removes.push('qualifiedAt');
        if (!followUp.firstContact) removes.push('waitingKey', 'waitingSort');
      }
      values[':at'] = at;
    }
    if (followUp.newOwner) {
      sets.push('ownerId = :owner', 'ownerReason = :why', 'alert = :alert');
      values[':owner'] = followUp.newOwner.ownerId;
      values[':why'] = followUp.newOwner.ownerReason;
      values[':alert'] = { kind: 'reassigned', status: 'pending', attempts: 0 } satisfies AlertState;
      if (followUp.newOwner.followUpDeadline) {
        // As at assignment, the lead moves in the deadline index with its deadline (the condition below keeps it there).
        sets.push('followUpDeadline = :deadline', 'waitingSort = :waitingSort');
        values[':deadline'] = followUp.newOwner.followUpDeadline;
        values[':waitingSort'] = waitingSortOf(followUp.newOwner.followUpDeadline, followUp.leadId);
      }
    }
    let condition = 'attribute_exists(pk) AND #status <> :spam AND #status <> :merged';
    let addNonce = '';
    if (followUp.usedLink) {
      condition += ' AND NOT contains(usedLinkNonces, :nonce)';
      condition += followUp.usedLink.ownerId === undefined ? ' AND attribute_not_exists(ownerId)' : ' AND ownerId = :linkOwner';
      values[':linkOwner'] = followUp.usedLink.ownerId;
      addNonce = ' ADD usedLinkNonces :nonces';
      values[':nonce'] = followUp.usedLink.nonce;
      values[':nonces'] = new Set([followUp.usedLink.nonce]);
    }
    // A first contact recorded since the deadline was counted took the lead out of the index, where a sort key written
    // now would be a stray: like any change in between, that refuses the reassignment as a conflict, to be retried.
    if (followUp.newOwner?.followUpDeadline) condition += ' AND attribute_exists(waitingKey)';
    try {
      await this.#guard(() => this.#client.send(new UpdateItemCommand({
        TableName: this.#tableName,
        Key: marshall(key.lead(followUp.leadId)),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}${addNonce}`,
        ConditionExpression: condition,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      })));
    } catch (error) {
      const nonces = error instanceof ConditionalCheckFailedException && error.Item ? unmarshall(error.Item).usedLinkNonces : undefined;
      if (followUp.usedLink && nonces instanceof Set && nonces.has(followUp.usedLink.nonce)) {
        throw new ActionLinkAlreadyUsedError('this link has already been used');
      }
      throw error;
    }
  }

  /** Whether a single-use action link was used already (GET shows it without changing anything). */
  async actionLinkUsed(leadId: string, nonce: string): Promise<boolean> {
    const { Item } = await this.#guard(() => this.#client.send(new GetItemCommand({
      TableName: this.#tableName,
      Key: marshall(key.lead(leadId)),
      ProjectionExpression: 'usedLinkNonces',
    })));
    const nonces = Item ? unmarshall(Item).usedLinkNonces : undefined;
    return nonces instanceof Set && nonces.has(nonce);
  }

  /**
   * Claims one report for one date, once: a retried or duplicated nightly run finds the claim and sends
   * nothing again. Returns false when it was already claimed.
   */
  async claimReport(reportDate: string, reportKind: string, claimedAt: Date): Promise<boolean> {
    try {
      await this.#guard(() => this.#client.send(new PutItemCommand({
        TableName: this.#tableName,
        Item: marshall({ ...key.report(reportDate, reportKind), claimedAt: claimedAt.toISOString(), [TTL_ATTRIBUTE]: epochSeconds(claimedAt) + 90 * 86_400 }),
        ConditionExpression: 'attribute_not_exists(pk)',
      })));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async putImportPart({ importId, part, parts, formId, fileName, importedAt, leadIds, scanTimeColumns }: ImportPart): Promise<void> {
    await this.#guard(() => this.#client.send(new PutItemCommand({
      TableName: this.#tableName,
      Item: marshall({
        ...key.importPart(importId, part), entity: 'import-part', importId, part, parts, formId, fileName, importedAt, leadIds,
        ...(scanTimeColumns ? { scanTimeColumns } : {}),
        [TTL_ATTRIBUTE]: epochSeconds(new Date(importedAt)) + IMPORT_PART_DAYS * 86_400,
      }),
    })));
  }

  async getImportPart(importId: string, part: number): Promise<StoredImportPart | undefined> {
    const { Item } = await this.#guard(() => this.#client.send(new GetItemCommand({ TableName: this.#tableName, Key: marshall(key.importPart(importId, part)), ConsistentRead: true })));
    if (!Item) return undefined;
    const record = unmarshall(Item);
    const { importId: id, part: number, parts, formId, fileName, importedAt, leadIds, scanTimeColumns } = record as ImportPart;
    return { importId: id, part: number, parts, formId, fileName, importedAt, leadIds, ...(scanTimeColumns ? { scanTimeColumns } : {}), deletedAfter: deletionTimeOf(record)! };
  }

  /** Leads by id, as `getLead` reads them (strongly consistent), by BatchGetItem; an id with no lead is left out. */
  async getLeads(leadIds: readonly string[]): Promise<Lead[]> {
    return this.#getLeads(leadIds.map((leadId) => marshall(key.lead(leadId))), { consistent: true });
  }

  /** Releases a claim whose report could not be sent, so the retry sends it. */
  async releaseReport(reportDate: string, reportKind: string): Promise<void> {
    await this.#guard(() => this.#client.send(new DeleteItemCommand({ TableName: this.#tableName, Key: marshall(key.report(reportDate, reportKind)) })));
  }

  /** Leads captured on one organisation-local day, optionally for one form, oldest first. */
  async leadsCapturedOn(day: string, formId?: string): Promise<Lead[]> {
    return this.#queryAll({
      IndexName: INDEX.byDay,
      KeyConditionExpression: formId ? 'dayKey = :day AND begins_with(dayFormSort, :form)' : 'dayKey = :day',
      ExpressionAttributeValues: marshall({ ':day': `DAY#${day}`, ...(formId ? { ':form': `${formId}#` } : {}) }),
    });
  }

  /**
   * Every lead stored under a contact's person key (`personKeyOf`), oldest first: the address's leads, or for a
   * phone-only contact, the phone-only leads whose numbers end in the same digits (confirm with `samePhoneLine`).
   */
  async leadsOfPerson(contact: Pick<Contact, 'email' | 'phone'>): Promise<Lead[]> {
    return this.#queryAll({
      IndexName: INDEX.byEmail,
      KeyConditionExpression: 'emailKey = :person',
      ExpressionAttributeValues: marshall({ ':person': personKeyOf(contact) }),
    });
  }

  /**
   * The leads across the email/phone divide that may be the contact's person, oldest first (confirm with
   * `isSamePerson`): for a contact with an address and a phone, the phone-only leads with a number ending in the
   * same digits; for a phone-only contact, the leads that gave an address and such a number. None otherwise.
   */
  async leadsSharingPhone(contact: Pick<Contact, 'email' | 'phone'>): Promise<Lead[]> {
    if (contact.email === undefined) {
      return this.#queryAll({
        IndexName: INDEX.byPhone,
        KeyConditionExpression: 'phoneKey = :phone',
        ExpressionAttributeValues: marshall({ ':phone': personKeyOf(contact) }),
      });
    }
    return phoneKeyOf(contact) ? this.leadsOfPerson({ phone: contact.phone }) : [];
  }

  /** Leads from one company domain captured since a moment, oldest first. */
  async leadsByDomainSince(domain: string, since: Date): Promise<Lead[]> {
    return this.#queryAll({
      IndexName: INDEX.byDomain,
      KeyConditionExpression: 'domainKey = :domain AND domainSort >= :since',
      ExpressionAttributeValues: marshall({ ':domain': `DOMAIN#${domain.toLowerCase()}`, ':since': since.toISOString() }),
    });
  }

  /**
   * Leads still waiting for first contact whose deadline is at or before `now`, most overdue first: the fields
   * the deadline index keeps (WAITING_LEAD_FIELDS), read by one Query with no per-lead fetch.
   */
  async waitingDueBy(now: Date): Promise<WaitingLead[]> {
    const items = await this.#queryItems({
      IndexName: INDEX.waitingByDeadline,
      KeyConditionExpression: 'waitingKey = :waiting AND waitingSort <= :now',
      ExpressionAttributeValues: marshall({ ':waiting': WAITING_PARTITION, ':now': `${now.toISOString()}#\uffff` }),
    });
    return items.map(fromItem);
  }

  /** Answers only when the table can be read; used by GET /health, which must answer inside its 5 s timeout even when the table does not. */
  async ping(): Promise<void> {
    const command = new GetItemCommand({ TableName: this.#tableName, Key: marshall({ pk: 'HEALTH', sk: 'HEALTH' }) });
    await this.#guard(() => this.#client.send(command, { abortSignal: AbortSignal.timeout(PING_BUDGET_MS) }));
  }

  /** Keys-only index queries (tableDefinition.indexes); the leads themselves come by BatchGetItem, in index order. */
  async #queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Lead[]> {
    const items = await this.#queryItems(input);
    return this.#getLeads(items.map((item) => ({ pk: item.pk!, sk: item.sk! })));
  }

  /** Every item a query matches, page after page. */
  async #queryItems(input: Omit<QueryCommandInput, 'TableName'>): Promise<Array<Record<string, AttributeValue>>> {
    const items: Array<Record<string, AttributeValue>> = [];
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.#guard(() => this.#client.send(new QueryCommand({ ...input, TableName: this.#tableName, ExclusiveStartKey })));
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  async #getLeads(keys: Array<Record<string, AttributeValue>>, { consistent = false } = {}): Promise<Lead[]> {
    const byKey = new Map<string, Lead>();
    for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
      let pending: Array<Record<string, AttributeValue>> | undefined = keys.slice(start, start + BATCH_GET_LIMIT);
      for (let attempt = 0; pending?.length; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 25 * 2 ** attempt)));
        const requested: Array<Record<string, AttributeValue>> = pending;
        const result = await this.#guard(() => this.#client.send(new BatchGetItemCommand({ RequestItems: { [this.#tableName]: { Keys: requested, ...(consistent ? { ConsistentRead: true } : {}) } } })));
        for (const item of result.Responses?.[this.#tableName] ?? []) byKey.set(item.pk!.S!, fromItem(item));
        pending = result.UnprocessedKeys?.[this.#tableName]?.Keys;
        if (attempt > 8 && pending?.length) throw new StorageUnavailableError();
      }
    }
    // An item deleted between the query and the read (an erase) is simply absent.
    return keys.flatMap((itemKey) => byKey.get(itemKey.pk!.S!) ?? []);
  }

  #toItem(lead: Lead, expiresAt?: Date, raw?: HeldRawPayload): Record<string, AttributeValue> {
    const domain = lead.contact.email?.split('@')[1];
    const waiting = WAITING_STATUSES.has(lead.status);
    // `deletedAfter` is read off the TTL attribute, never stored beside it.
    const { deletedAfter: _readBack, ...fields } = lead;
    return marshall(
      {
        ...fields,
        answers: storedAnswers(lead.answers),
        ...(lead.submissions ? { submissions: lead.submissions.map((joined) => ({ ...joined, answers: storedAnswers(joined.answers) })) } : {}),
        ...key.lead(lead.leadId),
        entity: 'lead',
        emailKey: personKeyOf(lead.contact),
        emailSort: `${lead.receivedAt}#${lead.leadId}`,
        phoneKey: phoneKeyOf(lead.contact),
        // A phone-only lead has no company domain, and stays out of the domain index rather than share one partition.
        ...(domain ? { domainKey: `DOMAIN#${domain}`, domainSort: `${lead.receivedAt}#${lead.leadId}` } : {}),
        ...(waiting ? { waitingKey: WAITING_PARTITION, waitingSort: waitingSortOf(lead.followUpDeadline, lead.leadId) } : {}),
        dayKey: `DAY#${this.dayOf(lead.receivedAt)}`,
        dayFormSort: `${lead.formId}#${lead.receivedAt}#${lead.leadId}`,
        ...(expiresAt ? { [TTL_ATTRIBUTE]: epochSeconds(expiresAt) } : {}),
        ...(raw ? { heldRawPayload: { contentType: raw.contentType, body: raw.body, [TTL_ATTRIBUTE]: epochSeconds(raw.expiresAt) } } : {}),
      },
      { removeUndefinedValues: true },
    );
  }

  /**
   * Network failures, throttling and server faults mean the table cannot take the request now: a 503, retry later.
   * A condition check is an answer, and a request DynamoDB rejects as invalid would fail again on retry, so
   * both pass through unchanged.
   */
  async #guard<Output>(operation: () => Promise<Output>): Promise<Output> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || error instanceof TransactionCanceledException || isInvalidRequest(error)) throw error;
      throw new StorageUnavailableError(error);
    }
  }
}

export function fromItem(item: Record<string, AttributeValue>): Lead {
  const record = unmarshall(item) as Record<string, unknown>;
  const deletedAfter = deletionTimeOf(record);
  for (const attribute of KEY_ATTRIBUTES) delete record[attribute];
  if ('answers' in record) record.answers = answersRead(record.answers);
  if (Array.isArray(record.submissions)) record.submissions = record.submissions.map((joined: Record<string, unknown>) => ({ ...joined, answers: answersRead(joined.answers) }));
  return (deletedAfter ? { ...record, deletedAfter } : record) as unknown as Lead;
}

/**
 * A DynamoDB map keeps no order, and a form's questions have one: a rep reads the answers as the form asked them.
 * So answers are stored as a list of [question, answer] pairs, in the order the form sent them.
 */
function storedAnswers(answers: Record<string, string>): Array<[string, string]> {
  return Object.entries(answers);
}

/** Answers as stored: pairs in the form's order, or a map (a lead stored before the order was kept). */
function answersRead(stored: unknown): Record<string, string> {
  return Array.isArray(stored) ? Object.fromEntries(stored as Array<[string, string]>) : ((stored ?? {}) as Record<string, string>);
}

/** The TTL attribute (epoch seconds) as the time DynamoDB may delete the item from. */
function deletionTimeOf(record: Record<string, unknown>): string | undefined {
  const ttl = record[TTL_ATTRIBUTE];
  return typeof ttl === 'number' ? new Date(ttl * 1000).toISOString() : undefined;
}

/** A client fault other than throttling: the request itself is wrong. ResourceNotFound (a missing table) is not. */
function isInvalidRequest(error: unknown): boolean {
  const { name, $fault } = error as { name?: string; $fault?: string };
  return $fault === 'client' && (name === 'ValidationException' || name === 'SerializationException');
}

/** Health's own deadline for reading the table, retries included. */
const PING_BUDGET_MS = 3_000;

/** The deadline index's sort key: by deadline, the lead id keeping equal deadlines apart. */
const waitingSortOf = (followUpDeadline: string, leadId: string) => `${followUpDeadline}#${leadId}`;

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);
