import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Config } from '../../shared/config/schema.ts';
import {
  addDays,
  businessHoursBetween,
  followUpDeadline,
  formatLocal,
  localDate,
  parseSla,
  zonedTimeToUtc,
} from '../../shared/domain/business-hours.ts';

type Organisation = Config['organisation'];

const berlin: Organisation = {
  name: 'Northwind Analytics',
  timezone: 'Europe/Berlin',
  businessHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
  holidays: ['2026-12-24', '2026-12-25', '2026-12-26', '2026-12-31', '2027-01-01'],
};

const newYork: Organisation = {
  name: 'Northwind US',
  timezone: 'America/New_York',
  businessHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
  holidays: ['2026-11-26'],
};

describe('parseSla', () => {
  it.each([
    ['4 business hours', { amount: 4, unit: 'hour', business: true }],
    ['30 minutes', { amount: 30, unit: 'minute', business: false }],
    ['1 business day', { amount: 1, unit: 'day', business: true }],
    ['2 days', { amount: 2, unit: 'day', business: false }],
    ['1 hour', { amount: 1, unit: 'hour', business: false }],
  ])('reads %j', (text, expected) => {
    expect(parseSla(text)).toEqual(expected);
  });

  it.each(['four hours', '4 weeks', '', '-1 hours'])('rejects %j', (text) => {
    expect(() => parseSla(text)).toThrow(/must read like/);
  });
});

describe('followUpDeadline in Europe/Berlin, Mon–Fri 09:00–17:00', () => {
  it.each([
    // [what, received (UTC), SLA, due (UTC), due (local, for the reader)]
    ['Friday 18:00 waits for Monday 09:00', '2026-11-27T17:00:00Z', '4 business hours', '2026-11-30T12:00:00Z', 'Mon 30 Nov, 13:00 CET'],
    ['03:00 on a business day starts at 09:00', '2026-12-01T02:00:00Z', '4 business hours', '2026-12-01T12:00:00Z', 'Tue 1 Dec, 13:00 CET'],
    ['20:00 overnight continues next morning', '2026-12-01T19:00:00Z', '4 business hours', '2026-12-02T12:00:00Z', 'Wed 2 Dec, 13:00 CET'],
    ['inside hours, spilling into the next day', '2026-12-01T14:00:00Z', '4 business hours', '2026-12-02T10:00:00Z', 'Wed 2 Dec, 11:00 CET'],
    ['exactly filling the day ends at 17:00, not next 09:00', '2026-12-01T12:00:00Z', '4 business hours', '2026-12-01T16:00:00Z', 'Tue 1 Dec, 17:00 CET'],
    ['Saturday waits for Monday', '2026-11-28T10:00:00Z', '30 business minutes', '2026-11-30T08:30:00Z', 'Mon 30 Nov, 09:30 CET'],
    ['holidays 24–26 Dec and the weekend are skipped', '2026-12-23T14:00:00Z', '4 business hours', '2026-12-28T10:00:00Z', 'Mon 28 Dec, 11:00 CET'],
    ['a lead on a holiday waits for the next business day', '2026-12-31T10:00:00Z', '1 business hour', '2027-01-04T09:00:00Z', 'Mon 4 Jan, 10:00 CET'],
    ['1 business day inside hours: same time next business day', '2026-11-24T13:00:00Z', '1 business day', '2026-11-25T13:00:00Z', 'Wed 25 Nov, 14:00 CET'],
    ['1 business day after hours: end of the next business day', '2026-11-24T17:30:00Z', '1 business day', '2026-11-25T16:00:00Z', 'Wed 25 Nov, 17:00 CET'],
    ['1 business day from the opening minute: 09:00 next business day, not 17:00 today', '2026-11-24T08:00:00Z', '1 business day', '2026-11-25T08:00:00Z', 'Wed 25 Nov, 09:00 CET'],
    ['1 business day a second before opening: end of that day', '2026-11-24T07:59:59Z', '1 business day', '2026-11-24T16:00:00Z', 'Tue 24 Nov, 17:00 CET'],
    ['1 business day from Friday evening: end of Monday', '2026-11-27T17:00:00Z', '1 business day', '2026-11-30T16:00:00Z', 'Mon 30 Nov, 17:00 CET'],
    ['30 minutes is elapsed time, even at night', '2026-11-28T22:50:00Z', '30 minutes', '2026-11-28T23:20:00Z', 'Sun 29 Nov, 00:20 CET'],
    ['2 days is 48 elapsed hours', '2026-11-27T17:00:00Z', '2 days', '2026-11-29T17:00:00Z', 'Sun 29 Nov, 18:00 CET'],
  ])('%s', (_what, received, sla, dueUtc, dueLocal) => {
    const due = followUpDeadline(new Date(received), sla, berlin);
    expect(due.toISOString()).toBe(new Date(dueUtc).toISOString());
    expect(formatLocal(due, berlin.timezone)).toBe(dueLocal);
  });
});

