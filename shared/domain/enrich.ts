/**
 * Enrichment without network calls: names, email domain class, company, phone, country and
 * source attribution (attribution.ts), all derived from the submission, the form config and two maintained lists.
 */
import { domainToUnicode } from 'node:url';
import freeMailList from 'email-providers/all.json' with { type: 'json' };
import disposableList from 'disposable-email-domains/index.json' with { type: 'json' };
import type { FormConfig } from '../config/schema.ts';
import { contactLine, type Enrichment, type Submission } from './lead.ts';
import { attributeSource, cleanSpaces } from './attribution.ts';
import { parsePhone } from './phone.ts';

// Loaded once per cold start: ~8.8k free-mail and ~122k disposable domains (~2.6 MB of JSON).
const FREE_MAIL_DOMAINS: ReadonlySet<string> = new Set(freeMailList);
const DISPOSABLE_DOMAINS: ReadonlySet<string> = new Set(disposableList);

export function enrichSubmission(submission: Submission, form: FormConfig): Enrichment {
  const { contact, tracking } = submission;
  // A phone-only lead (an event form may take one) has no domain: no company, free-mail or disposable verdict from it.
  const emailDomain = contact.email ? emailDomainOf(contact.email) : '';
  const isDisposable = matchesDomainList(emailDomain, DISPOSABLE_DOMAINS);
  const isFreeMail = !isDisposable && matchesDomainList(emailDomain, FREE_MAIL_DOMAINS);

  const formCountry = contact.country ? countryCodeFrom(contact.country) : undefined;
  const viewerCountry = countryCodeFrom(tracking.viewerCountry ?? '');
  const phoneHints = [formCountry, viewerCountry, phoneHintOfDomain(emailDomain), form.event?.country];
  const phone = contact.phone ? parsePhone(contact.phone, phoneHints) : undefined;
  const phoneCountry = phone?.country;

  const company = cleanSpaces(contact.company ?? '');
  const guessedCompany = isFreeMail || isDisposable ? undefined : companyNameFromDomain(emailDomain);

  const enrichment: Enrichment = {
    displayName: displayNameOf(contact),
    emailDomain,
    isFreeMail,
    isDisposable,
    source: attributeSource(submission, form),
  };
  if (company) {
    enrichment.companyName = company;
    enrichment.companySource = 'form';
  } else if (guessedCompany) {
    enrichment.companyName = guessedCompany;
    enrichment.companySource = 'domain';
  }
  if (phone) enrichment.phoneE164 = phone.number;
  if (formCountry) {
    enrichment.country = formCountry;
    enrichment.countrySource = 'form';
  } else if (phoneCountry) {
    enrichment.country = phoneCountry;
    enrichment.countrySource = 'phone';
  } else if (viewerCountry) {
    enrichment.country = viewerCountry;
    enrichment.countrySource = 'viewer';
  }
  return enrichment;
}

// ---------------------------------------------------------------- names

const NAME_PARTICLES = new Set([
  'van', 'von', 'der', 'den', 'de', 'del', 'della', 'di', 'da', 'das', 'dos', 'do', 'du', 'la', 'le', 'ten', 'ter', 'zu', 'y', 'e', 'bin', 'al',
]);

function displayNameOf(contact: Submission['contact']): string {
  // Each field is cased on its own: "josé" + "MÜLLER" are two all-one-case names, not one mixed-case name.
  const typed = [contact.firstName, contact.lastName].map((part) => caseName(part ?? '')).filter(Boolean).join(' ') || caseName(contact.name ?? '');
  if (typed) return typed;
  const address = contact.emailDisplay || contact.email;
  return address ? nameFromEmail(address) : contactLine(contact);
}

/**
 * Recase only names typed all upper or all lower case: a mixed-case name ("McDonald",
 * "van der Berg", "DeShawn") is how the person writes it. Scripts without case (CJK, Arabic)
 * have no cased letters and pass through untouched.
 */
