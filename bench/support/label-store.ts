/**
 * Tags every DynamoDB call the lead store makes with the store method that made it (and the benchmark's
 * current step), so the capacity meter can say which operation each unit paid for. Instrumentation of the
 * benchmark process only: the production class is wrapped, not changed.
 */
import { LeadStore } from '../../shared/adapters/lead-store/store.ts';
import { withLabel } from './dynamodb-meter.ts';

export const LABEL_SEPARATOR = ' › ';

export function labelLeadStoreCalls(currentStep: () => string): void {
  const prototype = LeadStore.prototype as unknown as Record<string, unknown>;
  for (const method of Object.getOwnPropertyNames(LeadStore.prototype)) {
    const original = prototype[method];
    if (method === 'constructor' || typeof original !== 'function') continue;
    prototype[method] = function labelled(this: unknown, ...args: unknown[]) {
      return withLabel(`${currentStep()}${LABEL_SEPARATOR}${method}`, () => (original as (...params: unknown[]) => unknown).apply(this, args));
    };
  }
}
