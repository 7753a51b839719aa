/**
 * A model of what a form submits, the arbitraries that generate it, and an oracle that says, from the
 * capture contract (issue 2) alone, what the API must answer and store. The oracle is written from the
 * contract, not copied from shared/domain/submission.ts, so that the two can disagree.
 */
import fc from 'fast-check';

export const CANONICAL_FIELDS = ['email', 'firstName', 'lastName', 'name', 'company', 'phone', 'jobTitle', 'message', 'country', 'consent'] as const;
export type CanonicalField = (typeof CANONICAL_FIELDS)[number];

/** Names forms really use for each canonical field: the contract's aliases plus common spellings. */
export const ALIASES: Record<CanonicalField, readonly string[]> = {
  email: ['email', 'Email', 'EMAIL', 'e-mail', 'email_address', 'Email Address', '_replyto', 'your-email', 'workEmail'],
  firstName: ['firstName', 'first_name', 'First Name', 'fname', 'given_name', 'firstname'],
  lastName: ['lastName', 'last_name', 'Last Name', 'surname', 'lname', 'family_name'],
  name: ['name', 'Name', 'full_name', 'your-name'],
  company: ['company', 'Company', 'company_name', 'organization', 'organisation'],
  phone: ['phone', 'Phone', 'phone_number', 'tel', 'mobile', 'Phone Number'],
  jobTitle: ['jobTitle', 'job_title', 'title', 'Title', 'position', 'role'],
  message: ['message', 'Message', 'comments', 'description', 'notes', 'inquiry'],
  country: ['country', 'Country', 'country_code'],
  consent: ['consent', 'gdpr_consent', 'privacy-consent'],
};

const MAX_LENGTH: Record<Exclude<CanonicalField, 'consent'>, number> = {
  email: 254, firstName: 100, lastName: 100, name: 200, company: 200, phone: 40, jobTitle: 150, message: 5000, country: 60,
};
const SINGLE_LINE = new Set<CanonicalField>(['email', 'firstName', 'lastName', 'name', 'company', 'phone', 'jobTitle', 'country']);
const TRUTHY = new Set(['true', 'on', 'yes', '1', 'checked', 'y']);
const MAX_BODY_BYTES = 32 * 1024;

/** Field names, compared the contract's way ("First Name" → "firstname"), that mean something to capture. */
const RESERVED = new Set([
  'email', 'emailaddress', 'mail', 'replyto', 'youremail', 'workemail', 'firstname', 'fname', 'givenname', 'vorname', 'lastname', 'lname',
  'surname', 'familyname', 'nachname', 'name', 'fullname', 'yourname', 'company', 'companyname', 'organisation', 'organization', 'firma',
  'phone', 'phonenumber', 'telephone', 'tel', 'mobile', 'mobilephone', 'jobtitle', 'title', 'position', 'role', 'message', 'comments',
  'comment', 'description', 'notes', 'boothnotes', 'staffnotes', 'boothstaffnotes', 'leadnotes', 'salesnotes', 'bemerkung', 'bemerkungen', 'anmerkungen', 'inquiry', 'enquiry', 'country', 'countrycode', 'countryregion', 'countryorregion', 'consent', 'gdprconsent', 'privacyconsent', 'gotcha',
  'honeypot', 'loadedat', 'next', 'returl', 'leadsource', 'pageurl', 'pageuri', 'page', 'referrer', 'referer', 'utmsource', 'utmmedium',
  'utmcampaign', 'utmterm', 'utmcontent', 'submit', 'firstandlastname', 'vorundnachname', 'employer', 'mobil', 'mobilnummer', 'handy', 'handynummer',
  'berufsbezeichnung', 'jobbezeichnung',
  // Top-level keys by which vendor webhooks are recognised.
  'fields', 'triggertype', 'payload', 'eventtype', 'formresponse', 'context', 'legalconsentoptions',
]);
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
export const isReservedName = (name: string) => RESERVED.has(name.toLowerCase().replace(/[^a-z0-9]/g, ''));

/** One submitted field. `constructedValid` is false when the generator broke the value on purpose. */
export interface FieldValue {
  role: CanonicalField | 'extra' | 'honeypot';
  name: string;
  value: unknown;
  constructedValid: boolean;
}

