import { describe, expect, it } from 'vitest';
import { readScanTimes } from '../../shared/usecases/import-leads.ts';

/** The Friday after the event, in Berlin; scans from the same week are recent. */
const now = new Date('2026-11-27T10:00:00Z');
const inBerlin = { timezone: 'Europe/Berlin', now };
const FALLBACK = 'counted as received at the import instead';
const UNREADABLE = `is not a date and time the import reads (such as 2026-11-24 10:00, 24.11.2026 10:00 or 2026-11-24T10:00:00Z); ${FALLBACK}`;
const AMBIGUOUS = `could be day/month or month/day, and no other date in the column tells which; ${FALLBACK}`;

const at = (values: string[], options = inBerlin) => readScanTimes(values, options).map((reading) => (reading && 'at' in reading ? reading.at.toISOString() : reading));

describe('readScanTimes', () => {
  it.each([
    ['2026-11-24 10:00', '2026-11-24T09:00:00.000Z'],
    ['2026-11-24 10:00:30', '2026-11-24T09:00:30.000Z'],
    ['2026-11-24T10:00', '2026-11-24T09:00:00.000Z'],
    ['2026-11-24T10:00:00Z', '2026-11-24T10:00:00.000Z'],
    ['2026-11-24T10:00:00.250+01:00', '2026-11-24T09:00:00.000Z'],
    ['2026-11-24T10:00:00-0500', '2026-11-24T15:00:00.000Z'],
    ['2026-11-24 10:00 UTC', '2026-11-24T10:00:00.000Z'],
    ['24.11.2026 10:00', '2026-11-24T09:00:00.000Z'],
    ['24.11.2026, 10:00:05', '2026-11-24T09:00:05.000Z'],
    ['4.11.2026 9:30', '2026-11-04T08:30:00.000Z'],
    ['24/11/2026 10:00', '2026-11-24T09:00:00.000Z'],
    ['11/24/2026 10:00 AM', '2026-11-24T09:00:00.000Z'],
    ['11/24/2026 12:30 PM', '2026-11-24T11:30:00.000Z'],
    ['11/24/2026 12:30 a.m.', '2026-11-23T23:30:00.000Z'],
    ['11/11/2026 10:00', '2026-11-11T09:00:00.000Z'],
    // A date alone counts from the start of that day, in the organisation's timezone.
    ['2026-11-24', '2026-11-23T23:00:00.000Z'],
    ['24.11.2026', '2026-11-23T23:00:00.000Z'],
    // Summer time, and the hour the clocks go back (its first occurrence), through the business-hours helpers.
    ['2026-10-01 10:00', '2026-10-01T08:00:00.000Z'],
    ['2026-10-25 02:30', '2026-10-25T00:30:00.000Z'],
    ['  2026-11-24 10:00  ', '2026-11-24T09:00:00.000Z'],
  ])('reads %j', (value, expected) => {
    expect(at([value])).toEqual([expected]);
  });

  it('reads a time without a zone in the organisation\'s timezone', () => {
    expect(at(['2026-11-24 10:00'], { timezone: 'America/New_York', now })).toEqual(['2026-11-24T15:00:00.000Z']);
  });

  it.each([
    'next Tuesday', '2026-02-30 10:00', '2026-11-24 25:00', '2026-11-24 10:60', '24.11.26 10:00', '13/13/2026',
    '11/24/2026 13:00 PM', '2026-11-24T10:00:00+15:00', '46350.42', '2026-11-24 10:00 CET',
  ])('does not use %j, which it cannot read', (value) => {
    expect(at([value])).toEqual([{ problem: UNREADABLE }]);
  });

  it('leaves an empty cell alone', () => {
    expect(at(['', '   '])).toEqual([undefined, undefined]);
  });

  it('does not guess the order of a slashed date both orders could mean', () => {
    expect(at(['05/11/2026 10:00'])).toEqual([{ problem: AMBIGUOUS }]);
  });

  it('reads it in the order the column\'s other dates show', () => {
    expect(at(['24/11/2026 10:00', '03/11/2026 10:00'])).toEqual(['2026-11-24T09:00:00.000Z', '2026-11-03T09:00:00.000Z']);
    expect(at(['11/24/2026 10:00', '11/03/2026 10:00'])).toEqual(['2026-11-24T09:00:00.000Z', '2026-11-03T09:00:00.000Z']);
  });

  it('still does not guess when the column shows both orders', () => {
    expect(at(['24/11/2026 10:00', '11/25/2026 10:00', '05/11/2026 10:00'])).toEqual(['2026-11-24T09:00:00.000Z', '2026-11-25T09:00:00.000Z', { problem: AMBIGUOUS }]);
  });

  it('does not use a time in the future, or more than 90 days before the import', () => {
    expect(at(['2026-11-27 11:00', '2026-11-27 11:01', '2026-08-29 12:00', '2026-08-29 11:59'])).toEqual([
      '2026-11-27T10:00:00.000Z',
      { problem: `is in the future (read as Fri 27 Nov 2026, 11:01 CET); ${FALLBACK}` },
      '2026-08-29T10:00:00.000Z',
      { problem: `is more than 90 days before the import (read as Sat 29 Aug 2026, 11:59 CEST); ${FALLBACK}` },
    ]);
  });
});
