/**
 * Header injection against the mailer: whatever reaches a header value (subject, Reply-To, the idempotency key,
 * the sender's display name), the composed message carries exactly the headers the mailer means to send.
 */
import type { SESClient } from '@aws-sdk/client-ses';
import { describe, expect, it } from 'vitest';
import { SesMailer, type OutgoingEmail } from '../../shared/adapters/mailer.ts';

const INJECTIONS = [
  '\r\nBcc: attacker@evil.example',
  '\nBcc: attacker@evil.example',
  '\rBcc: attacker@evil.example',
  '\r\n\r\n<html>injected body</html>',
  '%0d%0aBcc: attacker@evil.example',
  '\u2028Bcc: attacker@evil.example',
  '\u0085Bcc: attacker@evil.example',
  '\r\n X-Folded: continuation',
  '\r\nContent-Type: text/html',
  '\0\r\nX-Evil: 1',
  '=?utf-8?Q?=0D=0ABcc:_attacker@evil.example?=',
];

const EXPECTED_HEADERS = new Set(['from', 'to', 'reply-to', 'subject', 'x-handoff-key', 'message-id', 'date', 'mime-version', 'content-type']);

/** Records the raw MIME the mailer hands to SES instead of sending it. */
function capturingMailer(senderName = 'Northwind · Handoff') {
  const messages: string[] = [];
  const client = {
    send: async (command: { input: { RawMessage: { Data: Uint8Array } } }) => {
      messages.push(Buffer.from(command.input.RawMessage.Data).toString('utf8'));
      return { MessageId: `m${messages.length}` };
    },
  } as unknown as SESClient;
  return { mailer: new SesMailer(client, { sender: 'leads@northwind.example', senderName }), messages };
}

function topLevelHeaders(raw: string): Array<[string, string]> {
  const head = raw.split(/\r\n\r\n/)[0]!;
  return head.replace(/\r\n[ \t]+/g, ' ').split('\r\n').map((line) => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()] as [string, string];
  });
}

const email = (injection: string): OutgoingEmail => ({
  to: ['ana.silva@northwind.example'],
  replyTo: `jane@acme.example${injection}`,
  subject: `New lead: Jane${injection} (Acme)`,
  html: `<p>${injection}</p>`,
  text: injection,
  idempotencyKey: `alert:ld_1${injection}`,
});

describe('email header injection', () => {
  it.each(INJECTIONS)('adds no header for %j in any header value', async (injection) => {
    const { mailer, messages } = capturingMailer(`Northwind${injection}`);
    await mailer.send(email(injection));
    const headers = topLevelHeaders(messages[0]!);
    expect(headers.map(([name]) => name).filter((name) => !EXPECTED_HEADERS.has(name))).toEqual([]);
    expect(headers.filter(([name]) => name === 'to').map(([, value]) => value)).toEqual(['ana.silva@northwind.example']);
    for (const [, value] of headers) expect(value).not.toMatch(/[\r\n\0]/);
    // The text part may say "Bcc: …" as text; the header block must not.
    expect(messages[0]!.split('\r\n\r\n')[0]).not.toMatch(/^bcc:/im);
  });
});
