import * as z from 'zod/mini';
import type { RequiredContact } from '../config/schema.ts';
import { AD_CLICK_PARAMETERS, type AdClickParameter, type Contact, type Submission, type Tracking } from './lead.ts';
import { isDialable, MIN_PHONE_DIGITS } from './phone-digits.ts';

/**
 * Turns the fields a form sent, under whatever names that form uses, into a validated submission.
 * Canonical names win; known aliases (Salesforce Web-to-Lead, Formspree, HubSpot, Webflow) map onto them;
 * everything else is kept as an extra answer.
 */

type CanonicalField = Exclude<keyof Contact, 'emailDisplay'>;
type ControlField = 'honeypot' | 'loadedAt' | 'next' | 'leadSource' | 'pageUrl' | 'referrer' | AdClickParameter | 'ignore';
type UtmField = `utm_${keyof Tracking['utm']}`;

/** Keys are compared lowercased with everything but letters and digits removed ("First Name" → "firstname"). */
const FIELD_ALIASES: Record<string, CanonicalField | ControlField | UtmField> = {
  email: 'email', emailaddress: 'email', mail: 'email', replyto: 'email', youremail: 'email', workemail: 'email', emailadresse: 'email',
  firstname: 'firstName', fname: 'firstName', givenname: 'firstName', vorname: 'firstName',
  lastname: 'lastName', lname: 'lastName', surname: 'lastName', familyname: 'lastName', nachname: 'lastName',
  name: 'name', fullname: 'name', yourname: 'name', firstandlastname: 'name', vorundnachname: 'name',
  company: 'company', companyname: 'company', organisation: 'company', organization: 'company', employer: 'company', firma: 'company', unternehmen: 'company',
  phone: 'phone', phonenumber: 'phone', telephone: 'phone', tel: 'phone', mobile: 'phone', mobilephone: 'phone', telefon: 'phone', telefonnummer: 'phone', mobiltelefon: 'phone', mobil: 'phone', mobilnummer: 'phone', handy: 'phone', handynummer: 'phone',
  jobtitle: 'jobTitle', title: 'jobTitle', position: 'jobTitle', role: 'jobTitle', berufsbezeichnung: 'jobTitle', jobbezeichnung: 'jobTitle',
  message: 'message', comments: 'message', comment: 'message', description: 'message', notes: 'message', boothnotes: 'message', staffnotes: 'message', boothstaffnotes: 'message', leadnotes: 'message', salesnotes: 'message', bemerkung: 'message', bemerkungen: 'message', anmerkungen: 'message', inquiry: 'message', enquiry: 'message', nachricht: 'message', notizen: 'message',
  country: 'country', countrycode: 'country', land: 'country', countryregion: 'country', countryorregion: 'country',
  consent: 'consent', gdprconsent: 'consent', privacyconsent: 'consent',
  gotcha: 'honeypot', honeypot: 'honeypot',
  loadedat: 'loadedAt',
  next: 'next', returl: 'next',
  leadsource: 'leadSource',
  pageurl: 'pageUrl', pageuri: 'pageUrl', page: 'pageUrl',
  referrer: 'referrer', referer: 'referrer',
  utmsource: 'utm_source', utmmedium: 'utm_medium', utmcampaign: 'utm_campaign', utmterm: 'utm_term', utmcontent: 'utm_content',
  gclid: 'gclid', gbraid: 'gbraid', wbraid: 'wbraid', msclkid: 'msclkid', fbclid: 'fbclid', lifatid: 'li_fat_id', ttclid: 'ttclid',
  submit: 'ignore',
};

/** A key that could reach an object's prototype is never used as a property name. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const MAX_EXTRA_ANSWERS = 50;
const MAX_ANSWER_NAME = 100;
const MAX_ANSWER_VALUE = 2000;

/** Line and paragraph separators (U+2028, U+2029) break lines in many mail clients as CR and LF do. */
const noControlChars = () =>
  z.refine<string>((value) => !/[\r\n\0\u2028\u2029]/u.test(value), 'must be a single line, without line breaks');
/**
 * Other C0/C1 controls (ESC, BEL, backspace, …) and bidi overrides and isolates (U+202A–U+202E, U+2066–U+2069): no
 * person types them; an ESC in a name would drive a terminal showing it, and an unclosed override turns the rest of
 * an alert's subject around.
 */