describe('followUpDeadline across daylight-saving switches', () => {
  it.each([
    // Berlin springs forward on Sun 29 Mar 2026 (CET +1 → CEST +2) and falls back on Sun 25 Oct 2026.
    ['Berlin spring forward', berlin, '2026-03-27T15:00:00Z', '2026-03-30T10:00:00Z', 'Mon 30 Mar, 12:00 CEST'],
    ['Berlin fall back', berlin, '2026-10-23T14:00:00Z', '2026-10-26T11:00:00Z', 'Mon 26 Oct, 12:00 CET'],
    // New York springs forward on Sun 8 Mar 2026 (EST −5 → EDT −4) and falls back on Sun 1 Nov 2026.
    ['New York spring forward', newYork, '2026-03-06T20:00:00Z', '2026-03-09T15:00:00Z', 'Mon 9 Mar, 11:00 EDT'],
    ['New York fall back', newYork, '2026-10-30T19:00:00Z', '2026-11-02T16:00:00Z', 'Mon 2 Nov, 11:00 EST'],
  ])('%s: Friday 16:00/15:00 local + 4 business hours', (_what, organisation, received, dueUtc, dueLocal) => {
    const due = followUpDeadline(new Date(received), '4 business hours', organisation);
    expect(due.toISOString()).toBe(new Date(dueUtc).toISOString());
    expect(formatLocal(due, organisation.timezone)).toBe(dueLocal);
  });

  it('counts elapsed time over the night the clocks go forward', () => {
    // 01:45 CET + 30 minutes of elapsed time is 03:15 CEST: the hour 02:00–03:00 does not exist.
    const due = followUpDeadline(new Date('2026-03-29T00:45:00Z'), '30 minutes', berlin);
    expect(formatLocal(due, 'Europe/Berlin')).toBe('Sun 29 Mar, 03:15 CEST');
  });

  it('skips the New York Thanksgiving holiday from its own config', () => {
    const due = followUpDeadline(new Date('2026-11-25T21:00:00Z'), '2 business hours', newYork);
    // Wed 16:00 EST: one hour on Wednesday, Thursday is a holiday, the second hour is Friday 09:00–10:00.
    expect(due.toISOString()).toBe('2026-11-27T15:00:00.000Z');
    expect(formatLocal(due, 'America/New_York')).toBe('Fri 27 Nov, 10:00 EST');
  });
});

