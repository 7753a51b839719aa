import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { METRICS_NAMESPACE as DEPLOYED_NAMESPACE, METRICS_SERVICE as DEPLOYED_SERVICE } from '../../infra/handoff-function.ts';
import {
  countAlert,
  countLeadCaptured,
  flushMetrics,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  recordOverdue,
  recordTimeToFirstContact,
} from '../../shared/adapters/metrics.ts';

interface EmfLine {
  _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [field: string]: unknown;
}

let written: string[] = [];
const originalWrites = { stdout: process.stdout.write, stderr: process.stderr.write };

beforeEach(() => {
  written = [];
  const capture = (chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
});

afterEach(() => {
  process.stdout.write = originalWrites.stdout;
  process.stderr.write = originalWrites.stderr;
});

function emfLines(): EmfLine[] {
  return written.flatMap((chunk) => chunk.split('\n')).filter((line) => line.includes('"_aws"')).map((line) => JSON.parse(line) as EmfLine);
}

describe('business metrics', () => {
  it('are published in the namespace and service the functions are deployed with (the alarms and dashboard read those)', () => {
    expect(METRICS_NAMESPACE).toBe(DEPLOYED_NAMESPACE);
    expect(METRICS_SERVICE).toBe(DEPLOYED_SERVICE);
  });

  it('flush as one EMF line per invocation, with service as the only dimension', () => {
    countLeadCaptured('created');
    countLeadCaptured('created');
    countLeadCaptured('spam');
    countLeadCaptured('duplicate');
    countAlert('sent');
    countAlert('failed');
    recordOverdue(7);
    recordTimeToFirstContact(12.5);
    recordTimeToFirstContact(95);
    flushMetrics();

    const [line, ...more] = emfLines();
    expect(more).toEqual([]);
    const [directive] = line!._aws.CloudWatchMetrics;
    expect(directive!.Namespace).toBe('Handoff');
    expect(directive!.Dimensions).toEqual([['service']]);
    expect(line!.service).toBe('handoff');
    expect(Object.fromEntries(directive!.Metrics.map((metric) => [metric.Name, metric.Unit]))).toEqual({
      LeadsCaptured: 'Count',
      LeadsSpam: 'Count',
      AlertsSent: 'Count',
      AlertsFailed: 'Count',
      OverdueLeads: 'Count',
      TimeToFirstContactMinutes: 'None',
    });
    // Repeated values stay separate datapoints in one line; CloudWatch sums them for the Sum statistic.
    expect(line).toMatchObject({ LeadsCaptured: [1, 1], LeadsSpam: 1, AlertsSent: 1, AlertsFailed: 1, OverdueLeads: 7, TimeToFirstContactMinutes: [12.5, 95] });
  });

  it('a duplicate submission counts as nothing', () => {
    countLeadCaptured('duplicate');
    flushMetrics();
    expect(emfLines()).toEqual([]);
  });

  it('an invocation that recorded nothing writes nothing, not even a warning', () => {
    flushMetrics();
    expect(written).toEqual([]);
  });

  it('a flushed metric is not written again by the next invocation', () => {
    recordOverdue(3);
    flushMetrics();
    flushMetrics();
    expect(emfLines()).toHaveLength(1);
  });
});
