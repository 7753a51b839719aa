import type { Config } from '#shared/config/schema.ts';
import type { StreamItem } from '#shared/adapters/lead-store/store.ts';
import { processLead, type ProcessDependencies, type ProcessOutcome } from '#shared/usecases/process-lead.ts';
import { alertImportedLeads, type ImportAlertOutcome } from '#shared/usecases/import-alerts.ts';
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

/** The use case for what a stream record is about; the stream consumer and its failure queue both route by it. */
export function processStreamItem(item: StreamItem, deps: ProcessDependencies, options: { finalAttempt?: boolean } = {}): Promise<ProcessOutcome | ImportAlertOutcome | 'no-such-part'> {
  return item.kind === 'lead' ? processLead(item.leadId, deps, options) : alertImportedLeads(item, deps, options);
}
