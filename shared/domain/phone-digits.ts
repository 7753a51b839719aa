/**
 * What capture and the store need to know about a typed phone number, without libphonenumber (phone.ts), which
 * the capture bundle must not load: its digits, its extension, and whether it is long enough to dial.
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
