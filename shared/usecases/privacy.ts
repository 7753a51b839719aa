import { HttpError } from '../errors.ts';
import { isSamePerson, type Activity, type AlertState, type Contact, type Enrichment, type Lead, type SourceAttribution, type Tracking } from '../domain/lead.ts';
import { isDialable } from '../domain/phone-digits.ts';
import type { LeadStore, StoredRawPayload } from '../adapters/lead-store/store.ts';
import type { LeadEraser } from '../adapters/lead-store/privacy-queries.ts';
import type { EmailHealthStore } from '../adapters/lead-store/email-health.ts';
import type { EmailHealthMark } from '../domain/report.ts';

export interface PrivacyDependencies {
  store: Pick<LeadStore, 'leadsOfPerson' | 'getLead' | 'getRawPayload' | 'deleteRawPayload'>;
  eraser: LeadEraser;
  /** Bounce and complaint marks are kept per address: an export shows the address's mark, and erasure removes it. */
  emailHealth: Pick<EmailHealthStore, 'forgetAddress' | 'markOf'>;
  now: () => Date;
}

type JoinedSubmission = NonNullable<Lead['submissions']>[number];

/**
 * Whom to find: an address, or a phone for a person who gave only a phone (an event form may take one). A phone
 * finds the leads that gave no email; a lead that gave an address is found by it.
 */
export type PersonQuery = { email: string } | { phone: string };

export interface PersonalDataExport {
  /** The address asked for, lowercased; absent when a phone was. */
  email?: string;
  /** The phone asked for, as given; absent when an address was. */
  phone?: string;
  exportedAt: string;
  /**
   * Every lead item of the address (or phone-only lead of the number), spam and merged ones included, and the
   * phone-only submissions joined to them, oldest first.
   */
  leads: Lead[];
  /**
   * Leads that this person's later submissions were joined into, with just those submissions. `sameAddress`: the
   * lead is this person's own, listed in `leads` (for a phone query, a phone-only lead of the same number); when
   * false, it is a lead that gave an address, which a phone query does not claim: erasing takes only the
   * submissions out of it.
   */
  joinedInto: Array<{ leadId: string; sameAddress: boolean; submissions: JoinedSubmission[] }>;
  /** What the sales team recorded about this person, across their leads. */
  activities: Array<Activity & { leadId: string }>;
  /** Their submissions exactly as they arrived, for those still inside `retention.rawPayloadDays`, each with when it is deleted. */
  rawPayloads: Array<StoredRawPayload & { leadId: string }>;
  /** What SES reported about mail to this address (bounces, complaints) in the last 90 days; null when nothing. */
  emailHealthMark: EmailHealthMark | null;
  /** Records that exist about this person but cannot name them, and when they go. */
  notes: string[];
}

export interface ErasureReport {
  email?: string;
  phone?: string;
  /** Lead items deleted, by the status they had. */
  leadsByStatus: Record<string, number>;
  leads: number;
  /** Submissions removed from leads of other addresses they had been joined into. */
  joinedSubmissions: number;
  /** Activities that went with the deleted leads. */
  activities: number;
  /** Whether a bounce or complaint mark on the address was removed. */
  emailHealthMark: boolean;
  notes: string[];
}

/** Rate-limit buckets are keyed by form, a hash of the client IP and the minute: nothing in them names a person. */
const RATE_LIMIT_NOTE = 'rate-limit counters hold no address (form, a hash of the client IP, the minute) and expire within 2 minutes by TTL';
/** Art. 15 GDPR asks how long data is kept: the export gives each expiring record's time, and says what stays. */
const RETENTION_NOTE = 'spam leads and raw payloads are deleted automatically: each shows "deletedAfter" (DynamoDB removes an expired item within a few days of it); other leads, their activities and joined submissions are kept until erased';
const WENT_WITH_LEADS_NOTE = 'raw payloads (kept beside each lead), duplicate detection (by lead id) and used one-click links (recorded on the lead) went with the leads';
/** Nothing remembers an erased person (that would be keeping them): a file that still lists them brings them back. */
const COMES_BACK_NOTE = 'Handoff keeps no trace of whom it erased, so importing a file (or replaying a form tool\'s webhook) that still holds this person adds them again as a new lead: take them out of your attendee and scan lists too';

/** The order an object's keys are read in; `fields` lays out nested objects and the items of nested lists. */
interface ReadingOrder {
  keys?: readonly string[];
  fields?: Record<string, ReadingOrder>;
  /** Keep the object's own order: answers are stored in the order the form asked them (the store keeps it). */
  asStored?: true;
}

const FORM_ORDER: ReadingOrder = { asStored: true };

