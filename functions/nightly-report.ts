import * as z from 'zod/mini';
import type { NightlyScheduleEvent } from '#infra/event-sources.ts';
import { loadConfig } from '#shared/config/load.ts';
import { leadStoreFromEnv } from '#shared/adapters/lead-store/from-env.ts';
import { emailHealthStoreFromEnv } from '#shared/adapters/lead-store/email-health.ts';
import { mailerFromEnv } from '#shared/adapters/mailer-from-env.ts';
import { loadSecret } from '#shared/adapters/secrets.ts';
import { logger } from '#shared/adapters/logger.ts';
import { flushMetrics } from '#shared/adapters/metrics.ts';
import { runNightlyReport, type NightlyReportSummary } from '#shared/usecases/nightly-report.ts';

const config = loadConfig();
const store = leadStoreFromEnv(config);
const mailer = mailerFromEnv(config);
const emailHealth = emailHealthStoreFromEnv();

const scheduleEvent: z.ZodMiniType<NightlyScheduleEvent> = z.object({ scheduledTime: z.iso.datetime({ offset: true }) });

/**
 * EventBridge Scheduler → the nightly reports for the org-local date of `scheduledTime`. Anything that throws
 * (a malformed event, a failed send) makes Scheduler retry and finally park the run in the DLQ; a retry sends
 * only the emails that are still missing.
 */
export const handler = async (event: unknown): Promise<NightlyReportSummary> => {
  const parsed = scheduleEvent.safeParse(event);
  if (!parsed.success) {
    throw new Error(`the nightly report expects the Scheduler event {"scheduledTime": "<ISO 8601 time with Z or offset>"}, got ${JSON.stringify(event)?.slice(0, 200)}`);
  }
  const deps = { config, store, mailer, emailHealth, actionSecret: await loadSecret('ACTION_SECRET'), now: () => new Date() };
  const summary = await runNightlyReport({ scheduledTime: new Date(parsed.data.scheduledTime) }, deps).finally(flushMetrics);
  logger.info('nightly report run finished', { reportDate: summary.reportDate, overdue: summary.overdue, sent: summary.sent.length, skipped: summary.skipped.length });
  return summary;
};