export interface LeadModel {
  /** The first is always an email; at most one of each canonical field. */
  canonical: FieldValue[];
  /** Canonical fields sent a second time under another name: the first value wins, the others become answers. */
  duplicates: FieldValue[];
  extras: FieldValue[];
  honeypot?: string;
  shuffleSeed: number;
}

// ---------------------------------------------------------------- arbitraries

/** Characters real names and messages contain, plus the ones that break naive code. */
const textUnit = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ') },
  { weight: 6, arbitrary: fc.constantFrom('é', 'ü', 'ñ', 'ø', 'ß', 'Ç', 'e\u0301', 'a\u0308\u0323', '李', '小', '龙', '田中', '한', 'Ж', 'ع', 'ש', 'ह') },
  { weight: 3, arbitrary: fc.constantFrom('😀', '👩‍💻', '🇩🇪', '🏳️‍🌈', '\u200F', '\u202E', '\u200B', '\u00A0', '\u3000', '\uFEFF', '\u2028', '\t') },
  { weight: 3, arbitrary: fc.constantFrom('<script>alert(1)</script>', '<b>', '"', "'", '&amp;', '&', '%', '+', '=', ';', '\\', '${x}', '{{x}}', '=cmd|', '@') },
  { weight: 1, arbitrary: fc.constantFrom('\uD800', '\uDC00', '\u0001', '\u007F', '\u001B[31m') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) },
);
const edgeWhitespace = fc.constantFrom('', '', '', ' ', '  ', '\t', '\n', '\u00A0', '\u3000', '\uFEFF');

/** Short text, or text whose length sits on the field's limit: under or at it when clean, over it when damaged. */
function sizedText(max: number, damaged: boolean): fc.Arbitrary<string> {
  const atLimit = (lengths: fc.Arbitrary<number>) =>
    fc.tuple(fc.string({ unit: textUnit, maxLength: 6 }), lengths).map(([start, length]) => (start.trim() + 'x'.repeat(length)).slice(0, length));
  if (damaged) return atLimit(fc.integer({ min: max + 1, max: max + 3 }));
  return fc.oneof(
    { weight: 8, arbitrary: fc.string({ unit: textUnit, minLength: 1, maxLength: 12 }) },
    { weight: 2, arbitrary: atLimit(fc.integer({ min: max - 2, max })) },
  );
}

/** Puts a line break or NUL inside a value (not at its edges, where trimming would remove it). */
const withBreakInside = (value: string, breaker: string) => `a${breaker}${value}b`;

/** The oracle judges text fields by their trimmed value, so a text field is never marked invalid up front. */
function textField(field: CanonicalField, breakers: readonly string[], damaged: boolean): fc.Arbitrary<FieldValue> {
  const max = MAX_LENGTH[field as Exclude<CanonicalField, 'consent'>];
  const damage = damaged
    ? fc.oneof(sizedText(max, true), fc.tuple(sizedText(max, false), fc.constantFrom(...breakers)).map(([text, breaker]) => withBreakInside(text, breaker)))
    : sizedText(max, false);
  return fc.record({ name: fc.constantFrom(...ALIASES[field]), text: damage, before: edgeWhitespace, after: edgeWhitespace })
    .map(({ name, text, before, after }) => ({ role: field, name, value: `${before}${text}${after}`, constructedValid: true }));
}

const localPart = fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,15}$/).map((local) => local.replace(/\.+$/, ''));
const emailUnicode = fc.constantFrom('', '', '', 'ü', 'é', '李');
const domainPart = fc.tuple(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/), fc.constantFrom('com', 'de', 'io', 'co.uk', 'example', 'museum'));