const CONTACT_ORDER = ['email', 'emailDisplay', 'firstName', 'lastName', 'name', 'company', 'jobTitle', 'phone', 'country', 'message', 'consent'] as const satisfies ReadonlyArray<keyof Contact>;
const TRACKING_ORDER = ['utm', 'pageUrl', 'referrer', 'leadSource', 'adClick', 'viewerCountry', 'userAgent'] as const satisfies ReadonlyArray<keyof Tracking>;
const UTM_ORDER = ['source', 'medium', 'campaign', 'term', 'content'] as const satisfies ReadonlyArray<keyof Tracking['utm']>;
const ENRICHMENT_ORDER = ['displayName', 'emailDomain', 'isFreeMail', 'isDisposable', 'companyName', 'companySource', 'phoneE164', 'country', 'countrySource', 'source'] as const satisfies ReadonlyArray<keyof Enrichment>;
const SOURCE_ORDER = ['label', 'formId', 'formName', 'formKind', 'campaign', 'channel', 'event', 'utmSource', 'utmMedium', 'utmCampaign', 'referrerHost'] as const satisfies ReadonlyArray<keyof SourceAttribution>;
const ALERT_ORDER = ['kind', 'status', 'attempts', 'sentAt', 'lastError'] as const satisfies ReadonlyArray<keyof AlertState>;
const ACTIVITY_ORDER = ['leadId', 'at', 'action', 'by', 'note', 'via'] as const satisfies ReadonlyArray<keyof Activity | 'leadId'>;
const JOINED_SUBMISSION_ORDER = ['leadId', 'formId', 'receivedAt', 'message', 'answers'] as const satisfies ReadonlyArray<keyof JoinedSubmission>;
const JOINED_INTO_ORDER: ReadingOrder = { keys: ['leadId', 'sameAddress', 'submissions'], fields: { submissions: { keys: JOINED_SUBMISSION_ORDER, fields: { answers: FORM_ORDER } } } };
const RAW_PAYLOAD_ORDER: ReadingOrder = { keys: ['leadId', 'receivedAt', 'deletedAfter', 'contentType', 'body'] };

/**
 * The person reads their export top-down: who they are and what they sent, where it came from, what happened to
 * it and when, what Handoff worked out about them, then the history. DynamoDB returns attributes in no set
 * order, so the export must not print them as they come. The table's own key and index attributes never reach
 * a Lead (they only repeat the address, domain and dates shown here).
 */
const LEAD_READING_ORDER: ReadingOrder = {
  keys: [
    'leadId', 'contact', 'answers',
    'formId', 'formKind', 'tracking',
    'status', 'spamReason', 'deletedAfter', 'mergedInto', 'receivedAt', 'importedAt', 'followUpDeadline', 'firstContactAt', 'firstContactBy', 'qualifiedAt', 'disqualifiedAt',
    'enrichment', 'score', 'scoreReasons', 'ownerId', 'ownerReason', 'alert',
    'submissions', 'activities',
  ] satisfies ReadonlyArray<keyof Lead>,
  fields: {
    contact: { keys: CONTACT_ORDER },
    answers: FORM_ORDER,
    tracking: { keys: TRACKING_ORDER, fields: { utm: { keys: UTM_ORDER } } },
    enrichment: { keys: ENRICHMENT_ORDER, fields: { source: { keys: SOURCE_ORDER } } },
    alert: { keys: ALERT_ORDER },
    submissions: { keys: JOINED_SUBMISSION_ORDER, fields: { answers: FORM_ORDER } },
    activities: { keys: ACTIVITY_ORDER },
  },
};

/**
 * Everything Handoff holds on one person, found through the byEmail index and the leads their
 * submissions were joined into: never a Scan. Every object is in reading order (`LEAD_READING_ORDER`).
 */
export async function exportPersonalData(query: PersonQuery, deps: PrivacyDependencies): Promise<PersonalDataExport> {
  const person = normalisePerson(query);
  const found = await findPersonalData(person, deps);
  return {
    ...person,
    exportedAt: deps.now().toISOString(),
    leads: found.leads.map((lead) => inReadingOrder(lead, LEAD_READING_ORDER)),
    joinedInto: found.joinedInto.map((joined) => inReadingOrder(joined, JOINED_INTO_ORDER)),
    activities: found.leads.flatMap((lead) => (lead.activities ?? []).map((activity) => inReadingOrder({ leadId: lead.leadId, ...activity }, { keys: ACTIVITY_ORDER }))),
    rawPayloads: (await Promise.all(found.leads.map(async (lead) => {
      const raw = await deps.store.getRawPayload(lead.leadId);
      return raw ? [inReadingOrder({ leadId: lead.leadId, ...raw }, RAW_PAYLOAD_ORDER)] : [];
    }))).flat(),
    emailHealthMark: 'email' in person ? (await deps.emailHealth.markOf(person.email)) ?? null : null,
    notes: [RETENTION_NOTE, RATE_LIMIT_NOTE],
  };
}