export function caseName(name: string): string {
  const cleaned = cleanSpaces(name);
  const hasUpper = /\p{Lu}/u.test(cleaned);
  const hasLower = /\p{Ll}/u.test(cleaned);
  if (hasUpper && hasLower) return cleaned;
  if (!hasUpper && !hasLower) return cleaned;
  return cleaned
    .split(' ')
    .map((word, index) => {
      const lower = word.toLocaleLowerCase();
      if (index > 0 && NAME_PARTICLES.has(lower)) return lower;
      return lower.replace(/(^|[-'’])(\p{Ll})/gu, (_, separator: string, letter: string) => separator + letter.toLocaleUpperCase()).replace(/^Mc(\p{Ll})/u, (_, letter: string) => 'Mc' + letter.toLocaleUpperCase());
    })
    .join(' ');
}

/**
 * A name guessed from the address ("jane.doe@" → Jane Doe), or the address itself when the mailbox names no person:
 * initials ("jd@" would read as a name "Jd"), or a role or placeholder ("info@", "noname@"). The address tells two
 * such leads apart; a made-up name would not.
 */
function nameFromEmail(email: string): string {
  const localPart = (email.split('@')[0] ?? '').split('+')[0] ?? '';
  const words = localPart.split(/[._-]+/).map((word) => word.replace(/\d+/g, '').toLowerCase()).filter(Boolean);
  const namesSomeone = words.some((word) => word.length >= 3) && !words.some((word) => NOT_A_PERSON.has(word));
  return namesSomeone ? caseName(words.join(' ')) : email;
}

const NOT_A_PERSON = new Set([
  'info', 'sales', 'contact', 'kontakt', 'admin', 'office', 'hello', 'hallo', 'team', 'support', 'marketing', 'noreply', 'mail',
  'email', 'test', 'noname', 'anonymous', 'user', 'webmaster', 'service', 'enquiries', 'inquiries', 'booking', 'events', 'hr', 'jobs',
]);

// ---------------------------------------------------------------- email and company

function emailDomainOf(email: string): string {
  const at = email.lastIndexOf('@');
  return email.slice(at + 1).trim().toLowerCase().replace(/\.$/, '');
}

/** True when the domain or any parent domain (mail.mailinator.com → mailinator.com) is listed. */
function matchesDomainList(domain: string, list: ReadonlySet<string>): boolean {
  const labels = domain.split('.');
  for (let start = 0; start < labels.length - 1; start++) {
    if (list.has(labels.slice(start).join('.'))) return true;
  }
  return false;
}

// Second-level labels under which ccTLDs register names: acme.co.uk, acme.com.br, acme.com.au, acme.co.jp.
const SECOND_LEVEL_LABELS = new Set(['co', 'com', 'net', 'org', 'gov', 'edu', 'ac', 'ltd', 'plc', 'me', 'or', 'ne', 'go', 'gen', 'firm', 'biz', 'info']);

/** The registrable part of a domain: sales.acme.co.uk → acme.co.uk. */
function registrableDomain(domain: string): string {
  const labels = domain.split('.');
  const tld = labels.at(-1) ?? '';
  const secondLevel = labels.at(-2) ?? '';
  const takes = tld.length === 2 && SECOND_LEVEL_LABELS.has(secondLevel) && labels.length >= 3 ? 3 : 2;
  return labels.slice(-takes).join('.');
}

/** "acme-corp.co.uk" → "Acme Corp"; "ibm.com" → "IBM"; "xn--mller-kva.de" → "Müller". */
export function companyNameFromDomain(domain: string): string | undefined {
  if (!domain.includes('.')) return undefined;
  const name = domainToUnicode(registrableDomain(domain)).split('.')[0] ?? '';
  const words = name.split(/[-_]+/).filter(Boolean);
  if (!words.length) return undefined;
  if (words.length === 1 && /^\p{L}{2,3}$/u.test(name)) return name.toLocaleUpperCase();
  return words.map((word) => LEGAL_FORMS.get(word) ?? word.charAt(0).toLocaleUpperCase() + word.slice(1)).join(' ');
}

/** Company legal forms as companies write them: "acme-gmbh.de" is Acme GmbH, not Acme Gmbh. */
const LEGAL_FORMS = new Map(['GmbH', 'AG', 'KG', 'KGaA', 'SE', 'UG', 'OHG', 'LLC', 'LLP', 'Inc', 'Ltd', 'PLC', 'BV', 'NV', 'SA', 'SAS', 'SARL', 'SpA', 'Srl', 'AB', 'ApS', 'AS', 'Oy', 'SL'].map((form) => [form.toLowerCase(), form]));

// ---------------------------------------------------------------- phone

/**
 * The country a company address's domain suggests, only to read a national phone number when nothing better says
 * where the person is ("0171 1234567" with an address at a .de domain). Never the lead's country. ccTLDs sold for
 * their letters (.io, .ai, .co, …) say nothing about where a company is.
 */
function phoneHintOfDomain(emailDomain: string): string | undefined {
  const tld = emailDomain.split('.').at(-1) ?? '';
  return tld.length === 2 && !VANITY_CCTLDS.has(tld) ? countryCodeFrom(tld) : undefined;
}

const VANITY_CCTLDS = new Set(['ai', 'cc', 'co', 'fm', 'gg', 'im', 'io', 'la', 'ly', 'me', 'ms', 'nu', 'sh', 'so', 'st', 'to', 'tv', 'vc', 'ws']);

// ---------------------------------------------------------------- country

// ICU also names groupings, reserved codes and retired codes (DD → "Germany", SU → "Russia");
// none of them is a current ISO 3166 country.
const NOT_COUNTRIES = new Set([
  'EU', 'EZ', 'UN', 'QO', 'ZZ', 'AC', 'CP', 'CQ', 'DG', 'EA', 'IC', 'TA',
  'AN', 'BU', 'CS', 'DD', 'DY', 'FX', 'HV', 'NH', 'RH', 'SU', 'TP', 'UK', 'VD', 'YD', 'YU', 'ZR',
]);
const COUNTRY_ALIASES: Record<string, string> = {
  uk: 'GB', usa: 'US', us: 'US', america: 'US', 'united states of america': 'US', england: 'GB', scotland: 'GB', wales: 'GB',
  'great britain': 'GB', britain: 'GB', holland: 'NL', 'the netherlands': 'NL', 'south korea': 'KR', korea: 'KR', russia: 'RU', uae: 'AE',
};
const NAME_LOCALES = ['en', 'de', 'fr', 'es', 'pt', 'it', 'nl'];

const regionNames = new Intl.DisplayNames('en', { type: 'region', fallback: 'none' });
let countryByName: Map<string, string> | undefined;

function normaliseCountryName(name: string): string {
  return name.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^\p{L}\s]/gu, ' ').replace(/\s+/g, ' ').trim();
}

function isCountryCode(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && !NOT_COUNTRIES.has(code) && !(code.startsWith('X') && code !== 'XK') && regionNames.of(code) !== undefined;
}

/** Built on first use: every ISO-2 code's name in a few European languages, reversed. */
function countryNameIndex(): Map<string, string> {
  if (countryByName) return countryByName;
  const index = new Map<string, string>(Object.entries(COUNTRY_ALIASES));
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  for (const first of letters) {
    for (const second of letters) {
      const code = first + second;
      if (!isCountryCode(code)) continue;
      for (const locale of NAME_LOCALES) {
        const name = new Intl.DisplayNames(locale, { type: 'region', fallback: 'none' }).of(code);
        if (name && !index.has(normaliseCountryName(name))) index.set(normaliseCountryName(name), code);
      }
    }
  }
  countryByName = index;
  return index;
}

/** "de", "DE", "Germany", "Deutschland", "UK" → ISO 3166 alpha-2; anything else → undefined. */
export function countryCodeFrom(value: string): string | undefined {
  const cleaned = cleanSpaces(value);
  if (!cleaned) return undefined;
  const upper = cleaned.toUpperCase();
  if (upper === 'UK') return 'GB';
  if (isCountryCode(upper)) return upper;
  return countryNameIndex().get(normaliseCountryName(cleaned));
}