function emailField(damaged: boolean): fc.Arbitrary<FieldValue> {
  return fc.record({
    name: fc.constantFrom(...ALIASES.email),
    local: localPart, unicode: emailUnicode, domain: domainPart,
    upperCase: fc.boolean(),
    before: edgeWhitespace, after: edgeWhitespace,
    damage: damaged ? fc.constantFrom('no-at', 'line-break', 'nul', 'too-long', 'no-tld', 'blank', 'angle-brackets') : fc.constant(undefined),
  }).map(({ name, local, unicode, domain, upperCase, before, after, damage }) => {
    const cased = (text: string) => (upperCase ? text.toUpperCase() : text);
    let email = `${cased(`${local}${unicode}`)}.${MARKER}@${cased(`${domain[0]}.${domain[1]}`)}`;
    switch (damage) {
      case 'no-at': email = email.replace('@', ' at '); break;
      case 'line-break': email = email.replace('@', '\r\n@'); break;
      case 'nul': email = email.replace('@', '\0@'); break;
      case 'too-long': email = `${'a'.repeat(255 - email.length)}${email}`; break;
      case 'no-tld': email = `${email.slice(0, email.indexOf('@'))}@localhost`; break;
      case 'blank': email = ''; break;
      case 'angle-brackets': email = `Jane <${email}>`; break;
      default: break;
    }
    return { role: 'email' as const, name, value: `${before}${email}${after}`, constructedValid: damage === undefined };
  });
}

function phoneField(damaged: boolean): fc.Arbitrary<FieldValue> {
  return fc.record({
    name: fc.constantFrom(...ALIASES.phone),
    digits: fc.stringMatching(/^\+?[0-9][0-9 ()./-]{3,30}[0-9]$/),
    extension: fc.constantFrom('', '', ' ext 12', ' x 7', ' ext. 3'),
    damage: damaged ? fc.constantFrom('call me', 'abc', '\r\n', '=1+1') : fc.constant(undefined),
  }).map(({ name, digits, extension, damage }) => ({
    role: 'phone' as const,
    name,
    value: damage === undefined ? `${digits}${extension}` : `${digits.slice(0, 2)}${damage}${digits.slice(2)}`,
    constructedValid: damage === undefined,
  }));
}

const consentField: fc.Arbitrary<FieldValue> = fc.record({
  name: fc.constantFrom(...ALIASES.consent),
  value: fc.constantFrom<unknown>('true', 'on', 'yes', '1', 'checked', 'Y', 'false', 'no', '0', 'off', true, false, 'maybe'),
}).map(({ name, value }) => ({ role: 'consent', name, value, constructedValid: true }));

/**
 * Generated emails carry this placeholder, and each post replaces it with a fresh marker (`withFreshMarkers`):
 * fast-check replays a failing value many times while it shrinks, and a marker fixed at generation would turn
 * those replays into duplicates of each other.
 */
/** Shorter than any marker, so an email made too long stays too long. */
export const MARKER = 'MRKMRK';
let markersMade = 0;
const freshMarker = () => `fz${(markersMade += 1).toString(36)}z${Math.random().toString(36).slice(2, 8)}`;

/** The model with every email marker made unique for this post. */
export function withFreshMarkers(model: LeadModel): LeadModel {
  const fresh = (field: FieldValue): FieldValue =>
    typeof field.value === 'string' && field.value.includes(MARKER) ? { ...field, value: field.value.replace(MARKER, freshMarker()) } : field;
  return { ...model, canonical: model.canonical.map(fresh), duplicates: model.duplicates.map(fresh) };
}

/** A garbage body with its marker made unique for this post, and the email it names. */
export function garbageWithFreshMarker(garbage: GarbageRequest): GarbageRequest & { email: string } {
  const marker = freshMarker();
  const parts: Buffer[] = [];
  let rest = garbage.body ?? Buffer.alloc(0);
  for (let at = rest.indexOf(MARKER); at >= 0; at = rest.indexOf(MARKER)) {
    parts.push(rest.subarray(0, at), Buffer.from(marker));
    rest = rest.subarray(at + MARKER.length);
  }
  return { ...garbage, body: garbage.body && Buffer.concat([...parts, rest]), email: `${MARKER}@acme-corp.com` };
}

/** A canonical field's value; a damaged one breaks exactly one rule of the contract. */
export function canonicalValue(field: CanonicalField, damaged = false): fc.Arbitrary<FieldValue> {
  switch (field) {
    case 'email': return emailField(damaged);
    case 'phone': return phoneField(damaged);
    case 'consent': return consentField;
    case 'message': return textField('message', ['\0'], damaged);
    default: return textField(field, ['\r', '\n', '\r\n', '\0'], damaged);
  }
}

