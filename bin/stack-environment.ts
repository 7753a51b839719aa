import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Written by `npm start`: the endpoints and table of the running local stack. */
export const STACK_ENV_FILE = 'stack-env.json';

/**
 * Fills in the variables the handlers read from the running local stack's file, so that `npx handoff` in a
 * second terminal talks to it. Variables already set win: point them at AWS and the CLI talks to AWS.
 */
export function loadStackEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  const file = join(resolve(env.HANDOFF_DATA_DIR ?? '.handoff'), STACK_ENV_FILE);
  if (env.TABLE_NAME || !existsSync(file)) return;
  const values = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  for (const [name, value] of Object.entries(values)) env[name] ??= value;
}
