import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Written by `npm start`: the endpoints and table of the running local stack. */
export const STACK_ENV_FILE = 'stack-env.json';

/**
 * Fills in the variables the handlers read from the running local stack's file, so that `npx handoff` in a
 * second terminal talks to it. Variables already set win: point them at AWS and the CLI talks to AWS.
 */
export function loadStackEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  const file = join(localDataDir(env), STACK_ENV_FILE);
  if (env.TABLE_NAME || !existsSync(file)) return;
  const values = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  for (const [name, value] of Object.entries(values)) env[name] ??= value;
}

/** Why there is no table to talk to, and what to do: said when neither TABLE_NAME nor a running local stack is found. */
export function noStackFoundMessage(env: NodeJS.ProcessEnv = process.env): string {
  const dataDir = localDataDir(env);
  return `no stack to talk to: TABLE_NAME is not set, and no local stack is running with its data in ${dataDir}. `
    + 'Start one with npm start, or set HANDOFF_DATA_DIR to the directory the running one uses (or TABLE_NAME and AWS_ENDPOINT_URL_* for another stack)';
}

function localDataDir(env: NodeJS.ProcessEnv): string {
  return resolve(env.HANDOFF_DATA_DIR ?? '.handoff');
}

/** Variables a CLI in another terminal needs to reach this stack; removed again when the stack stops. */
export const STACK_ENV_VARIABLES = [
  'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_DYNAMODB_STREAMS',
  'AWS_ENDPOINT_URL_SES', 'TABLE_NAME', 'HANDOFF_CONFIG', 'HANDOFF_DATA_DIR', 'ACTION_SECRET_FILE', 'API_TOKEN_SECRET_FILE',
] as const;

export function writeStackEnvironment(dataDir: string, env: NodeJS.ProcessEnv = process.env): () => void {
  const file = join(dataDir, STACK_ENV_FILE);
  const values = Object.fromEntries(STACK_ENV_VARIABLES.flatMap((name) => (env[name] ? [[name, env[name]]] : [])));
  writeFileSync(file, `${JSON.stringify(values, null, 2)}\n`, { mode: 0o600 });
  return () => rmSync(file, { force: true });
}
