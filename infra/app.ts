import { App } from 'aws-cdk-lib';
import { ConfigError, configPath, loadConfig } from '../shared/config/load.ts';
import { HandoffStack, type Stage } from './stack.ts';

const STAGES: readonly Stage[] = ['dev', 'prod'];

function main(): void {
  const app = new App();
  const stage: unknown = app.node.tryGetContext('stage') ?? 'dev';
  if (!STAGES.includes(stage as Stage)) throw new ConfigError(`context "stage" must be one of ${STAGES.join(', ')}, got ${JSON.stringify(stage)}`);
  const configFile = configPath();
  const config = loadConfig(configFile);
  const alarmEmail: unknown = app.node.tryGetContext('alarmEmail');
  const overdueLeadsAlarmThreshold = positiveWholeNumber(app.node.tryGetContext('overdueLeadsAlarmThreshold'), 'overdueLeadsAlarmThreshold');

  new HandoffStack(app, `Handoff-${stage as Stage}`, {
    config,
    configFile,
    stage: stage as Stage,
    alarmEmail: typeof alarmEmail === 'string' ? alarmEmail : undefined,
    overdueLeadsAlarmThreshold,
    // Account and region only when the CLI resolved them: without credentials the stack stays environment-agnostic, so synth works offline.
    env:
      process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
        ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }
        : undefined,
    description: `Handoff lead capture and follow-up (${stage as Stage})`,
  });
  app.synth();
}

/** A context value given with `-c name=25` arrives as text, one from cdk.json as a number. */
function positiveWholeNumber(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1) throw new ConfigError(`context "${name}" must be a whole number of at least 1, got ${JSON.stringify(value)}`);
  return number;
}

try {
  main();
} catch (error) {
  // A bad config is the deployer's mistake, not a crash: say what is wrong without a stack trace.
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
