/**
 * What capture, the store and the person rules need to know about a typed phone number, without libphonenumber
 * (phone.ts), which the capture bundle must not load: its digits, its extension, whether it can be dialled, and
 * whether two typed numbers reach one line.
 */

/** Fewer digits than this is not a phone number anywhere: the shortest national numbers have 7. */
export const MIN_PHONE_DIGITS = 7;

/** An extension as capture accepts one at the end of a number: "ext 12", "ext. 12", "x12", "#12". */
export const PHONE_EXTENSION = /\s*(?:ext|x|#)\.?\s*(\d+)\s*$/i;

/** The digits of a typed number, without its extension ("+49 (30) 1234567 ext. 12" → "49301234567"). */
export function phoneDigits(phone: string): string {
  return phone.replace(PHONE_EXTENSION, '').replace(/\D/g, '');
}

/** Whether a typed number has enough digits to be dialled somewhere. */
export function isDialable(phone: string | undefined): phone is string {
  return phone !== undefined && phoneDigits(phone).length >= MIN_PHONE_DIGITS;
}

/**
 * The number a rep can dial: E.164 when the country was known, else the digits as typed. A national number
 * without a country ("030 1234567" on a booth form with no country field) still reaches a rep in that country.
 */
export function dialableNumber(phone: string | undefined, phoneE164: string | undefined): string | undefined {
  if (phoneE164) return phoneE164;
  return isDialable(phone) ? phone.replace(PHONE_EXTENSION, '').replace(/[^\d+]/g, '') : undefined;
}

/**
 * Whether two typed numbers reach one line: the same digits once trunk and international prefixes and extensions
 * are set aside ("030 1234567", "+49 30 1234567" and "0049 30 1234567 ext. 12" are one).
 */
export function samePhoneLine(a: string, b: string): boolean {
  const digitsOf = (phone: string) => (dialableNumber(phone, undefined) ?? phone).replace(/\D/g, '').replace(/^0+/, '');
  const [x, y] = [digitsOf(a), digitsOf(b)];
  const [shorter, longer] = x.length <= y.length ? [x, y] : [y, x];
  if (shorter === longer) return shorter !== '';
  return shorter.length >= MIN_PHONE_DIGITS && longer.endsWith(shorter);
}
