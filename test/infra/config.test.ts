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
