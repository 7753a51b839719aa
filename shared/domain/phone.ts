/**
 * A lead's phone number as reps use it: something to dial and something to read. Kept apart from enrich.ts, whose
 * domain lists (2 MB) a renderer must not load just to show a number.
 */
import { parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/min';
import { cleanSpaces } from './attribution.ts';
import { dialableNumber, PHONE_EXTENSION } from './phone-digits.ts';

/**
 * The phone as a rep reads it (international format when enrichment read it as E.164, else as typed) and dials it.
 * E.164 has no extension, so one typed is added back: without it a rep calls the switchboard. A phone dials it
 * after the pause a comma makes in a `tel:` link.
 */
export function phoneForRep(phone: string, phoneE164: string | undefined): { readable: string; dialable?: string } {
  const extension = PHONE_EXTENSION.exec(phone)?.[1];
  const readable = phoneE164 ? `${parsePhoneNumberFromString(phoneE164)?.formatInternational() ?? phoneE164}${extension ? ` ext. ${extension}` : ''}` : phone;
  const dialable = dialableNumber(phone, phoneE164);
  return dialable ? { readable, dialable: extension ? `${dialable},${extension}` : dialable } : { readable };
}

/**
 * A typed number read as a phone number: international when it says so ("+49 …", "0049 …"), else as a national
 * number of the first of `countries` it is valid in (or, failing that, possible in). Undefined when it is no number.
 */
export function parsePhone(raw: string, countries: Array<string | undefined>): PhoneNumber | undefined {
  const typed = cleanSpaces(raw).replace(/^00\s*/, '+');
  const attempts: PhoneNumber[] = [];
  const tryParse = (text: string, defaultCountry?: string) => {
    const parsed = parsePhoneNumberFromString(text, defaultCountry ? { defaultCountry: defaultCountry as CountryCode } : {});
    if (parsed?.isPossible()) attempts.push(parsed);
  };
  if (typed.startsWith('+')) tryParse(typed);
  else {
    for (const country of new Set(countries)) if (country) tryParse(typed, country);
    if (/^\d{8,15}$/.test(typed.replace(/[\s().-]/g, ''))) tryParse('+' + typed.replace(/[\s().-]/g, ''));
  }
  return attempts.find((number) => number.isValid()) ?? attempts[0];
}
