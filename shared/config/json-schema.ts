import * as z from 'zod/mini';
import { configSchema } from './schema.ts';

/** The config's JSON Schema, for editors: `handoff.config.json` points at it with "$schema". */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'Handoff configuration',
    description: 'Generated from shared/config/schema.ts by `npm run schema`; do not edit by hand.',
  };
}
