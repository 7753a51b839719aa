/**
 * The lead as Handoff stores and reasons about it. Plain data: no AWS types, no I/O.
 * Capture fills the first block; processing (enrich → assign → alert) fills the rest.
 */
import { isDialable, phoneDigits, samePhoneLine } from './phone-digits.ts';

export type FormKind = 'website' | 'event';

/**
 * - new: stored by capture, waiting for the processor;
 * - spam: honeypot or bot timing; never alerted, never counted as missed;
 * - merged: a returning person's submission, folded into their open lead (`mergedInto`);
 * - open: owned and alerted, waiting for first contact;
 * - contacted / qualified / disqualified: what the owner recorded.
 */
export const LEAD_STATUSES = ['new', 'spam', 'merged', 'open', 'contacted', 'qualified', 'disqualified'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

export interface Contact {
  /**
   * Lowercased, for matching. Absent only on a lead from a form that takes a phone instead (`requiredContact`
   * "email-or-phone", the default for event forms): "no email, call him" is a normal booth lead.
   */
  email?: string;
  /** As typed, for display; present exactly when `email` is. */
  emailDisplay?: string;
  firstName?: string;
  lastName?: string;
  /** Full name when the form had a single name field. */
  name?: string;
  company?: string;
  phone?: string;
  jobTitle?: string;
  message?: string;
  country?: string;
  consent?: boolean;
}

export interface Tracking {
  utm: { source?: string; medium?: string; campaign?: string; term?: string; content?: string };
  pageUrl?: string;
  referrer?: string;
  /** From CloudFront-Viewer-Country, when the request came through CloudFront. */
  viewerCountry?: string;
  userAgent?: string;
  /** Salesforce Web-to-Lead `lead_source`. */
  leadSource?: string;
  /**
   * An ad network's click id (Google Ads' `gclid`, Microsoft Ads' `msclkid`, …): auto-tagged paid traffic carries
   * it instead of UTM parameters. Kept whole, for an offline-conversion upload.
   */
  adClick?: { parameter: AdClickParameter; id: string };
}

/** The click ids ad networks add to a landing page's URL, in the order capture looks for them. */
export const AD_CLICK_PARAMETERS = ['gclid', 'gbraid', 'wbraid', 'msclkid', 'fbclid', 'li_fat_id', 'ttclid'] as const;
export type AdClickParameter = (typeof AD_CLICK_PARAMETERS)[number];

/**
 * How many of a number's last digits key a person who left no email: the subscriber number, the same whether it
 * was typed with a country code, a trunk 0 or neither ("+49 171 1234567", "0171 1234567").
 */
const PERSON_PHONE_DIGITS = 8;

/**
 * The key a person's leads share in the by-email index: their address, or for a lead with only a phone, its
 * number's last digits. Another number can end in the same digits, so a phone key finds a shortlist that
 * `samePhoneLine` confirms.
 */
export function personKeyOf(contact: Pick<Contact, 'email' | 'phone'>): string {
  return contact.email !== undefined ? `EMAIL#${contact.email.toLowerCase()}` : phoneKey(contact.phone ?? '');
}

/**
 * The second key of a lead that gave an address and a dialable phone, in the by-phone index: the booth visitor who
 * leaves only "0171 1234567" next month is found by it, and so joins the person they already are.
 */
export function phoneKeyOf(contact: Pick<Contact, 'email' | 'phone'>): string | undefined {
  return contact.email !== undefined && isDialable(contact.phone) ? phoneKey(contact.phone) : undefined;
}

function phoneKey(phone: string): string {
  return `PHONE#${phoneDigits(phone).slice(-PERSON_PHONE_DIGITS)}`;
}

type PersonContact = Pick<Contact, 'email' | 'phone' | 'firstName' | 'lastName' | 'name'>;

/**
 * Whether a lead found under `contact`'s keys is that person: the same address when both gave one. When one of them
 * left only a phone, the same line, and no typed name that says it is someone else: colleagues give one switchboard
 * number, and a booth visitor's "Anna" must not join Ben's lead.
 */
export function isSamePerson(contact: PersonContact, other: PersonContact): boolean {
  if (contact.email !== undefined && other.email !== undefined) return other.email === contact.email.toLowerCase();
  return contact.phone !== undefined && other.phone !== undefined && samePhoneLine(other.phone, contact.phone) && namesAgree(contact, other);
}

/**
 * Names that could be one person's: either has none typed, or they share a word ("Lukas Brandt", "L. Brandt" and
 * "BRANDT, Lukas" agree; "Jürgen" and "Juergen" too). A name typed two unrelated ways reads as two people, which
 * leaves them two leads, as they were before phones joined people.
 */
function namesAgree(a: PersonContact, b: PersonContact): boolean {
  const [wordsOfA, wordsOfB] = [nameWords(a), nameWords(b)];
  if (wordsOfA.size === 0 || wordsOfB.size === 0) return true;
  return [...wordsOfA].some((word) => wordsOfB.has(word));
}

const GERMAN_SPELLED_OUT: Record<string, string> = { ä: 'ae', ö: 'oe', ü: 'ue', ß: 'ss' };

function nameWords(contact: PersonContact): Set<string> {
  const typed = [contact.firstName, contact.lastName, contact.name].filter(Boolean).join(' ').toLowerCase();
  const plain = typed.replace(/[äöüß]/g, (letter) => GERMAN_SPELLED_OUT[letter]!).normalize('NFD').replace(/\p{M}/gu, '');
  return new Set(plain.split(/[^\p{L}]+/u).filter((word) => word.length >= 2));
}

/** How a lead's person is shown where an address would be: the address as typed, or the phone as typed. */
export function contactLine(contact: Pick<Contact, 'emailDisplay' | 'phone'>): string {
  return contact.emailDisplay ?? contact.phone ?? '';
}

/** A submission as captured: what one person sent through one form at one moment. */
export interface Submission {
  formId: string;
  receivedAt: string;
  contact: Contact;
  /** Fields the form sent that are not canonical lead fields, kept verbatim. */
  answers: Record<string, string>;
  tracking: Tracking;
}

export interface Enrichment {
  displayName: string;
  emailDomain: string;
  isFreeMail: boolean;
  isDisposable: boolean;
  companyName?: string;
  /** Where `companyName` came from. */
  companySource?: 'form' | 'domain';
  phoneE164?: string;
  country?: string;
  countrySource?: 'form' | 'phone' | 'viewer';
  source: SourceAttribution;
}

export interface SourceAttribution {
  formId: string;
  formName: string;
  formKind: FormKind;
  campaign: string;
  event?: string;
  utmSource?: string;
  utmMedium?: string;
  utmCampaign?: string;
  referrerHost?: string;
  /**
   * "google / cpc", a form tool's lead source, "via news.ycombinator.com" or "(direct)": what the marketing report
   * groups channels by. Absent on leads enriched before it was stored; the report derives theirs by the same rule.
   */
  channel?: string;
  /** One line a rep or marketer can read, e.g. "Website demo request · google / cpc · Always-on demo request". */
  label: string;
}

export interface ScoreResult {
  score: number;
  reasons: string[];
}

export type FollowUpAction = 'contacted' | 'qualified' | 'disqualified' | 'reassign';

export interface Activity {
  at: string;
  /** Salesperson id, or a free-text actor: an API caller, or the address of a report recipient who used its link. */
  by: string;
  /** The owner a report recipient acted for through a link issued for that owner; absent when the rep acted themself. */
  onBehalfOf?: string;
  action: FollowUpAction | 'note';
  note?: string;
  via: 'email-link' | 'cli' | 'api';
}

export interface AlertState {
  /** new: a fresh lead; returning: a known person came back; reassigned: handed over by the previous owner. */
  kind: 'new' | 'returning' | 'reassigned';
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  sentAt?: string;
  lastError?: string;
}

export interface Lead extends Submission {
  leadId: string;
  formKind: FormKind;
  status: LeadStatus;
  /** The first-contact deadline from the form's SLA, counted in business hours. */
  followUpDeadline: string;
  spamReason?: string;
  /**
   * When the table's TTL deletes this lead, as read back from it: spam, `retention.spamDays` after it arrived.
   * DynamoDB removes an expired item within a few days. Other leads stay until they are erased.
   */
  deletedAfter?: string;
  mergedInto?: string;
  /** Later submissions from the same person, joined to this lead. */
  submissions?: Array<Pick<Submission, 'formId' | 'receivedAt' | 'answers'> & { leadId: string; message?: string }>;
  enrichment?: Enrichment;
  score?: number;
  scoreReasons?: string[];
  ownerId?: string;
  /** Why this owner, in words a rep understands: "Territory DE → Ana Silva (round robin 3 of 4)". */
  ownerReason?: string;
  alert?: AlertState;
  firstContactAt?: string;
  firstContactBy?: string;
  qualifiedAt?: string;
  disqualifiedAt?: string;
  activities?: Activity[];
  /**
   * The operator import that stored this lead (`handoff import`). Its owner is told about it in one email listing all
   * of their leads from that import (see `alertImportedLeads`), not in an email per row.
   */
  importId?: string;
  /**
   * When an imported lead was imported. `receivedAt` is when the person was met (a badge's scan time), which may be
   * days earlier; the owner's first-contact deadline counts from here (`followUpClockStart`).
   */
  importedAt?: string;
}

/**
 * When the owner's first-contact clock starts: when the lead came in, or for a lead imported after it was met
 * (badge scans loaded after the show) when it was imported, the first moment anyone could act on it. Speed to
 * lead still counts from `receivedAt`, so the marketing report shows the time the scans waited to be imported.
 */
export function followUpClockStart(lead: Pick<Lead, 'receivedAt' | 'importedAt'>): Date {
  return new Date(metBeforeImport(lead) ? lead.importedAt! : lead.receivedAt);
}

/** A lead imported after it was met: it counts as received at its scan, earlier than its import. */
export function metBeforeImport(lead: Pick<Lead, 'receivedAt' | 'importedAt'>): boolean {
  return lead.importedAt !== undefined && lead.importedAt > lead.receivedAt;
}

/**
 * What the nightly report needs of a lead that is still waiting, and all the deadline index keeps of it: the
 * report reads old overdue leads from the index alone. Enrichment is left out on purpose, because it is written
 * at assignment and keeping it would rewrite the index copy of every waiting lead; rows fall back to the contact
 * and the form.
 */
export const WAITING_LEAD_FIELDS = ['leadId', 'formId', 'status', 'receivedAt', 'followUpDeadline', 'contact', 'score', 'ownerId', 'alert', 'firstContactAt', 'qualifiedAt'] as const satisfies ReadonlyArray<keyof Lead>;
export type WaitingLead = Pick<Lead, (typeof WAITING_LEAD_FIELDS)[number]>;

/** Statuses in which a lead still waits for first contact. */
export const WAITING_STATUSES: ReadonlySet<LeadStatus> = new Set(['new', 'open']);

/**
 * An imported lead whose owner has not been told about it yet: its alert goes out in its import's digest, not on its
 * own. A reassigned lead is told to its new owner on its own, like any other.
 */
export function awaitsImportAlert(lead: Pick<Lead, 'importId' | 'status' | 'alert'>): boolean {
  return lead.importId !== undefined && lead.status !== 'spam' && lead.alert?.kind !== 'reassigned' && lead.alert?.status !== 'sent';
}
