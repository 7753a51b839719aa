import { readFileSync } from 'node:fs';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * A secret's value, from where the environment says it is: `<NAME>_ARN` names a Secrets Manager secret (in AWS),
 * `<NAME>_FILE` a file (the local stack generates one under its data directory). Read once per process.
 */
const cache = new Map<string, Promise<string>>();
let secretsManager: SecretsManagerClient | undefined;

export function loadSecret(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  let value = cache.get(name);
  if (!value) {
    value = readSecret(name, env);
    cache.set(name, value);
    value.catch(() => cache.delete(name));
  }
  return value;
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