const extraName = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9 _-]{0,24}$/) },
  { weight: 2, arbitrary: fc.string({ unit: textUnit, minLength: 1, maxLength: 8 }) },
  { weight: 2, arbitrary: fc.constantFrom('__proto__', 'constructor', 'Constructor', 'CONSTRUCTOR', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'isPrototypeOf', 'Budget', 'How did you hear about us?', '預算', 'Größe') },
  { weight: 1, arbitrary: fc.integer({ min: 101, max: 400 }).map((length) => `q${'n'.repeat(length - 1)}`) },
).filter((name) => name.trim() !== '' && !isReservedName(name) && !/["\r\n\\]/.test(name));

/** An answer the lead model does not know: kept verbatim as an extra answer, or dropped when it names a prototype key. */
export function extraField(damaged = false): fc.Arbitrary<FieldValue> {
  const value = damaged
    ? fc.string({ unit: textUnit, maxLength: 40 }).map((text) => withBreakInside(text, '\0'))
    : fc.oneof(
      { weight: 8, arbitrary: fc.string({ unit: textUnit, maxLength: 40 }) },
      { weight: 1, arbitrary: fc.constantFrom<unknown>({ polluted: 'yes' }, { prototype: { polluted: 'yes' } }, [1, 'two', null], 42, true, { nested: { deep: ['x'] } }) },
    );
  const pollution = fc.constantFrom<[string, unknown]>(['__proto__', { polluted: 'yes' }], ['constructor', { prototype: { polluted: 'yes' } }], ['prototype', { polluted: 'yes' }]);
  const answer = fc.record({ name: extraName, value }).map(({ name, value: text }): [string, unknown] => [name, text]);
  return (damaged ? answer : fc.oneof({ weight: 9, arbitrary: answer }, { weight: 1, arbitrary: pollution }))
    .map(([name, text]) => ({ role: 'extra' as const, name, value: text, constructedValid: true }));
}

/** A whole submission: clean two times in three, otherwise with exactly one field breaking one rule. */
export const leadModel: fc.Arbitrary<LeadModel> = fc.record({
  optional: fc.uniqueArray(fc.constantFrom(...CANONICAL_FIELDS.filter((field) => field !== 'email')), { maxLength: CANONICAL_FIELDS.length - 1 }),
  extraCount: fc.nat({ max: 6 }),
  damagedSlot: fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.nat() }),
}).chain(({ optional, extraCount, damagedSlot }) => {
  const canonicalFields: CanonicalField[] = ['email', ...optional];
  const damaged = damagedSlot === undefined ? -1 : damagedSlot % (canonicalFields.length + extraCount);
  return fc.record({
    canonical: fc.tuple(...canonicalFields.map((field, slot) => canonicalValue(field, slot === damaged))),
    duplicates: fc.array(fc.constantFrom(...CANONICAL_FIELDS).chain((field) => canonicalValue(field)), { maxLength: 2 }),
    extras: fc.tuple(...Array.from({ length: extraCount }, (_, index) => extraField(canonicalFields.length + index === damaged))),
    honeypot: fc.option(fc.constantFrom('', 'http://spam.example', 'x'), { freq: 8, nil: undefined }),
    shuffleSeed: fc.nat(),
  });
});

// ---------------------------------------------------------------- encoding

export type Encoding = 'json' | 'urlencoded' | 'multipart' | 'hubspot';

export interface RequestShape {
  encoding: string;
  contentTypeVariant: number;
  boundary: string;
  padTo?: number;
}

/** Spellings of each supported content type: case, charset and other parameters do not change the kind. */
export function contentTypeFor(encoding: Encoding, variant: number, boundary: string): string {
  const spellings: Record<Encoding, string[]> = {
    json: ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/json;charset=UTF-8', 'application/vnd.api+json', 'application/json ; charset="utf-8"'],
    hubspot: ['application/json'],
    urlencoded: ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=UTF-8', 'APPLICATION/X-WWW-FORM-URLENCODED', 'application/x-www-form-urlencoded;charset=utf-8'],
    multipart: [`multipart/form-data; boundary="${boundary}"`, `multipart/form-data; charset=utf-8; boundary="${boundary}"`, `Multipart/Form-Data; boundary="${boundary}"`],
  };
  const options = spellings[encoding];
  return options[variant % options.length]!;
}

