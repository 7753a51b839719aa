import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type middy from '@middy/core';

/** EMF namespace and the one dimension (service) every business metric carries; the CDK alarms and dashboard match on both. */
export const METRICS_NAMESPACE = 'Handoff';
export const METRICS_SERVICE = 'handoff';

/** The business metrics, by the names CloudWatch shows; infra/constructs/observability.ts builds the alarms and dashboard from these. */
export const BUSINESS_METRICS = {
  leadsCaptured: 'LeadsCaptured',
  leadsSpam: 'LeadsSpam',
  alertsSent: 'AlertsSent',
  alertsFailed: 'AlertsFailed',
  overdueLeads: 'OverdueLeads',
  timeToFirstContactMinutes: 'TimeToFirstContactMinutes',
} as const;

/**
 * Buffered per invocation and written to stdout as one Embedded Metric Format line by `flushMetrics`, which
 * CloudWatch turns into metrics without an API call. No dimension beyond service: a per-form or per-rep
 * dimension would multiply the custom-metric bill and the alarms would no longer match.
 */
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });

/** A new lead was stored ('created') or recognised as spam; a repeated submission counts as neither. */
export function countLeadCaptured(outcome: 'created' | 'duplicate' | 'spam'): void {
  if (outcome === 'created') metrics.addMetric(BUSINESS_METRICS.leadsCaptured, MetricUnit.Count, 1);
  if (outcome === 'spam') metrics.addMetric(BUSINESS_METRICS.leadsSpam, MetricUnit.Count, 1);
}

/** An owner alert left for SES, or ended failed: its last attempt failed, or SES reported a hard bounce afterwards. */
export function countAlert(result: 'sent' | 'failed'): void {
  metrics.addMetric(result === 'sent' ? BUSINESS_METRICS.alertsSent : BUSINESS_METRICS.alertsFailed, MetricUnit.Count, 1);
}

/** Leads past their first-contact deadline at the nightly count; the overdue alarm reads its daily maximum. */
export function recordOverdue(count: number): void {
  metrics.addMetric(BUSINESS_METRICS.overdueLeads, MetricUnit.Count, count);
}

/** Wall-clock minutes from capture to the first recorded contact, as the nightly report measures it. */
export function recordTimeToFirstContact(minutes: number): void {
  // CloudWatch has no minutes unit; the name carries it, and minutes keep the p50/p95 widgets readable.
  metrics.addMetric(BUSINESS_METRICS.timeToFirstContactMinutes, MetricUnit.NoUnit, Math.max(0, minutes));
}

/**
 * Writes the invocation's metrics, if it recorded any. Powertools' own middleware publishes unconditionally and
 * warns on every invocation that had nothing to count (an OPTIONS preflight, a duplicate, a quiet batch).
 */
export function flushMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}

/** `flushMetrics` after every middy invocation, answered or failed. */
export function publishMetrics(): middy.MiddlewareObj {
  return { after: flushMetrics, onError: flushMetrics };
}
