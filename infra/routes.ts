/**
 * Every HTTP route and the handler behind it. The CDK stack creates one HttpApi route per entry,
 * and the local gateway serves the same entries with the same handler modules, so the two agree.
 */
export interface RouteDefinition {
  method: 'GET' | 'POST' | 'OPTIONS';
  /** API Gateway route path, with {param} placeholders. */
  path: string;
  handler: HttpHandlerName;
}

/** Each Lambda's entry file (relative to the repo root); every module exports `handler`. */
export const lambdaEntries = {
  capture: 'functions/capture.ts',
  health: 'functions/health.ts',
  processLeads: 'functions/process-leads.ts',
  leadsDlq: 'functions/leads-dlq.ts',
  leadActions: 'functions/lead-actions.ts',
  nightlyReport: 'functions/nightly-report.ts',
  leadActivities: 'functions/lead-activities.ts',
  sesEvents: 'functions/ses-events.ts',
} as const satisfies Record<string, string>;

export type LambdaName = keyof typeof lambdaEntries;
export type HttpHandlerName = Extract<LambdaName, 'capture' | 'health' | 'leadActions' | 'leadActivities'>;

export const routes: RouteDefinition[] = [
  { method: 'POST', path: '/forms/{formId}', handler: 'capture' },
  { method: 'OPTIONS', path: '/forms/{formId}', handler: 'capture' },
  { method: 'GET', path: '/health', handler: 'health' },
  { method: 'GET', path: '/actions/{token}', handler: 'leadActions' },
  { method: 'POST', path: '/actions/{token}', handler: 'leadActions' },
  { method: 'POST', path: '/leads/{leadId}/activities', handler: 'leadActivities' },
];
