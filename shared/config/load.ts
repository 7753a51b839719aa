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
  // A library that loads full zod sets its English messages globally (the local stack's does); this parse keeps
  // zod/mini's bare "Invalid input", so describeIssue words every issue the same way wherever the config is read.
  const result = configSchema.safeParse(raw, { error: () => BARE_ZOD_MESSAGE });
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('').replace(/^\./, '') : '(root)';
    const described = describeIssue(issue, valueAt(raw, issue.path));
    return `  ${path}: ${issue.code === 'unrecognized_keys' ? `${described}${suggestKeys(issue.keys ?? [], knownKeysAt(issue.path))}` : described}`;
  });
  throw new ConfigError(`${source} is invalid:\n${problems.join('\n')}`);
}

interface ConfigIssue {
  code: string;
  message: string;
  expected?: unknown;
  keys?: string[];
  /** invalid_value: the values allowed there (an enum's options). */
  values?: unknown[];
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

const BARE_ZOD_MESSAGE = 'Invalid input';

// zod/mini carries no message texts, so the common issues are worded here, with the bound the file broke.
function describeIssue(issue: ConfigIssue, given: unknown): string {
  if (issue.message && issue.message !== BARE_ZOD_MESSAGE) return issue.message;
  if (issue.code === 'invalid_type' && given === undefined) return 'is required';
  if (issue.code === 'invalid_type' && issue.expected === 'int') return 'must be a whole number';
  if (issue.code === 'invalid_type') return `expected ${String(issue.expected)}`;
  if (issue.code === 'unrecognized_keys') return `unknown key(s) ${issue.keys?.join(', ')}`;
  if (issue.code === 'invalid_value' && issue.values?.length) return `must be one of ${issue.values.map(String).join(', ')}`;
  if (issue.code === 'invalid_value' || issue.code === 'invalid_union') return 'not one of the allowed values';
  if (issue.code === 'too_big' && issue.maximum !== undefined) return `must be ${issue.inclusive === false ? 'below' : 'at most'} ${counted(issue.maximum, issue)}`;
  if (issue.code === 'too_small' && issue.minimum !== undefined) return `must be ${issue.inclusive === false ? 'above' : 'at least'} ${counted(issue.minimum, issue)}`;
  return issue.code.replaceAll('_', ' ');
}

interface SchemaNode {
  _zod: { def: { type: string; shape?: Record<string, SchemaNode>; element?: SchemaNode; innerType?: SchemaNode } };
}

/** The keys the schema allows in the object at `path` (through arrays, defaults and optionals). */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let node: SchemaNode | undefined = configSchema as unknown as SchemaNode;
  for (const part of [...path, undefined]) {
    while (node?._zod.def.innerType) node = node._zod.def.innerType;
    if (!node || part === undefined) break;
    node = typeof part === 'number' ? node._zod.def.element : node._zod.def.shape?.[String(part)];
  }
  return Object.keys(node?._zod.def.shape ?? {}).filter((key) => key !== '$schema');
}

/** " (did you mean businessHours?)" for a typo, else the keys allowed there, so the fix is in the message. */
function suggestKeys(unknown: readonly string[], known: readonly string[]): string {
  if (!known.length) return '';
  const guesses = unknown.map((key) => known.find((candidate) => candidate.toLowerCase() === key.toLowerCase() || editDistance(candidate, key) <= 2));
  if (guesses.every(Boolean)) return ` (did you mean ${guesses.join(', ')}?)`;
  return `; allowed here: ${known.join(', ')}`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
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
    throw new ConfigError(`${path} is not valid JSON: ${withLineAndColumn((error as Error).message, text)}`);
  }
  return parseConfig(raw, path);
}

/** "… at position 33" → "… at line 3, column 5": an editor finds a line, not a character offset. */
function withLineAndColumn(message: string, text: string): string {
  const position = /at position (\d+)(?: \(line \d+ column \d+\))?/.exec(message);
  if (!position) return message;
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return message.replace(position[0], `at line ${line}, column ${column}`);
}