/** A string as a UTF-8 encoder sends it: lone surrogates become U+FFFD. JSON escapes them instead. */
const wellFormed = (text: string) => text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

export interface EncodedLead {
  body: Buffer;
  contentType: string;
  /** The fields as the server will decode them, in order. */
  submittedFields: FieldValue[];
}

const PAD_FIELD = 'padding';

/** The request body for a lead model, or undefined when the shape cannot carry it (e.g. a boundary inside a value). */
export function encodeLead(model: LeadModel, shape: RequestShape): EncodedLead | undefined {
  const encoding = shape.encoding as Encoding;
  const all = [...model.canonical, ...model.duplicates, ...model.extras];
  if (model.honeypot !== undefined) all.push({ role: 'honeypot', name: '_gotcha', value: model.honeypot, constructedValid: true });
  const ordered = seededShuffle(all, model.shuffleSeed);
  // Repeated names collapse in a JSON object; repetition is the hand corpus's business.
  const seen = new Set<string>();
  const unique = ordered.filter((field) => !seen.has(field.name) && seen.add(field.name));
  const submitted = unique
    .filter((field) => encoding === 'json' || typeof field.value !== 'object' || field.value === null)
    .map((field) => (encoding === 'json' || encoding === 'hubspot' ? field : { ...field, name: wellFormed(field.name), value: wellFormed(String(field.value)) }));

  const contentType = contentTypeFor(encoding, shape.contentTypeVariant, shape.boundary);
  const build = (fieldsToSend: FieldValue[]): Buffer | undefined => {
    switch (encoding) {
      case 'json':
        return Buffer.from(`{${fieldsToSend.map((field) => `${JSON.stringify(field.name)}:${JSON.stringify(field.value)}`).join(',')}}`);
      case 'hubspot':
        return Buffer.from(JSON.stringify({ fields: fieldsToSend.map((field) => ({ objectTypeId: '0-1', name: field.name, value: field.value })), submittedAt: '1517927174000' }));
      case 'urlencoded':
        return Buffer.from(new URLSearchParams(fieldsToSend.map((field): [string, string] => [field.name, String(field.value)])).toString());
      case 'multipart': {
        const delimiter = `--${shape.boundary}`;
        // Browsers never put control characters or more than busboy's 100 bytes into a part's name.
        if (fieldsToSend.some((field) => String(field.value).includes(delimiter) || Buffer.byteLength(field.name) > 100 || /[\x00-\x1f\x7f]/.test(field.name))) return undefined;
        const parts = fieldsToSend.map((field) => `${delimiter}\r\nContent-Disposition: form-data; name="${field.name}"\r\n\r\n${String(field.value)}\r\n`);
        return Buffer.from(`${parts.join('')}${delimiter}--\r\n`);
      }
    }
  };
  let body = build(submitted);
  if (!body) return undefined;
  if (shape.padTo !== undefined && shape.padTo > body.length) {
    const pad = (length: number): FieldValue => ({ role: 'extra', name: PAD_FIELD, value: 'p'.repeat(Math.max(1, length)), constructedValid: true });
    const overhead = build([...submitted, pad(1)])!.length - body.length - 1;
    const padded = [...submitted, pad(shape.padTo - body.length - overhead)];
    body = build(padded)!;
    return { body, contentType, submittedFields: padded };
  }
  return { body, contentType, submittedFields: submitted };
}

function seededShuffle<T>(items: T[], seed: number): T[] {
  const result = [...items];
  let state = seed || 1;
  for (let i = result.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const j = state % (i + 1);
    [result[i], result[j]] = [result[j]!, result[i]!];
  }
  return result;
}

// ---------------------------------------------------------------- oracle

export interface ExpectedOutcome {
  status: number;
  stored?: { contact: Record<string, string | boolean>; status: 'new' | 'spam'; answers: Record<string, string> };
}

export interface RequestFacts {
  formExists: boolean;
  originAllowed: boolean;
  bodyBytes: number;
  browserFormPost: boolean;
  /** A form tool's webhook: a contact value capture refuses (other than the email) is kept as an answer instead. */
  relayed: boolean;
}

/** What capture renames a relayed contact value it refuses to (see setAsideRefusedContactFields). */
const SET_ASIDE_SUFFIX = ' (as sent)';

