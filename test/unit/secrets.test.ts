import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadSecret, SECRET_MAX_AGE_MS } from '../../shared/adapters/secrets.ts';
import { webhookSecretsFromEnv } from '../../shared/adapters/webhook-secrets.ts';

const directory = mkdtempSync(join(tmpdir(), 'handoff-secrets-'));
let names = 0;
/** A secret file of its own, under a name no other test uses (the cache is per process). */
function secretFile(text: string): { name: string; file: string; env: NodeJS.ProcessEnv } {
  const name = `TEST_SECRET_${names++}`;
  const file = join(directory, name);
  writeFileSync(file, text);
  return { name, file, env: { [`${name}_FILE`]: file } };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('a secret a warm function read', () => {
  it('is kept for SECRET_MAX_AGE_MS, then read again, so a rotation needs no deploy', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-27T10:00:00Z'), toFake: ['Date'] });
    const { name, file, env } = secretFile('first');
    expect(await loadSecret(name, env)).toBe('first');
    writeFileSync(file, 'rotated');
    vi.setSystemTime(Date.now() + SECRET_MAX_AGE_MS - 1);
    expect(await loadSecret(name, env)).toBe('first');
    vi.setSystemTime(Date.now() + 1);
    expect(await loadSecret(name, env)).toBe('rotated');
  });

  it('is read again on the next call after a failed read', async () => {
    const { name, file } = secretFile('');
    const missing = { [`${name}_FILE`]: `${file}.missing` };
    await expect(loadSecret(name, missing)).rejects.toThrow();
    writeFileSync(`${file}.missing`, 'now there');
    expect(await loadSecret(name, missing)).toBe('now there');
  });
});

describe('webhook signing secrets', () => {
  it('find a form added to the secret after the first lookup, once the secret is read again', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-27T10:00:00Z'), toFake: ['Date'] });
    const { file } = secretFile('{}');
    const secretFor = webhookSecretsFromEnv({ WEBHOOK_SECRETS_FILE: file });
    expect(await secretFor('contact-typeform')).toBeUndefined();
    writeFileSync(file, JSON.stringify({ 'contact-typeform': 'the secret Typeform shows' }));
    vi.setSystemTime(Date.now() + SECRET_MAX_AGE_MS);
    expect(await secretFor('contact-typeform')).toBe('the secret Typeform shows');
  });
});