describe('business hours that end at 24:00', () => {
  /** An evening desk, Mon–Fri 18:00 to midnight. */
  const eveningDesk: Organisation = { ...berlin, businessHours: { days: [1, 2, 3, 4, 5], start: '18:00', end: '24:00' } };
  /** Round the clock, every day: each window is a whole local day, 23 or 25 hours long on a DST switch day. */
  const santiagoSaturdayEvening: Organisation = { ...berlin, timezone: 'America/Santiago', businessHours: { days: [6], start: '18:00', end: '24:00' } };
  const roundTheClock: Organisation = { ...berlin, holidays: [], businessHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' } };

  it.each([
    // [what, calendar, received (UTC), SLA, due (UTC), due (local, for the reader)]
    ['the last minute before midnight is inside hours', eveningDesk, '2026-11-30T22:59:00Z', '1 business minute', '2026-11-30T23:00:00Z', 'Tue 1 Dec, 00:00 CET'],
    ['Friday 23:00: one hour to midnight, the next from Monday 18:00', eveningDesk, '2026-11-27T22:00:00Z', '2 business hours', '2026-11-30T18:00:00Z', 'Mon 30 Nov, 19:00 CET'],
    ['midnight itself is closed: it waits for 18:00', eveningDesk, '2026-11-30T23:00:00Z', '1 business hour', '2026-12-01T18:00:00Z', 'Tue 1 Dec, 19:00 CET'],
    ['1 business day inside hours: same time next business day', eveningDesk, '2026-11-30T18:00:00Z', '1 business day', '2026-12-01T18:00:00Z', 'Tue 1 Dec, 19:00 CET'],
    ['1 business day before opening: that day, up to midnight', eveningDesk, '2026-11-30T09:00:00Z', '1 business day', '2026-11-30T23:00:00Z', 'Tue 1 Dec, 00:00 CET'],
    ['1 business day from Friday at midnight: the end of Monday', eveningDesk, '2026-11-27T23:00:00Z', '1 business day', '2026-11-30T23:00:00Z', 'Tue 1 Dec, 00:00 CET'],
    // Berlin springs forward on Sun 29 Mar 2026 at 02:00 and falls back on Sun 25 Oct 2026 at 03:00.
    ['4 business hours over the night the clocks go forward', roundTheClock, '2026-03-28T22:00:00Z', '4 business hours', '2026-03-29T02:00:00Z', 'Sun 29 Mar, 04:00 CEST'],
    ['4 business hours over the night the clocks go back', roundTheClock, '2026-10-24T21:00:00Z', '4 business hours', '2026-10-25T01:00:00Z', 'Sun 25 Oct, 02:00 CET'],
    ['1 business day over the 23-hour day is the same time next day', roundTheClock, '2026-03-28T09:00:00Z', '1 business day', '2026-03-29T08:00:00Z', 'Sun 29 Mar, 10:00 CEST'],
    ['1 business day over the 25-hour day is the same time next day', roundTheClock, '2026-10-24T08:00:00Z', '1 business day', '2026-10-25T09:00:00Z', 'Sun 25 Oct, 10:00 CET'],
    ['1 business day from inside the 23-hour day itself', roundTheClock, '2026-03-29T08:00:00Z', '1 business day', '2026-03-30T08:00:00Z', 'Mon 30 Mar, 10:00 CEST'],
  ])('%s', (_what, calendar, received, sla, dueUtc, dueLocal) => {
    const due = followUpDeadline(new Date(received), sla, calendar);
    expect(due.toISOString()).toBe(new Date(dueUtc).toISOString());
    expect(formatLocal(due, calendar.timezone)).toBe(dueLocal);
  });

  it.each([
    ['a whole ordinary day is 24 hours', roundTheClock, '2026-11-29T23:00:00Z', '2026-11-30T23:00:00Z', 24],
    ['the day the clocks go forward is 23 hours', roundTheClock, '2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z', 23],
    ['the day the clocks go back is 25 hours', roundTheClock, '2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z', 25],
    ['an evening up to midnight is 6 hours', eveningDesk, '2026-11-30T00:00:00Z', '2026-12-01T00:00:00Z', 6],
    // Santiago moves its clocks at midnight: forward on Sat 5 Sep 2026 24:00 (to 01:00), back on Sat 4 Apr 2026 24:00 (to 23:00).
    ['Santiago: the evening its clocks go forward at midnight is 6 hours', santiagoSaturdayEvening, '2026-09-05T12:00:00Z', '2026-09-06T12:00:00Z', 6],
    ['Santiago: the evening its clocks go back at midnight is 7 hours, 23:00–24:00 twice', santiagoSaturdayEvening, '2026-04-04T12:00:00Z', '2026-04-05T12:00:00Z', 7],
  ])('overdue business hours: %s', (_what, calendar, from, to, hours) => {
    expect(businessHoursBetween(new Date(from), new Date(to), calendar)).toBe(hours);
  });
});

describe('zonedTimeToUtc', () => {
  it.each([
    ['an ordinary winter time', '2026-11-30', '13:00', 'Europe/Berlin', '2026-11-30T12:00:00.000Z'],
    ['an ordinary summer time', '2026-07-01', '09:00', 'America/New_York', '2026-07-01T13:00:00.000Z'],
    ['the hour before spring forward', '2026-03-29', '01:30', 'Europe/Berlin', '2026-03-29T00:30:00.000Z'],
    ['a time skipped by spring forward moves past the gap', '2026-03-29', '02:30', 'Europe/Berlin', '2026-03-29T01:30:00.000Z'],
    ['the hour before fall back, still in summer time', '2026-10-25', '01:30', 'Europe/Berlin', '2026-10-24T23:30:00.000Z'],
    ['a repeated fall-back time takes its first occurrence', '2026-10-25', '02:30', 'Europe/Berlin', '2026-10-25T00:30:00.000Z'],
    ['a half-hour offset', '2026-11-30', '09:00', 'Asia/Kolkata', '2026-11-30T03:30:00.000Z'],
    ['24:00 is the end of the date: the next 00:00', '2026-11-30', '24:00', 'Europe/Berlin', '2026-11-30T23:00:00.000Z'],
    ['24:00 on the date the clocks go forward at midnight is when they do', '2026-09-05', '24:00', 'America/Santiago', '2026-09-06T04:00:00.000Z'],
    ['24:00 on the date the clocks go back at midnight is the second midnight', '2026-04-04', '24:00', 'America/Santiago', '2026-04-05T04:00:00.000Z'],
  ])('%s', (_what, date, time, timezone, expected) => {
    expect(zonedTimeToUtc(date, time, timezone).toISOString()).toBe(expected);
  });
});

describe('localDate and addDays', () => {
  it('gives the local calendar date, not the UTC one', () => {
    expect(localDate(new Date('2026-11-29T23:30:00Z'), 'Europe/Berlin')).toBe('2026-11-30');
    expect(localDate(new Date('2026-11-30T03:30:00Z'), 'America/New_York')).toBe('2026-11-29');
  });

  it('adds calendar days across month, year and DST boundaries', () => {
    expect(addDays('2026-12-30', 3)).toBe('2027-01-02');
    expect(addDays('2026-03-28', 1)).toBe('2026-03-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
});

describe('businessHoursBetween', () => {
  it.each([
    ['Friday 16:00 to Monday 10:00 is two business hours', '2026-11-27T15:00:00Z', '2026-11-30T09:00:00Z', 2],
    ['a weekend alone is none', '2026-11-28T08:00:00Z', '2026-11-29T20:00:00Z', 0],
    ['an end before the start is none', '2026-12-02T10:00:00Z', '2026-12-01T10:00:00Z', 0],
    ['half an hour inside one day', '2026-12-01T09:00:00Z', '2026-12-01T09:30:00Z', 0.5],
    ['over the holidays only 23 Dec and 28 Dec count', '2026-12-23T08:00:00Z', '2026-12-28T16:00:00Z', 16],
  ])('%s', (_what, from, to, hours) => {
    expect(businessHoursBetween(new Date(from), new Date(to), berlin)).toBe(hours);
  });

  it('measures back exactly the business time a deadline added, in any timezone', () => {
    const organisations = [
      berlin,
      newYork,
      { ...berlin, timezone: 'Asia/Kolkata', businessHours: { days: [1, 2, 3, 4, 5, 6], start: '08:30', end: '18:00' } },
      { ...newYork, businessHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' } },
      { ...berlin, businessHours: { days: [1, 2, 3, 4, 5], start: '18:00', end: '24:00' } },
    ];
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2027-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom(...organisations),
        (receivedAt, hours, organisation) => {
          const due = followUpDeadline(receivedAt, `${hours} business hours`, organisation);
          expect(due.getTime()).toBeGreaterThan(receivedAt.getTime());
          expect(businessHoursBetween(receivedAt, due, organisation)).toBeCloseTo(hours, 9);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('configuration mistakes', () => {
  it('refuses business hours that end before they start', () => {
    const backwards = { ...berlin, businessHours: { days: [1], start: '17:00', end: '09:00' } };
    expect(() => followUpDeadline(new Date('2026-12-01T10:00:00Z'), '4 business hours', backwards)).toThrow(/must end after they start/);
  });
});