/** How a decoder turns a JSON value into a field's text (JSON bodies carry numbers, booleans, arrays). */
function asText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((item) => (typeof item === 'object' && item !== null ? JSON.stringify(item) : String(item))).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Whether capture refuses `text` for a contact field. */
function problemIn(field: Exclude<CanonicalField, 'consent'>, text: string, constructedValid: boolean): boolean {
  // Limits count characters (code points): an emoji is one character, not two UTF-16 units.
  const tooLong = [...text].length > MAX_LENGTH[field];
  // Single-line fields refuse line breaks (U+2028/9 too), every other C0/C1 control but the tab and bidi overrides; an email also zero-width characters.
  const badCharacter = SINGLE_LINE.has(field) ? /[\0-\u0008\n-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u.test(text) || (field === 'email' && /[\u200b-\u200d\u2060\ufeff\ufffd]/u.test(text)) : text.includes('\0');
  return !constructedValid || tooLong || badCharacter;
}

/** What the capture contract says the API answers to these fields, and what it stores. */
export function expectedOutcome(fields: FieldValue[], facts: RequestFacts): ExpectedOutcome {
  if (!facts.formExists) return { status: 404 };
  if (!facts.originAllowed) return { status: 403 };
  if (facts.bodyBytes > MAX_BODY_BYTES) return { status: 413 };

  const chosen = new Map<CanonicalField, { text: string; constructedValid: boolean }>();
  const answers: Record<string, string> = {};
  let valid = true;
  let spam = false;
  for (const field of fields) {
    const raw = asText(field.value);
    if (raw === undefined || FORBIDDEN_KEYS.has(field.name)) continue;
    const text = raw.trim();
    if (field.role === 'honeypot') {
      spam ||= text !== '';
      continue;
    }
    if (text === '') continue;
    // A checkbox often follows a hidden input of the same name ("false" then "true"): the last consent counts.
    if (field.role === 'consent') {
      chosen.set('consent', { text, constructedValid: true });
      continue;
    }
    if (field.role !== 'extra' && !chosen.has(field.role)) {
      if (facts.relayed && field.role !== 'email' && !text.includes('\0') && problemIn(field.role, text, field.constructedValid)) {
        // Kept as an answer, and the role stays open for the next field of its kind.
        const setAsideName = `${field.name}${SET_ASIDE_SUFFIX}`;
        if (typeof field.value === 'string' && setAsideName.length <= 100) answers[setAsideName] = text.slice(0, 2000);
        continue;
      }
      chosen.set(field.role, { text, constructedValid: field.constructedValid });
      continue;
    }
    if (text.includes('\0')) {
      valid = false;
      continue;
    }
    // Only plain text answers under short names are compared: the rest are stored in a normalised form.
    if (field.name !== PAD_FIELD && typeof field.value === 'string' && field.name.length <= 100) answers[field.name] = text.slice(0, 2000);
  }

  const contact: Record<string, string | boolean> = {};
  if (!chosen.has('email')) valid = false;
  for (const [field, { text, constructedValid }] of chosen) {
    if (field === 'consent') {
      contact.consent = TRUTHY.has(text.toLowerCase());
      continue;
    }
    if (problemIn(field, text, constructedValid)) valid = false;
    if (field === 'email') {
      contact.email = text.toLowerCase();
      contact.emailDisplay = text;
    } else {
      contact[field] = text;
    }
  }
  if (!valid) return { status: 422 };
  return { status: facts.browserFormPost ? 303 : 201, stored: { contact, status: spam ? 'spam' : 'new', answers } };
}

// ---------------------------------------------------------------- garbage

const INVALID_UTF8 = [
  [0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xff], [0xfe], [0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80],
].map((bytes) => Buffer.from(bytes));

const anyContentType = fc.constantFrom<string | undefined>(
  undefined, '', 'text/plain', 'text/html', 'application/xml', 'application/octet-stream', 'multipart/mixed; boundary=x', 'application/jsonp',
  'application/json', 'application/json; charset=iso-8859-1', 'application/x-www-form-urlencoded', 'multipart/form-data',
  'multipart/form-data; boundary=', 'multipart/form-data; boundary="unterminated', 'multipart/form-data; boundary=abc', ';;;', 'application/json;;;', '*/*', 'x',
);

export interface GarbageRequest {
  body: Buffer | undefined;
  contentType: string | undefined;
}

const leadJson = () => JSON.stringify({ email: `${MARKER}@acme-corp.com`, firstName: 'Zoë', company: 'Acme', message: 'Hello\nworld' });
const leadForm = () => new URLSearchParams({ email: `${MARKER}@acme-corp.com`, first_name: 'Zoë', company: 'Acme' }).toString();

function insertAt(text: Buffer, position: number, inserted: Buffer): Buffer {
  const at = position % (text.length + 1);
  return Buffer.concat([text.subarray(0, at), inserted, text.subarray(at)]);
}

/** Requests no well-behaved client sends. Only safety can be asserted about them. */
export const garbageRequest: fc.Arbitrary<GarbageRequest> = fc.oneof(
  fc.record({ body: fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes)), contentType: anyContentType }),
  fc.record({ body: fc.jsonValue({ maxDepth: 3 }).map((value) => Buffer.from(JSON.stringify(value) ?? 'null')), contentType: fc.constant('application/json') }),
  fc.record({ position: fc.nat(), bad: fc.constantFrom(...INVALID_UTF8), json: fc.boolean() }).map(({ position, bad, json }) => ({
    body: insertAt(Buffer.from(json ? leadJson() : leadForm()), position, bad),
    contentType: json ? 'application/json' : 'application/x-www-form-urlencoded',
  })),
  fc.record({ cut: fc.nat(), json: fc.boolean() }).map(({ cut, json }) => {
    const full = json ? leadJson() : leadForm();
    return { body: Buffer.from(full.slice(0, cut % full.length)), contentType: json ? 'application/json' : 'application/x-www-form-urlencoded' };
  }),
  fc.record({ position: fc.nat(), inserted: fc.constantFrom('\0', '\r\n', '%', '%zz', '%FF%FE', '%C0%80', '%00', '&&&', '=', '\uFEFF', '"', '}', '{"a":') }).map(({ position, inserted }) => ({
    body: insertAt(Buffer.from(leadJson()), position, Buffer.from(inserted)),
    contentType: 'application/json',
  })),
  fc.record({ position: fc.nat(), inserted: fc.constantFrom('%', '%zz', '%FF%FE', '%C0%80', '%00', '%0D%0A', '&&&', '==', '+') }).map(({ position, inserted }) => ({
    body: insertAt(Buffer.from(leadForm()), position, Buffer.from(inserted)),
    contentType: 'application/x-www-form-urlencoded',
  })),
  fc.record({ variant: fc.nat({ max: 6 }), boundary: fc.stringMatching(/^[a-zA-Z0-9]{1,70}$/) }).map(({ variant, boundary }) => {
    const part = (name: string, value: string, extra = '') => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${extra}\r\n\r\n${value}\r\n`;
    const email = part('email', `${MARKER}@acme-corp.com`);
    const bodies = [
      `${email}--${boundary}--\r\n`,
      `${email}${part('cv', '%PDF-1.4 binary', '; filename="cv.pdf"')}--${boundary}--\r\n`,
      email,
      `--${boundary}\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--${boundary}--\r\n`,
      `--${boundary}\r\n\r\n\r\n--${boundary}--`,
      `garbage before${email}--${boundary}--`,
      `${email}--${boundary}--\r\n`,
    ];
    const contentTypes = [`multipart/form-data; boundary=${boundary}`, `multipart/form-data; boundary=${boundary}`, `multipart/form-data; boundary=${boundary}`, `multipart/form-data; boundary=${boundary}`, `multipart/form-data; boundary=${boundary}`, `multipart/form-data; boundary=${boundary}`, 'multipart/form-data'];
    return { body: Buffer.from(bodies[variant]!), contentType: contentTypes[variant] };
  }),
  fc.record({ length: fc.constantFrom(0, 1, MAX_BODY_BYTES - 1, MAX_BODY_BYTES, MAX_BODY_BYTES + 1, 200_000), contentType: anyContentType }).map(({ length, contentType }) => ({
    body: length === 0 ? undefined : Buffer.alloc(length, 'a'),
    contentType,
  })),
);
