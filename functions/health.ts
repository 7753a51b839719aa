import { loadConfig } from '#shared/config/load.ts';
import { leadStoreFromEnv } from '#shared/adapters/lead-store/from-env.ts';
import { json, type HttpResult } from '#shared/adapters/http/api-gateway.ts';

const config = loadConfig();
const store = leadStoreFromEnv(config);

/** GET /health: 200 only when the table answers, so a load balancer or uptime check sees storage outages. */
export const handler = async (): Promise<HttpResult> => {
  try {
    await store.ping();
    return json(200, { status: 'ok' });
  } catch {
    return json(503, { status: 'unavailable', message: 'the lead table cannot be reached' }, { 'retry-after': '5' });
  }
};
