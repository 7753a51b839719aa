import { ConfigError } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { HttpError, SigningSecretMissingError } from '../errors.ts';
import { checkWebhookSignature, signatureChallenge, type SignedRequest } from '../domain/webhook-signature.ts';
import { findForm } from './capture-lead.ts';

export interface WebhookSignatureDependencies {
  config: Config;
  /** The form's signing secret, or undefined when none is configured for it. */
  secretFor: (formId: string) => Promise<string | undefined>;
  now: () => Date;
}

/**
 * A form with `webhookSignature` takes only posts its form tool signed: any other is refused with 401 before its
 * body is read, so nothing of it is parsed, counted or stored. Forms without it take every post, as today: a plain
 * HTML form cannot sign. The secret is asked for only when a signed form is posted to.
 */
export async function requireWebhookSignature(formId: string, request: () => SignedRequest, { config, secretFor, now }: WebhookSignatureDependencies): Promise<void> {
  const form = findForm(config, formId);
  if (!form.webhookSignature) return;
  const secret = await secretFor(form.id).catch((error: unknown) => {
    // A secrets file that is not what it should be is the operator's to fix, and its message says all of it: logged
    // alone, like a missing entry, as a stack would only point at the parser. Anything unexpected keeps its stack.
    throw new SigningSecretMissingError(form.id, error instanceof ConfigError ? error.message : error);
  });
  if (!secret) throw new SigningSecretMissingError(form.id, `the webhook secrets have no entry for form "${form.id}"`);
  const { vendor, url } = form.webhookSignature;
  const sent = request();
  const check = checkWebhookSignature(vendor, url ? { ...sent, url } : sent, secret, now());
  if (!check.ok) throw new HttpError(401, check.message, { code: `signature_${check.problem}`, headers: { 'www-authenticate': signatureChallenge(vendor, form.id) } });
}
