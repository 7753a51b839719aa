import * as z from 'zod/mini';
import { ConfigError } from '../config/load.ts';
import { loadSecret } from './secrets.ts';

/**
 * One secret for every form that takes signed webhooks: a JSON object of form id to that form's signing secret, as
 * its form tool issued it. Like every secret, `<NAME>_ARN` names it in Secrets Manager and `<NAME>_FILE` a local file.
 */
export const WEBHOOK_SECRETS = 'WEBHOOK_SECRETS';

const secretsByForm = z.record(z.string(), z.string().check(z.minLength(1)));
const SHAPE = 'a JSON object of form ids to signing secrets, like {"contact-typeform": "the secret Typeform shows"}';

/** The signing secrets by form id. Its errors are the operator's to fix and never quote the text, which holds secrets. */
export function parseWebhookSecrets(text: string): Map<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(`${WEBHOOK_SECRETS} is not JSON; it must be ${SHAPE}`);
  }
  const parsed = secretsByForm.safeParse(value);
  if (!parsed.success) throw new ConfigError(`${WEBHOOK_SECRETS} must be ${SHAPE}, each secret a non-empty string`);
  // A Map, so that a form id such as "constructor" finds its own entry or none, never an Object property.
  return new Map(Object.entries(parsed.data));
}

/**
 * Looks up a form's signing secret. The secret is parsed once per read of it: loadSecret hands out the same text
 * until it reads the secret again (SECRET_MAX_AGE_MS), so a secret added for a new form reaches warm functions too.
 */
export function webhookSecretsFromEnv(env: NodeJS.ProcessEnv = process.env): (formId: string) => Promise<string | undefined> {
  let parsed: { text: Promise<string>; secrets: Promise<Map<string, string>> } | undefined;
  return async (formId) => {
    const text = loadSecret(WEBHOOK_SECRETS, env);
    if (parsed?.text !== text) parsed = { text, secrets: text.then(parseWebhookSecrets) };
    const current = parsed;
    return (await current.secrets.catch((error: unknown) => {
      // A failed read or parse is not kept: the next post reads again (loadSecret forgets a failed read too).
      if (parsed === current) parsed = undefined;
      throw error;
    })).get(formId);
  };
}
