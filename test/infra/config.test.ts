import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/handoff-function.ts';
import { testConfig } from './synth.ts';

const run = promisify(execFile);

/** Runs the CDK app the way `cdk synth` does, with HANDOFF_CONFIG pointing at `config`. */
async function synthApp(config: unknown, context: string[] = []): Promise<{ code: number; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'handoff-synth-'));
  const configFile = join(dir, 'handoff.config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const contextJson = JSON.stringify(Object.fromEntries(context.map((pair) => pair.split('='))));
  try {
    const { stderr } = await run(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, HANDOFF_CONFIG: configFile, CDK_OUTDIR: join(dir, 'cdk.out'), CDK_CONTEXT_JSON: contextJson },
    });
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

describe('synth-time config validation', () => {
  it('fails with the path of the bad field and no stack trace', async () => {
    const broken = structuredClone(testConfig) as Record<string, any>;
    broken.salespeople[1].email = 'not-an-email';
    const { code, stderr } = await synthApp(broken);
    expect(code).toBe(1);
    expect(stderr).toContain('salespeople[1].email: must be an email address');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects an unknown stage', async () => {
    const { code, stderr } = await synthApp(testConfig, ['stage=staging']);
    expect(code).toBe(1);
    expect(stderr).toContain('context "stage" must be one of dev, prod');
  });
});
