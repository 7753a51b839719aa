import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../shared/config/json-schema.ts';

/** `npm run schema`: regenerates handoff.config.schema.json from the zod schema. */
writeFileSync('handoff.config.schema.json', `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.log('wrote handoff.config.schema.json');
