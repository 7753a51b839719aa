import { loadConfig } from '#shared/config/load.ts';
import { nonEmpty, readEnv } from '#shared/config/env.ts';
import { dynamoClient } from '#shared/adapters/aws-clients.ts';
import { LeadStore } from '#shared/adapters/lead-store/store.ts';
import { json, type HttpResult } from '#shared/adapters/http/api-gateway.ts';

const env = readEnv({ TABLE_NAME: nonEmpty });
const config = loadConfig();
const store = new LeadStore({ client: dynamoClient(), tableName: env.TABLE_NAME, timezone: config.organisation.timezone });

/** GET /health: 200 only when the table answers, so a load balancer or uptime check sees storage outages. */
export const handler = async (): Promise<HttpResult> => {
  try {
    await store.ping();
    return json(200, { status: 'ok' });
  } catch {
    return json(503, { status: 'unavailable', message: 'the lead table cannot be reached' }, { 'retry-after': '5' });
  }
};
