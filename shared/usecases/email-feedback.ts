import * as z from 'zod/mini';
import type { Config } from '../config/schema.ts';
import type { AlertState } from '../domain/lead.ts';
import type { EmailHealthStore, FeedbackMark } from '../adapters/lead-store/email-health.ts';
import { countAlert } from '../adapters/metrics.ts';

/**
 * The parts of an SES event-publishing record (configuration set → SNS) that Handoff reads. Other event types
 * share the envelope; unknown fields are ignored, so SES adding fields never breaks the handler.
 */
const recipient = z.object({ emailAddress: z.string() });
const sesEvent = z.object({
  eventType: z.string(),
  mail: z.object({
    messageId: z.string(),
    destination: z.array(z.string()),
    headers: z.optional(z.array(z.object({ name: z.string(), value: z.string() }))),
  }),
  bounce: z.optional(z.object({
    bounceType: z.string(),
    bounceSubType: z.optional(z.string()),
    bouncedRecipients: z.array(recipient),
    timestamp: z.string(),
    feedbackId: z.string(),
  })),
  complaint: z.optional(z.object({
    complainedRecipients: z.array(recipient),
    timestamp: z.string(),
    feedbackId: z.string(),
    complaintFeedbackType: z.optional(z.nullable(z.string())),
  })),
});
export type SesEvent = z.infer<typeof sesEvent>;

/** An SNS message that is not an SES event record: a human must look, so it fails the invocation. */
export class MalformedSesEventError extends Error {
  override readonly name = 'MalformedSesEventError';
}

/** Reads an SNS message body as an SES event record; the error names the bad fields, never their values. */
export function parseSesEvent(message: string): SesEvent {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    throw new MalformedSesEventError('the SNS message is not JSON');
  }
  const parsed = sesEvent.safeParse(json);
  if (!parsed.success) {
    const paths = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(root)'))];
    throw new MalformedSesEventError(`the SNS message is not an SES event record (${paths.join(', ')})`);
  }
  return parsed.data;
}

export interface EmailFeedbackDependencies {
  config: Config;
  emailHealth: Pick<EmailHealthStore, 'markAddress' | 'markAlertBounced'>;
}

/** What one event changed; it carries counts and a lead id only, so it can be logged. */
export interface EmailFeedbackOutcome {
  eventType: string;
  addressesMarked: number;
  /** The lead whose owner alert this hard bounce failed. */
  alertFailedFor?: string;
}

/**
 * Records a bounce or complaint: every affected address gets a health mark (the nightly sales report lists
 * them), and a hard bounce of an owner alert marks that lead's alert failed, so the report tells sales to
 * forward the lead by hand. Other event types change nothing. Idempotent: SNS may deliver an event twice.
 */
export async function recordEmailFeedback(event: SesEvent, { config, emailHealth }: EmailFeedbackDependencies): Promise<EmailFeedbackOutcome> {
  const marks = feedbackMarks(event);
  for (const mark of marks) await emailHealth.markAddress(mark);
  const outcome: EmailFeedbackOutcome = { eventType: event.eventType, addressesMarked: marks.length };

  const alert = alertOf(event);
  const hardBounced = event.bounce?.bounceType === 'Permanent' ? marks.map((mark) => mark.address) : [];
  if (alert && hardBounced.length) {
    const owners = config.salespeople.filter((rep) => hardBounced.includes(rep.email.toLowerCase())).map((rep) => rep.id);
    if (await emailHealth.markAlertBounced(alert.leadId, alert.kind, owners)) {
      countAlert('failed');
      outcome.alertFailedFor = alert.leadId;
    }
  }
  return outcome;
}

function feedbackMarks({ bounce, complaint }: SesEvent): FeedbackMark[] {
  if (bounce) {
    return bounce.bouncedRecipients.map(({ emailAddress }) => ({
      address: bareAddress(emailAddress),
      event: 'bounce',
      at: bounce.timestamp,
      feedbackId: bounce.feedbackId,
      bounceType: bounce.bounceType,
      ...(bounce.bounceSubType ? { bounceSubType: bounce.bounceSubType } : {}),
    }));
  }
  if (complaint) {
    return complaint.complainedRecipients.map(({ emailAddress }) => ({
      address: bareAddress(emailAddress),
      event: 'complaint',
      at: complaint.timestamp,
      feedbackId: complaint.feedbackId,
      ...(complaint.complaintFeedbackType ? { complaintFeedbackType: complaint.complaintFeedbackType } : {}),
    }));
  }
  return [];
}

/** Owner alerts carry `X-Handoff-Key: alert:<leadId>:<kind>` (see the mailer); reports carry `report:…` and match nothing here. */
function alertOf(event: SesEvent): { leadId: string; kind: AlertState['kind'] } | undefined {
  const key = event.mail.headers?.find((header) => header.name.toLowerCase() === 'x-handoff-key')?.value;
  const match = key?.match(/^alert:([^:]+):(new|returning)$/);
  return match ? { leadId: match[1]!, kind: match[2] as AlertState['kind'] } : undefined;
}

/** SES may report a recipient with a display name ("Ana <ana@…>"); the mark is keyed by the bare, lowercased address. */
function bareAddress(recipient: string): string {
  return (recipient.match(/<([^>]+)>/)?.[1] ?? recipient).trim().toLowerCase();
}
