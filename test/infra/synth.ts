import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { loadConfig } from '../../shared/config/load.ts';
import { lambdaEntries } from '../../infra/routes.ts';
import { HANDOFF_FUNCTIONS, HandoffStack, type HandoffFunctionName, type HandoffStackProps, type Stage } from '../../infra/stack.ts';

export const TEST_CONFIG_FILE = fileURLToPath(new URL('./fixtures/handoff.config.json', import.meta.url));
export const testConfig = loadConfig(TEST_CONFIG_FILE);

const cdkContext = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context;

const PLANNED_HANDLER = 'test/infra/fixtures/planned-handler.ts';

/** Real entries where they exist, the fixture handler for every function still to come. */
export const completeEntries = {
  ...Object.fromEntries(HANDOFF_FUNCTIONS.map((name) => [name, PLANNED_HANDLER])),
  ...lambdaEntries,
} as Record<HandoffFunctionName, string>;

export interface SynthOptions extends Partial<HandoffStackProps> {
  /** Bundling runs esbuild for every function; tests that only read the template can skip it. */
  bundle?: boolean;
}

export function synthesizeStack(stage: Stage = 'dev', { bundle = true, ...overrides }: SynthOptions = {}): HandoffStack {
  // cdk.json's feature flags, so the template under test is the one `cdk synth` and `cdk deploy` build.
  const app = new App({ context: { ...cdkContext, ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) } });
  return new HandoffStack(app, `Handoff-${stage}`, {
    config: testConfig,
    configFile: TEST_CONFIG_FILE,
    stage,
    entries: completeEntries,
    ...overrides,
  });
}
