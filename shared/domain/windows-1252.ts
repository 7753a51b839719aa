/**
 * Windows-1252 is what Excel on Windows saves as "CSV" and what a web page in a western legacy charset posts. It is
 * Latin-1 but for 0x80–0x9F, where it has € ‚ „ … “ ” – — ™ Š Ž š ž Œ œ Ÿ and the like (WHATWG index; the five
 * bytes it leaves undefined stay C1 controls). Not `TextDecoder('windows-1252')`: since Node 20.18.3 and 22.13 it
 * decodes those bytes as Latin-1 (nodejs/node#60888), so "Müller – Söhne" would lose its dash to an invisible
 * control character.
 */
const WINDOWS_1252_0X80_TO_0X9F = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ';

export function decodeWindows1252(bytes: Buffer): string {
  return windows1252FromLatin1(bytes.toString('latin1'));
}

/** The Windows-1252 reading of text that was decoded as Latin-1, as busboy decodes a part in either charset. */
export function windows1252FromLatin1(text: string): string {
  return text.replace(/[\u0080-\u009f]/g, (control) => WINDOWS_1252_0X80_TO_0X9F[control.charCodeAt(0) - 0x80]!);
}
