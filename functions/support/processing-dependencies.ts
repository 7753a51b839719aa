import type { Config } from '#shared/config/schema.ts';
import type { ProcessDependencies } from '#shared/usecases/process-lead.ts';
import { leadStoreFromEnv } from '#shared/adapters/lead-store/from-env.ts';
import { mailerFromEnv } from '#shared/adapters/mailer-from-env.ts';
import { loadSecret } from '#shared/adapters/secrets.ts';

/**
 * What every function that alerts owners needs: the store and mailer, made at module load (so a missing variable
 * fails the cold start), and the link-signing secret, fetched on the first invocation and cached after.
 */
export function processingFromEnv(config: Config): () => Promise<ProcessDependencies> {
  const store = leadStoreFromEnv(config);
  const mailer = mailerFromEnv(config);
  return async () => ({ config, store, mailer, actionSecret: await loadSecret('ACTION_SECRET'), now: () => new Date() });
}
