import { HttpError } from '../errors.ts';
import type { Activity, Lead } from '../domain/lead.ts';
import type { LeadStore, RawPayload } from '../adapters/lead-store/store.ts';
import type { LeadEraser } from '../adapters/lead-store/privacy-queries.ts';
import type { EmailHealthStore } from '../adapters/lead-store/email-health.ts';

export interface PrivacyDependencies {
  store: Pick<LeadStore, 'leadsByEmail' | 'getLead' | 'getRawPayload' | 'deleteRawPayload'>;
  eraser: LeadEraser;
  /** Bounce and complaint marks are kept per address; an erased address loses its mark too. */
  emailHealth: Pick<EmailHealthStore, 'forgetAddress'>;
  now: () => Date;
}

type JoinedSubmission = NonNullable<Lead['submissions']>[number];

export interface PersonalDataExport {
  email: string;
  exportedAt: string;
  /** Every lead item of the address, spam and merged ones included, oldest first. */
  leads: Lead[];
  /** Leads that this person's later submissions were joined into, with just those submissions. */
  joinedInto: Array<{ leadId: string; sameAddress: boolean; submissions: JoinedSubmission[] }>;
  /** What the sales team recorded about this person, across their leads. */
  activities: Array<Activity & { leadId: string }>;
  /** Their submissions exactly as they arrived, for those still inside `retention.rawPayloadDays`. */
  rawPayloads: Array<RawPayload & { leadId: string }>;
  /** Records that exist about this person but cannot name them, and when they go. */
  notes: string[];
}

export interface ErasureReport {
  email: string;
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
const WENT_WITH_LEADS_NOTE = 'raw payloads (kept beside each lead), duplicate detection (by lead id) and used one-click links (recorded on the lead) went with the leads';

/**
 * Everything Handoff holds on one person, found through the byEmail index and the leads their
 * submissions were joined into: never a Scan.
 */
export async function exportPersonalData(email: string, deps: PrivacyDependencies): Promise<PersonalDataExport> {
  const address = normaliseAddress(email);
  const found = await findPersonalData(address, deps);
  return {
    email: address,
    exportedAt: deps.now().toISOString(),
    leads: found.leads,
    joinedInto: found.joinedInto,
    activities: found.leads.flatMap((lead) => (lead.activities ?? []).map((activity) => ({ leadId: lead.leadId, ...activity }))),
    rawPayloads: (await Promise.all(found.leads.map(async (lead) => {
      const raw = await deps.store.getRawPayload(lead.leadId);
      return raw ? [{ leadId: lead.leadId, ...raw }] : [];
    }))).flat(),
    notes: [RATE_LIMIT_NOTE],
  };
}

/**
 * Removes a person from Handoff: their lead items (spam and merged ones too), and their submissions inside
 * other people's leads, which stay. Joined submissions go first: once the person's leads are gone, nothing
 * would lead back to them. Running it again finds nothing and removes nothing.
 */
export async function erasePersonalData(email: string, deps: PrivacyDependencies): Promise<ErasureReport> {
  const address = normaliseAddress(email);
  const { leads, joinedInto } = await findPersonalData(address, deps);
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
    email: address,
    leadsByStatus,
    leads: Object.values(leadsByStatus).reduce((sum, count) => sum + count, 0),
    joinedSubmissions,
    activities,
    emailHealthMark: await deps.emailHealth.forgetAddress(address),
    notes: [WENT_WITH_LEADS_NOTE, RATE_LIMIT_NOTE],
  };
}

async function findPersonalData(address: string, { store }: PrivacyDependencies) {
  const leads = await store.leadsByEmail(address);
  const personLeadIds = new Set(leads.map((lead) => lead.leadId));
  const targetIds = [...new Set(leads.flatMap((lead) => (lead.mergedInto ? [lead.mergedInto] : [])))];
  const joinedInto: PersonalDataExport['joinedInto'] = [];
  for (const targetId of targetIds) {
    const target = personLeadIds.has(targetId) ? leads.find((lead) => lead.leadId === targetId) : await store.getLead(targetId);
    if (!target) continue;
    joinedInto.push({
      leadId: target.leadId,
      sameAddress: target.contact.email === address,
      submissions: (target.submissions ?? []).filter((submission) => personLeadIds.has(submission.leadId)),
    });
  }
  return { leads, joinedInto };
}

function normaliseAddress(email: string): string {
  const address = email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+$/.test(address) || address.length > 254) throw new HttpError(400, `"${email.slice(0, 80)}" is not an email address`, { code: 'invalid_email' });
  return address;
}
