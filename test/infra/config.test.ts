import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/handoff-function.ts';
import { testConfig } from './synth.ts';

const run = promisify(execFile);

/** Runs the CDK app the way `cdk synth` does, with HANDOFF_CONFIG pointing at `config`. */
async function synthApp(config: unknown, context: string[] = []): Promise<{ code: number; stderr: string; outdir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'handoff-synth-'));
  const configFile = join(dir, 'handoff.config.json');
  const outdir = join(dir, 'cdk.out');
  writeFileSync(configFile, JSON.stringify(config));
  // No bundling: these tests read the template only.
  const contextJson = JSON.stringify({ 'aws:cdk:bundling-stacks': [], ...Object.fromEntries(context.map((pair) => pair.split('='))) });
  try {
    const { stderr } = await run(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, HANDOFF_CONFIG: configFile, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: contextJson },
    });
    return { code: 0, stderr, outdir };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr, outdir };
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

  it('takes the overdue-leads alarm threshold from -c overdueLeadsAlarmThreshold, and refuses one that is not a whole number', async () => {
    const overdueAlarmThreshold = (outdir: string) => {
      const template = JSON.parse(readFileSync(join(outdir, 'Handoff-dev.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties: { MetricName?: string; Threshold?: number } }> };
      return Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm' && resource.Properties.MetricName === 'OverdueLeads').map((alarm) => alarm.Properties.Threshold);
    };
    expect(overdueAlarmThreshold((await synthApp(testConfig)).outdir)).toEqual([10]);
    const raised = await synthApp(testConfig, ['overdueLeadsAlarmThreshold=25']);
    expect(raised.code).toBe(0);
    expect(overdueAlarmThreshold(raised.outdir)).toEqual([25]);
    const { code, stderr } = await synthApp(testConfig, ['overdueLeadsAlarmThreshold=ten']);
    expect(code).toBe(1);
    expect(stderr).toContain('context "overdueLeadsAlarmThreshold" must be a whole number of at least 1, got "ten"');
  }, 120_000);
});

describe('handoff check-config', () => {
  async function checkConfig(config: unknown): Promise<{ code: number; stdout: string; stderr: string }> {
    const configFile = join(mkdtempSync(join(tmpdir(), 'handoff-check-')), 'handoff.config.json');
    writeFileSync(configFile, JSON.stringify(config));
    // HANDOFF_DATA_DIR at an empty directory: no running local stack's config is picked up instead.
    const env = { ...process.env, HANDOFF_CONFIG: configFile, HANDOFF_DATA_DIR: mkdtempSync(join(tmpdir(), 'handoff-no-stack-')), TABLE_NAME: '' };
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'bin/handoff.ts', 'check-config'], { cwd: REPO_ROOT, env });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  it('says what a valid file sets up, with no stack running', async () => {
    const result = await checkConfig(testConfig);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/handoff\.config\.json is valid: \d+ reps in \d+ teams, \d+ website forms?, \d+ event forms?, \d+ assignment rules?, fallback owner /);
  }, 30_000);

  it('lists every problem of an invalid file and exits 1', async () => {
    const config = structuredClone(testConfig) as unknown as { salespeople: Array<{ id: string; weight?: number }> };
    config.salespeople[1]!.id = config.salespeople[0]!.id;
    config.salespeople[0]!.weight = 11;
    const result = await checkConfig(config);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is invalid:');
    expect(result.stderr).toContain(`salespeople[1].id: duplicate salesperson id "${config.salespeople[0]!.id}"`);
    expect(result.stderr).toContain('salespeople[0].weight: must be 1 to 10');
  }, 30_000);
});
