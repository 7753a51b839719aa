import { readFileSync } from 'node:fs';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * How long a warm function keeps a secret it read. A secret set or rotated in Secrets Manager reaches every warm
 * function within this time, with no deploy: a deploy that changes no code would not restart them.
 */
export const SECRET_MAX_AGE_MS = 5 * 60_000;

const cache = new Map<string, { value: Promise<string>; readAt: number }>();
let secretsManager: SecretsManagerClient | undefined;

/**
 * A secret's value, from where the environment says it is: `<NAME>_ARN` names a Secrets Manager secret (in AWS),
 * `<NAME>_FILE` a file (the local stack generates one under its data directory). Read again once it is older than
 * SECRET_MAX_AGE_MS; the same promise is handed out until then, so callers may key what they derive from it on it.
 */
export function loadSecret(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const cached = cache.get(name);
  if (cached && Date.now() - cached.readAt < SECRET_MAX_AGE_MS) return cached.value;
  const entry = { value: readSecret(name, env), readAt: Date.now() };
  cache.set(name, entry);
  // A failed read is not kept: the next call reads again.
  entry.value.catch(() => {
    if (cache.get(name) === entry) cache.delete(name);
  });
  return entry.value;
}

async function readSecret(name: string, env: NodeJS.ProcessEnv): Promise<string> {
  const arn = env[`${name}_ARN`];
  const file = env[`${name}_FILE`];
  if (arn) {
    // Loaded on first use: capture reads a secret only once a form that takes signed webhooks is posted to, and its
    // cold start should not pay for a client that most configurations never call.
    const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
    secretsManager ??= new SecretsManagerClient({ maxAttempts: 3 });
    const { SecretString } = await secretsManager.send(new GetSecretValueCommand({ SecretId: arn }));
    if (!SecretString) throw new Error(`secret ${name} is empty`);
    return SecretString;
  }
  if (file) return readFileSync(file, 'utf8').trim();
  throw new Error(`set ${name}_ARN (Secrets Manager) or ${name}_FILE (a file) to provide the ${name} secret`);
}
