/**
 * Escaping and the shared email layout. Every renderer builds markup with the `html` tag,
 * so an interpolated value is escaped unless it is itself a fragment the tag produced.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/** Markup that is already safe because the `html` tag (or a helper here) produced it. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | null | undefined | false | readonly HtmlValue[];

function renderValue(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(renderValue).join('');
  return escapeHtml(String(value));
}

/** Tagged template: interpolated values are escaped, nested `html` fragments are kept as markup. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += renderValue(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(out);
}

/**
 * Escaped text that may wrap after each dot: a host name like news.ycombinator.com breaks between its labels
 * on a narrow screen instead of in the middle of one.
 */
export function breakableAfterDots(text: string): SafeHtml {
  return new SafeHtml(text.split('.').map(escapeHtml).join('.<wbr>'));
}

/** Escaped text whose line breaks survive in HTML. */
export function multilineHtml(text: string): SafeHtml {
  return new SafeHtml(text.split(/\r\n|\r|\n/).map(escapeHtml).join('<br>'));
}

/**
 * A value safe to put in an email header: CR, LF and NUL would let submitted text start a
 * new header (header injection), so they (and tabs) become spaces; other control characters go too.
 */
export function headerSafe(value: string, maxLength = 200): string {
  const flattened = value
    .replace(/[\r\n\0\t]+/g, ' ')
    .replace(/[\u0001-\u001f\u007f]/g, '')
    // An unclosed bidi override would turn the rest of the header around in the reader's mail client.
    .replace(/[\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return truncateText(flattened, maxLength);
}

/** Error messages are written lower-case and unpunctuated for API answers; a page shows them as a sentence. */
export function asSentence(message: string): string {
  const trimmed = message.trim();
  return `${trimmed.charAt(0).toUpperCase()}${trimmed.slice(1)}${/[.!?]$/.test(trimmed) ? '' : '.'}`;
}

/** ASCII letters, digits and underscores, and no capital right after another: camelCase or snake_case. */
const MACHINE_NAME = /^(?!.*[A-Z]{2})[A-Za-z][A-Za-z0-9_]*$/;

/**
 * A field name as a person reads it. A machine name (see MACHINE_NAME) is split into lower-case words:
 * "team_size" / "teamSize" → "Team size". Any other name was written by a person, with a space, punctuation
 * such as '-', '.' or '(', a non-ASCII letter or an acronym ("Scan-Zeit", "Umsatz (Mio €)", "CRM"), and keeps
 * their casing. Either way the first letter is raised.
 */
export function humaniseFieldName(key: string): string {
  const name = key.trim();
  const words = MACHINE_NAME.test(name) ? name.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/_+/g, ' ').trim().toLowerCase() : name;
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Cuts on code points, not UTF-16 units, so an emoji or accented letter is never split in half. */
export function truncateText(value: string, maxLength: number): string {
  const chars = Array.from(value);
  if (chars.length <= maxLength) return value;
  return chars.slice(0, Math.max(0, maxLength - 1)).join('').trimEnd() + '…';
}

/** Only the @ stays as it is: an address is typed by a stranger, and a raw ? or & would add headers to the mail. */
export function mailtoHref(address: string): string {
  return `mailto:${encodeURIComponent(address).replace('%40', '@')}`;
}

/** Neutral colours shared by every Handoff email, so alerts and reports look like one product. */
export const emailColours = {
  page: '#f3f4f6',
  card: '#ffffff',
  border: '#e5e7eb',
  text: '#111827',
  muted: '#6b7280',
  brand: '#1d4ed8',
  brandSoft: '#eff6ff',
  success: '#047857',
  warning: '#b45309',
  warningSoft: '#fffbeb',
  danger: '#b91c1c',
  dangerSoft: '#fef2f2',
  neutral: '#4b5563',
} as const;

const FONT_STACK = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";

export interface EmailLayout {
  /** The document title; some clients show it. */
  title: string;
  /** The hidden line inbox lists show after the subject. */
  preheader: string;
  /** The organisation, shown in the top bar. */
  organisation: string;
  body: SafeHtml;
  footer: SafeHtml;
}

/**
 * A table-based, inline-styled, 600px layout: Outlook and Gmail ignore <style> blocks,
 * flexbox and max-width on divs, but all of them honour tables and inline styles.
 */
export function renderEmailLayout(layout: EmailLayout): string {
  const c = emailColours;
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<title>${layout.title}</title>
</head>
<body style="margin:0;padding:0;background:${c.page};-webkit-text-size-adjust:100%;">
<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">${layout.preheader}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:${c.page};">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;border-collapse:separate;">
<tr><td style="padding:0 4px 12px 4px;font-family:${FONT_STACK};font-size:13px;font-weight:600;letter-spacing:0.04em;text-transform:uppercase;color:${c.muted};">${layout.organisation} · Handoff</td></tr>
<tr><td style="background:${c.card};border:1px solid ${c.border};border-radius:8px;padding:0;font-family:${FONT_STACK};font-size:15px;line-height:1.5;color:${c.text};">
${layout.body}
</td></tr>
<tr><td style="padding:16px 4px;font-family:${FONT_STACK};font-size:12px;line-height:1.5;color:${c.muted};">${layout.footer}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>`.value;
}

/** A titled block inside the card; `first` drops the divider above it. */
export function emailSection(title: string, content: SafeHtml, options: { first?: boolean } = {}): SafeHtml {
  const c = emailColours;
  const divider = options.first ? '' : `border-top:1px solid ${c.border};`;
  return html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td style="${divider}padding:20px 24px;">
<div style="font-size:12px;font-weight:700;letter-spacing:0.06em;text-transform:uppercase;color:${c.muted};padding-bottom:8px;">${title}</div>
${content}
</td></tr></table>`;
}

/**
 * Label/value rows; values are already-safe fragments so callers can pass links. The label column is a share of the
 * width, not a fixed 140 px: on a 375 px phone that left the values under half the row, and a form name or an
 * address wrapped into three lines. On the 600 px layout 28% is about as wide as before.
 */
export function emailDetails(rows: ReadonlyArray<readonly [label: string, value: SafeHtml | string]>): SafeHtml {
  const c = emailColours;
  return html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="font-size:14px;">
${rows.map(
  ([label, value]) =>
    html`<tr><td valign="top" width="28%" style="width:28%;padding:4px 12px 4px 0;color:${c.muted};">${label}</td><td valign="top" style="padding:4px 0;color:${c.text};word-break:break-word;">${value}</td></tr>`,
)}
</table>`;
}

export type ButtonTone = 'primary' | 'success' | 'neutral' | 'outline';

/**
 * A "bulletproof" button, one of two in a table row: a cell with a background, which every client renders. The cell is the
 * button itself, so the two share the row's height even when one label wraps on a phone.
 */
export function emailButtonCell(href: string, label: string, tone: ButtonTone): SafeHtml {
  const c = emailColours;
  const background = { primary: c.brand, success: c.success, neutral: c.neutral, outline: c.card }[tone];
  const colour = tone === 'outline' ? c.text : '#ffffff';
  const border = tone === 'outline' ? c.muted : background;
  return html`<td width="50%" align="center" valign="middle" bgcolor="${background}" style="width:50%;background:${background};border:1px solid ${border};border-radius:6px;">
<a href="${href}" target="_blank" style="display:block;padding:12px 10px;font-family:${FONT_STACK};font-size:15px;font-weight:600;line-height:1.2;color:${colour};text-decoration:none;">${label}</a>
</td>`;
}
