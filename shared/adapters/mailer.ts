import { SendRawEmailCommand, type SESClient } from '@aws-sdk/client-ses';
import MailComposer from 'nodemailer/lib/mail-composer';
import { headerSafe } from '../domain/render/html.ts';

export interface OutgoingEmail {
  to: string[];
  cc?: string[];
  /** The lead's address on an owner alert, so "Reply" writes to the lead. */
  replyTo?: string;
  subject: string;
  html: string;
  text: string;
  attachments?: Array<{ filename: string; content: string; contentType: string }>;
  /** Stable per logical email (e.g. "alert:<leadId>"); sent as a header so duplicates can be spotted downstream. */
  idempotencyKey: string;
}

export interface Mailer {
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
}

/**
 * Sends through SES as raw MIME, because reports carry a CSV attachment. The From header is only ever the
 * configured sender: submitted text never reaches it. Every header value is stripped of CR and LF.
 */
export class SesMailer implements Mailer {
  constructor(
    private readonly client: SESClient,
    private readonly options: { sender: string; senderName: string; configurationSet?: string },
  ) {}

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    const composer = new MailComposer({
      from: { name: headerSafe(this.options.senderName), address: this.options.sender },
      to: email.to.map((address) => headerSafe(address)),
      cc: email.cc?.map((address) => headerSafe(address)),
      replyTo: email.replyTo ? headerSafe(email.replyTo) : undefined,
      subject: headerSafe(email.subject, 250),
      html: email.html,
      text: email.text,
      attachments: email.attachments,
      headers: { 'X-Handoff-Key': headerSafe(email.idempotencyKey) },
    });
    const raw = await composer.compile().build();
    const result = await this.client.send(new SendRawEmailCommand({
      Source: this.options.sender,
      Destinations: [...email.to, ...(email.cc ?? [])],
      RawMessage: { Data: raw },
      ConfigurationSetName: this.options.configurationSet,
    }));
    return { messageId: result.MessageId ?? '' };
  }
}