const byName = new Intl.Collator('en').compare;

/**
 * A copy of `value` with its keys in `order`: listed keys first, as listed; then any others by name, so an
 * attribute this list does not know yet (a new lead field) is still exported, in a stable place. Answers keep the
 * form's order.
 */
function inReadingOrder<Value>(value: Value, order: ReadingOrder): Value {
  if (Array.isArray(value)) return value.map((item: unknown) => inReadingOrder(item, order)) as Value;
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype || order.asStored) return value;
  const record = value as Record<string, unknown>;
  const listed = (order.keys ?? []).filter((key) => Object.hasOwn(record, key));
  const others = Object.keys(record).filter((key) => !listed.includes(key)).sort(byName);
  return Object.fromEntries([...listed, ...others].map((key) => [key, inReadingOrder(record[key], order.fields?.[key] ?? {})])) as Value;
}

/**
 * Removes a person from Handoff: their lead items (spam and merged ones too), and their submissions inside
 * other people's leads, which stay. Joined submissions go first: once the person's leads are gone, nothing
 * would lead back to them. Running it again finds nothing and removes nothing.
 */
export async function erasePersonalData(query: PersonQuery, deps: PrivacyDependencies): Promise<ErasureReport> {
  const person = normalisePerson(query);
  const { leads, joinedInto } = await findPersonalData(person, deps);
  const personLeadIds = new Set(leads.map((lead) => lead.leadId));

  let joinedSubmissions = 0;
  for (const target of joinedInto.filter((joined) => !joined.sameAddress)) {
    joinedSubmissions += await deps.eraser.removeJoinedSubmissions(target.leadId, personLeadIds);
  }
  const leadsByStatus: Record<string, number> = {};
  let activities = 0;
  for (const lead of leads) {
    await deps.store.deleteRawPayload(lead.leadId);
    const deleted = await deps.eraser.deleteLead(lead.leadId);
    if (!deleted) continue;
    leadsByStatus[deleted.status] = (leadsByStatus[deleted.status] ?? 0) + 1;
    activities += deleted.activities?.length ?? 0;
  }
  return {
    ...person,
    leadsByStatus,
    leads: Object.values(leadsByStatus).reduce((sum, count) => sum + count, 0),
    joinedSubmissions,
    activities,
    emailHealthMark: 'email' in person ? await deps.emailHealth.forgetAddress(person.email) : false,
    notes: [WENT_WITH_LEADS_NOTE, COMES_BACK_NOTE, RATE_LIMIT_NOTE],
  };
}

async function findPersonalData(person: PersonQuery, { store }: PrivacyDependencies) {
  const leads = (await store.leadsOfPerson(person)).filter((lead) => isSamePerson(person, lead.contact));
  const personLeadIds = new Set(leads.map((lead) => lead.leadId));
  // Submissions joined to the person's leads from across the email/phone divide (the booth visit that left only a
  // phone) are theirs too, though stored under another key.
  for (const joinedId of new Set(leads.flatMap((lead) => (lead.submissions ?? []).map((submission) => submission.leadId)))) {
    if (personLeadIds.has(joinedId)) continue;
    const joined = await store.getLead(joinedId);
    if (!joined?.mergedInto || !personLeadIds.has(joined.mergedInto)) continue;
    leads.push(joined);
    personLeadIds.add(joinedId);
  }
  leads.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
  const targetIds = [...new Set(leads.flatMap((lead) => (lead.mergedInto ? [lead.mergedInto] : [])))];
  const joinedInto: PersonalDataExport['joinedInto'] = [];
  for (const targetId of targetIds) {
    const target = personLeadIds.has(targetId) ? leads.find((lead) => lead.leadId === targetId) : await store.getLead(targetId);
    if (!target) continue;
    joinedInto.push({
      leadId: target.leadId,
      sameAddress: personLeadIds.has(target.leadId),
      submissions: (target.submissions ?? []).filter((submission) => personLeadIds.has(submission.leadId)),
    });
  }
  return { leads, joinedInto };
}

function normalisePerson(query: PersonQuery): PersonQuery {
  if ('phone' in query) {
    const phone = query.phone.trim();
    if (!isDialable(phone) || phone.length > 40) throw new HttpError(400, `"${query.phone.slice(0, 80)}" is not a phone number`, { code: 'invalid_phone' });
    return { phone };
  }
  const address = query.email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+$/.test(address) || address.length > 254) throw new HttpError(400, `"${query.email.slice(0, 80)}" is not an email address`, { code: 'invalid_email' });
  return { email: address };
}
