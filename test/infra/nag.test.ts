import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stage, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../infra/routes.ts';
import type { HandoffStack } from '../../infra/stack.ts';
import { synthesizeStack } from './synth.ts';

interface Finding {
  ruleName: string;
  violatingConstructs: { constructPath: string }[];
  reason?: string;
  acknowledgedAt?: string;
}
interface PluginReport {
  pluginName: string;
  violations: Finding[];
  suppressedViolations?: Finding[];
}

/**
 * cdk-nag 3 runs as a CDK policy-validation plugin: synthesis fails on any unacknowledged finding (error or
 * warning) and writes the full report, acknowledged findings and their reasons included, to validation-report.json.
 */
function runNag(stack: HandoffStack): PluginReport[] {
  const app = Stage.of(stack) as App;
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  let reportFile = join(app.outdir, 'validation-report.json');
  try {
    app.synth();
  } catch (error) {
    const written = /can be found in: (\S+)/.exec((error as Error).message);
    if (!written?.[1]) throw error;
    reportFile = written[1];
  }
  if (!existsSync(reportFile)) throw new Error(`no validation report at ${reportFile}`);
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { pluginReports: PluginReport[] };
  return report.pluginReports;
}

const describeFinding = (finding: Finding) => `${finding.ruleName} at ${finding.violatingConstructs.map((c) => c.constructPath).join(', ')}`;

let reports: PluginReport[];

beforeAll(() => {
  // The template checks need no bundle; skipping esbuild keeps this file fast.
  reports = runNag(synthesizeStack('dev', { bundle: false }));
}, 120_000);

describe('cdk-nag', () => {
  it('runs both the AwsSolutions and the Serverless packs', () => {
    expect(reports.map((report) => report.pluginName).sort()).toEqual(['AwsSolutions', 'Serverless']);
  });

  it('has no unacknowledged finding', () => {
    expect(reports.flatMap((report) => report.violations).map(describeFinding)).toEqual([]);
  });

  it('gives every acknowledgement a specific written reason', () => {
    const acknowledged = reports.flatMap((report) => report.suppressedViolations ?? []);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const finding of acknowledged) {
      expect(finding.reason?.length ?? 0, describeFinding(finding)).toBeGreaterThanOrEqual(80);
    }
  });

  it('leaves no CDK warning or error annotation either', () => {
    const annotations = Annotations.fromStack(synthesizeStack('dev', { bundle: false }));
    const messages = [...annotations.findWarning('*', Match.anyValue()), ...annotations.findError('*', Match.anyValue())];
    expect(messages.map((message) => `${message.id}: ${String(message.entry.data)}`)).toEqual([]);
  });

  it('acknowledges the public routes one by one, so a new route without a written reason fails', () => {
    const withUnreviewedRoute = synthesizeStack('dev', { bundle: false, routes: [...routes, { method: 'GET', path: '/unreviewed', handler: 'health' }] });
    const violations = runNag(withUnreviewedRoute).flatMap((report) => report.violations);
    expect(violations.map(describeFinding)).toEqual(['AwsSolutions-APIG4 at Handoff-dev/Http/Api/GET--unreviewed/Resource']);
  });
});
