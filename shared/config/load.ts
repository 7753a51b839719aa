import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configSchema, type Config } from './schema.ts';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const DEFAULT_CONFIG_FILE = 'handoff.config.json';

/** The config file the environment points at: `HANDOFF_CONFIG`, else `handoff.config.json` in the working directory. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.HANDOFF_CONFIG ?? DEFAULT_CONFIG_FILE);
}

export function parseConfig(raw: unknown, source = 'config'): Config {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('').replace(/^\./, '') : '(root)';
    return `  ${path}: ${describeIssue(issue, valueAt(raw, issue.path))}`;
  });
  throw new ConfigError(`${source} is invalid:\n${problems.join('\n')}`);
}

interface ConfigIssue {
  code: string;
  message: string;
  expected?: unknown;
  keys?: string[];
  /** too_big / too_small: the bound, whether it is allowed itself, and what was measured. */
  maximum?: number | bigint;
  minimum?: number | bigint;
  inclusive?: boolean;
  origin?: string;
}

/** What the file holds at an issue's path, to tell a missing field from one of the wrong type. */
function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value = raw;
  for (const part of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

// zod/mini carries no message texts, so the common issues are worded here, with the bound the file broke.
function describeIssue(issue: ConfigIssue, given: unknown): string {
  if (issue.message && issue.message !== 'Invalid input') return issue.message;
  if (issue.code === 'invalid_type' && given === undefined) return 'is required';
  if (issue.code === 'invalid_type' && issue.expected === 'int') return 'must be a whole number';
  if (issue.code === 'invalid_type') return `expected ${String(issue.expected)}`;
  if (issue.code === 'unrecognized_keys') return `unknown key(s) ${issue.keys?.join(', ')}`;
  if (issue.code === 'invalid_value' || issue.code === 'invalid_union') return 'not one of the allowed values';
  if (issue.code === 'too_big' && issue.maximum !== undefined) return `must be ${issue.inclusive === false ? 'below' : 'at most'} ${counted(issue.maximum, issue)}`;
  if (issue.code === 'too_small' && issue.minimum !== undefined) return `must be ${issue.inclusive === false ? 'above' : 'at least'} ${counted(issue.minimum, issue)}`;
  return issue.code.replaceAll('_', ' ');
}

/** "10" for a number, "1 item" or "3 characters" for a length. */
function counted(bound: number | bigint, issue: ConfigIssue): string {
  const unit = issue.origin === 'string' ? 'character' : issue.origin === 'array' || issue.origin === 'set' ? 'item' : undefined;
  return unit ? `${String(bound)} ${unit}${Number(bound) === 1 ? '' : 's'}` : String(bound);
}

export function loadConfig(path = configPath()): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`cannot read config file ${path} (set HANDOFF_CONFIG to point at one)`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseConfig(raw, path);
}