const noOtherControls = () =>
  z.refine<string>((value) => !/[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u.test(value), 'must not contain control characters');
/** Zero-width characters make an address look like another person's while it matches nobody, and no mail server takes it. */
const noInvisibleCharacters = () =>
  z.refine<string>((value) => !/[\u200b-\u200d\u2060\ufeff]/u.test(value), 'must not contain invisible characters');
const singleLine = (max: number) =>
  z.optional(z.string().check(z.maxLength(max, `must be at most ${max} characters`), noControlChars(), noOtherControls()));

const contactSchema = z.object({
  email: z.optional(z.string().check(
    z.minLength(1, 'is required'),
    z.maxLength(254, 'must be at most 254 characters'),
    noControlChars(),
    noOtherControls(),
    noInvisibleCharacters(),
    // U+FFFD stands for a letter lost on the way (bytes that were not UTF-8): the address would reach nobody.
    z.refine((value: string) => !value.includes('\uFFFD'), 'contains a letter lost on the way (U+FFFD): send the body as UTF-8'),
    z.regex(/^[^\s@<>()",;:\\[\]]+@[^\s@<>()",;:\\[\]]+\.[^\s@<>()",;:\\[\]]{2,}$/, 'must be a valid email address like jane@example.com'),
  )),
  firstName: singleLine(100),
  lastName: singleLine(100),
  name: singleLine(200),
  company: singleLine(200),
  phone: z.optional(z.string().check(z.maxLength(40, 'must be at most 40 characters'), noControlChars(), z.regex(/^[0-9+()./\s-]*(?:(?:ext|x|#)\.?\s*\d+)?$/i, 'must contain only digits, spaces and + ( ) . - /, and an extension like "ext 12"'))),
  jobTitle: singleLine(150),
  country: singleLine(60),
  message: z.optional(z.string().check(z.maxLength(5000, 'must be at most 5000 characters'), z.refine((v: string) => !v.includes('\0'), 'cannot contain NUL characters'))),
  consent: z.optional(z.boolean()),
});

export interface SubmissionControls {
  /** A filled honeypot field: a bot. */
  honeypotFilled: boolean;
  /** Milliseconds since the page loaded the form (`_loadedAt`), when the form sent it. */
  fillMilliseconds?: number;
  /** `_next` / `retURL`: where the browser wants to go; honoured only on an allowed origin. */
  requestedRedirect?: string;
}

export interface RequestContext {
  formId: string;
  receivedAt: Date;
  query: Record<string, string | undefined>;
  referer?: string;
  userAgent?: string;
  viewerCountry?: string;
  /** What the form requires to reach the person (`requiredContactOf`); an email when not said. */
  requiredContact?: RequiredContact;
}

export type SubmissionResult =
  | { ok: true; submission: Submission; controls: SubmissionControls }
  | { ok: false; fields: Record<string, string> };

/** How field names compare: "First Name", "first_name" and "firstName" are all `firstname`. */
export const normaliseFieldName = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');
const TRUTHY = new Set(['true', 'on', 'yes', '1', 'checked', 'y']);
const CONTACT_FIELDS: ReadonlySet<string> = new Set(Object.keys(contactSchema.shape));
/** E.164 numbers have at most 15 digits; a longer JSON number may already have lost digits in parsing. */
const LARGEST_PHONE_NUMBER = 999_999_999_999_999;

/** What a field name means to capture (a contact field, a control field, a UTM parameter), or undefined for an extra answer. */
export function fieldRoleOf(name: string): CanonicalField | ControlField | UtmField | undefined {
  const aliasKey = normaliseFieldName(name);
  // Own properties only: "constructor" or "toString" must not find Object.prototype's members.
  return Object.hasOwn(FIELD_ALIASES, aliasKey) ? FIELD_ALIASES[aliasKey] : undefined;
}

/**
 * The fields of a plain JSON body. JSON says what type each value is, so a contact field can insist on one text
 * value: a one-element list must not pass for an address. A phone may also be a whole number and consent may be
 * true or false; null means the field was not given. Answers and control fields take any value as text, a list
 * as a comma list. Problems are keyed by the name as sent, which is what the caller can find in its own body.
 */
export function readJsonFields(object: Record<string, unknown>): JsonFields {
  return readJsonEntries(Object.entries(object));
}

export interface JsonFields {
  fields: Array<[string, string]>;
  /** By field name as sent: what is wrong with its value. */
  problems: Record<string, string>;
}

/** `readJsonFields` for name/value pairs that come as a list, as a form tool's webhook sends them. */
export function readJsonEntries(entries: Iterable<readonly [string, unknown]>): JsonFields {
  const fields: Array<[string, string]> = [];
  const problems: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (value === null || value === undefined) continue;
    const role = fieldRoleOf(name);
    const problem = role !== undefined && CONTACT_FIELDS.has(role) ? contactValueProblem(role as CanonicalField, value) : nestingProblem(value);
    if (problem) problems[name.slice(0, MAX_ANSWER_NAME)] = problem;
    else fields.push([name, jsonValueAsText(value)]);
  }
  return { fields, problems };
}

function contactValueProblem(field: CanonicalField, value: unknown): string | undefined {
  if (typeof value === 'string') return undefined;
  if (field === 'consent') return typeof value === 'boolean' || typeof value === 'number' ? undefined : `must be true or false, not ${jsonTypeName(value)}`;
  if (field === 'phone' && typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 && value <= LARGEST_PHONE_NUMBER ? undefined : 'must be a text value like "+49 30 1234567"; a number must be whole and at most 15 digits';
  }
  return `must be a text value, not ${jsonTypeName(value)}`;
}

/** Deeper than any form's answer: JSON.parse takes thousands of levels in 32 KB, but writing them back as text would overflow the stack. */
const MAX_ANSWER_DEPTH = 32;

function nestingProblem(value: unknown): string | undefined {
  // Walked without recursion, for the same reason.
  let level: unknown[] = [value];
  for (let depth = 0; level.length > 0; depth++) {
    if (depth > MAX_ANSWER_DEPTH) return `must not nest lists and objects more than ${MAX_ANSWER_DEPTH} levels deep`;
    level = level.flatMap((item) => (typeof item === 'object' && item !== null ? Object.values(item) : []));
  }
  return undefined;
}

function jsonTypeName(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'boolean') return 'true or false';
  return 'a number';
}

function jsonValueAsText(value: unknown): string {
  if (Array.isArray(value)) return value.map((item) => (typeof item === 'object' && item !== null ? JSON.stringify(item) : String(item))).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A refused contact value kept as an answer: the field it would have filled, why, and the field's place in the list. */
export interface SetAsideField {
  field: string;
  message: string;
  index: number;
}

/** What a refused contact value's field is renamed to, by who sent it: a form tool, or an operator's file. */
export const SET_ASIDE_SUFFIXES = { formTool: ' (as sent)', file: ' (as in the file)' } as const;

/** The contact field an answer holds a refused value of (`Phone (as sent)` → phone), if it is such an answer. */
export function setAsideContactField(answerName: string): string | undefined {
  const suffix = Object.values(SET_ASIDE_SUFFIXES).find((candidate) => answerName.endsWith(candidate));
  if (suffix === undefined) return undefined;
  const role = fieldRoleOf(answerName.slice(0, -suffix.length));
  return role !== undefined && CONTACT_FIELDS.has(role) ? role : undefined;
}

/**
 * For senders nobody can ask to correct a value (a form tool relaying what a person typed, a file from an event):
 * when every field `readSubmission` refused is a contact field other than the email (a lead is nothing without its
 * address), the fields that filled them are renamed with the sender's suffix (`Phone` → `Phone (as sent)`), so their values are
 * kept verbatim as answers, and the lead is not lost over them. Undefined when anything else was refused. Read the
 * renamed fields again: a second field of the same kind (`Mobile` after `Phone`) may fill the contact field now.
 */
export function setAsideRefusedContactFields(fields: Array<[string, string]>, refused: Record<string, string>, sender: keyof typeof SET_ASIDE_SUFFIXES): { fields: Array<[string, string]>; setAside: SetAsideField[] } | undefined {
  const suffix = SET_ASIDE_SUFFIXES[sender];
  const refusals = Object.entries(refused).map(([field, message]) => ({ field, message, index: fieldHolding(fields, field) }));
  if (refusals.length === 0 || !refusals.every(({ field, index }) => canSetAside(fields, field, index))) return undefined;
  const setAside = refusals as SetAsideField[];
  return {
    fields: fields.map(([name, value], index): [string, string] => [setAside.some((refusal) => refusal.index === index) ? `${name}${suffix}` : name, value]),
    setAside: setAside.sort((a, b) => a.index - b.index),
  };
}

/**
 * The field a refused name came from, as the sender would find it: for a contact field the first non-empty field
 * of that kind (the one capture took), or the first of that kind when all are empty (a missing email); for an
 * answer, the field of that name.
 */
export function fieldHolding(fields: Array<[string, string]>, field: string): number | undefined {
  return [
    fields.findIndex(([name, value]) => fieldRoleOf(name) === field && value.trim() !== ''),
    fields.findIndex(([name]) => fieldRoleOf(name) === field || name === field),
  ].find((candidate) => candidate >= 0);
}

/**
 * Only a value that can be an answer (no NUL) and that filled a contact field other than the email. Without an
 * email, the phone is the way to reach the person: it is set aside only when another phone field can take its place.
 */
function canSetAside(fields: Array<[string, string]>, field: string, index: number | undefined): boolean {
  if (field === 'email' || index === undefined) return false;
  const [name, value] = fields[index]!;
  const filledAfter = (role: string, from: number) => fields.some(([other, otherValue], at) => at >= from && fieldRoleOf(other) === role && otherValue.trim() !== '');
  if (field === 'phone' && !filledAfter('email', 0) && !filledAfter('phone', index + 1)) return false;
  return fieldRoleOf(name) === field && value.trim() !== '' && !value.includes('\0');
}

export function readSubmission(formFields: Array<[string, string]>, request: RequestContext): SubmissionResult {
  const contact: Record<string, string | boolean> = {};
  const answers: Record<string, string> = {};
  const tracking: Tracking = { utm: {} };
  const bodyUtm: Tracking['utm'] = {};
  const bodyAdClicks = new Map<AdClickParameter, string>();
  const controls: SubmissionControls = { honeypotFilled: false };
  const problems: Record<string, string> = {};
  let loadedAt: number | undefined;

  const collect = (name: string, rawValue: string) => {
    // A nameless field has nowhere to go, and DynamoDB refuses an empty map key.
    if (FORBIDDEN_KEYS.has(name) || name.trim() === '') return;
    const value = rawValue.trim();
    const alias = fieldRoleOf(name);
    if (alias === 'ignore') return;
    if (alias === 'honeypot') {
      if (value !== '') controls.honeypotFilled = true;
      return;
    }
    if (value === '') return;
    switch (alias) {
      case undefined:
        break;
      case 'loadedAt':
        loadedAt = Number(value);
        return;
      case 'next':
        controls.requestedRedirect = value;
        return;
      // As for contact fields, the first value of a repeated tracking field wins.
      case 'leadSource':
        tracking.leadSource ??= value.slice(0, 200);
        return;
      case 'pageUrl':
        tracking.pageUrl ??= value.slice(0, 2000);
        return;
      case 'referrer':
        tracking.referrer ??= value.slice(0, 2000);
        return;
      case 'consent':
        contact.consent = TRUTHY.has(value.toLowerCase());
        return;
      case 'gclid': case 'gbraid': case 'wbraid': case 'msclkid': case 'fbclid': case 'li_fat_id': case 'ttclid':
        if (!bodyAdClicks.has(alias)) bodyAdClicks.set(alias, value);
        return;
      default:
        if (alias.startsWith('utm_')) {
          bodyUtm[alias.slice(4) as UtmKey] ??= value.slice(0, 200);
          return;
        }
        // The first value wins: a form that repeats a canonical field keeps the others as answers.
        if (!Object.hasOwn(contact, alias)) {
          // A Japanese or Chinese keyboard types full-width digits and signs (０１７１ １２３４５６７).
          contact[alias] = alias === 'phone' ? value.normalize('NFKC') : value;
          return;
        }
    }
    if (value.includes('\0')) {
      problems[name.slice(0, MAX_ANSWER_NAME)] = 'cannot contain NUL characters';
      return;
    }
    const answerName = name.slice(0, MAX_ANSWER_NAME);
    if (Object.hasOwn(answers, answerName)) answers[answerName] = `${answers[answerName]}, ${value}`.slice(0, MAX_ANSWER_VALUE);
    else if (Object.keys(answers).length < MAX_EXTRA_ANSWERS) answers[answerName] = value.slice(0, MAX_ANSWER_VALUE);
  };

  for (const [name, value] of formFields) collect(name, value);

  if (!tracking.referrer && request.referer) tracking.referrer = request.referer.slice(0, 2000);
  // A plain HTML form's post names its page only in the Referer header: a campaign landing page's UTM is there.
  if (!tracking.pageUrl && request.referer) tracking.pageUrl = request.referer.slice(0, 2000);
  // UTM parameters may come in the body, on the action URL's query string or on the page URL. They describe one
  // visit together, so they are taken as a set from one place: mixed key by key, a body's "facebook" and a page
  // URL's "cpc" would make "facebook / cpc", which nobody sent. The first place that names a source, medium or
  // campaign wins; a stray utm_term alone does not hide a whole set further on.
  const utmSets = [bodyUtm, utmOf((name) => request.query[name]), utmOf(parametersOfUrl(tracking.pageUrl))];
  tracking.utm = utmSets.find((utm) => utm.source ?? utm.medium ?? utm.campaign) ?? utmSets.find((utm) => Object.keys(utm).length > 0) ?? {};
  // An ad network's click id comes the same ways (a hidden field, the action URL, the landing page's URL).
  const adClick = adClickOf((name) => bodyAdClicks.get(name as AdClickParameter)) ?? adClickOf((name) => request.query[name]) ?? adClickOf(parametersOfUrl(tracking.pageUrl));
  if (adClick) tracking.adClick = adClick;
  if (request.userAgent) tracking.userAgent = request.userAgent.slice(0, 400);
  if (request.viewerCountry && /^[A-Z]{2}$/.test(request.viewerCountry)) tracking.viewerCountry = request.viewerCountry;

  if (loadedAt !== undefined && Number.isFinite(loadedAt)) controls.fillMilliseconds = request.receivedAt.getTime() - loadedAt;

  const parsed = contactSchema.safeParse(contact);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? 'body');
      problems[field] ??= issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
    }
  }
  if (contact.email === undefined) {
    const phone = typeof contact.phone === 'string' ? contact.phone : undefined;
    if ((request.requiredContact ?? 'email') === 'email') problems.email ??= 'is required';
    else if (phone === undefined) problems.email ??= 'is required, or a phone number';
    else if (!isDialable(phone)) problems.phone ??= `must have at least ${MIN_PHONE_DIGITS} digits when there is no email`;
  }
  if (Object.keys(problems).length > 0 || !parsed.success) return { ok: false, fields: problems };

  const validContact = parsed.data;
  return {
    ok: true,
    controls,
    submission: {
      formId: request.formId,
      receivedAt: request.receivedAt.toISOString(),
      contact: dropUndefined({ ...validContact, email: validContact.email?.toLowerCase(), emailDisplay: validContact.email }),
      answers,
      tracking,
    },
  };
}

type UtmKey = keyof Tracking['utm'];
const UTM_KEYS = ['source', 'medium', 'campaign', 'term', 'content'] as const satisfies readonly UtmKey[];

/** The UTM parameters `parameter` has (by `utm_*` name), each trimmed and capped; blank ones count as absent. */
function utmOf(parameter: (name: string) => string | null | undefined): Tracking['utm'] {
  const utm: Tracking['utm'] = {};
  for (const key of UTM_KEYS) {
    const value = parameter(`utm_${key}`)?.trim();
    if (value) utm[key] = value.slice(0, 200);
  }
  return utm;
}

/** A page URL's query parameters by name (the first of a repeated one); none for a URL that does not parse. */
function parametersOfUrl(pageUrl: string | undefined): (name: string) => string | null {
  if (!pageUrl) return () => null;
  try {
    const { searchParams } = new URL(pageUrl.startsWith('http') ? pageUrl : `https://${pageUrl}`);
    return (name) => searchParams.get(name);
  } catch {
    return () => null;
  }
}

/**
 * Ad networks' click ids are opaque URL-safe tokens (a gclid is about 100 characters), and their only use is to be
 * handed back to the network whole, for offline conversions. A value with spaces or control characters, or one cut
 * short, would be refused there, so such a value counts as no click id rather than being cleaned or truncated.
 */
const AD_CLICK_ID = /^[\x21-\x7e]{1,500}$/;

/** The first well-formed ad click id `parameter` has, in AD_CLICK_PARAMETERS order. */
function adClickOf(parameter: (name: string) => string | null | undefined): Tracking['adClick'] {
  for (const name of AD_CLICK_PARAMETERS) {
    const id = parameter(name)?.trim();
    if (id && AD_CLICK_ID.test(id)) return { parameter: name, id };
  }
  return undefined;
}

function dropUndefined<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}
