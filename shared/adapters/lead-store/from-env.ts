import type { Config } from '../../config/schema.ts';
import { nonEmpty, readEnv } from '../../config/env.ts';
import { dynamoClient } from '../aws-clients.ts';
import { LeadStore } from './store.ts';

/** The lead store of the table named by TABLE_NAME; call at module load so a missing variable fails the cold start. */
export function leadStoreFromEnv(config: Config, env: NodeJS.ProcessEnv = process.env): LeadStore {
  const { TABLE_NAME } = readEnv({ TABLE_NAME: nonEmpty }, env);
  return new LeadStore({ client: dynamoClient(), tableName: TABLE_NAME, timezone: config.organisation.timezone });
}
