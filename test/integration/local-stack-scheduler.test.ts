import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NightlyScheduleEvent } from '../../infra/event-sources.ts';
import { lastFireTime, nextFireTime, startDailySchedule } from '../../infra/local/scheduler.ts';

const berlin = 'Europe/Berlin';

describe('nextFireTime', () => {
  it.each([
    ['later the same day (winter, UTC+1)', '2026-01-15T05:00:00Z', '07:00', '2026-01-15T06:00:00Z'],
    ['the next day once today’s time has passed', '2026-01-15T06:00:00Z', '07:00', '2026-01-16T06:00:00Z'],
    ['the day clocks go forward: 07:00 is already summer time', '2026-03-28T06:30:00Z', '07:00', '2026-03-29T05:00:00Z'],
    ['the day clocks go back: 07:00 is winter time again', '2026-10-24T05:30:00Z', '07:00', '2026-10-25T06:00:00Z'],
    ['a time skipped by the spring jump moves to after it (02:30 → 03:30 CEST)', '2026-03-29T00:00:00Z', '02:30', '2026-03-29T01:30:00Z'],
    ['a time repeated in autumn fires at its first occurrence', '2026-10-24T23:00:00Z', '02:30', '2026-10-25T00:30:00Z'],
    ['and not again at the repeat', '2026-10-25T00:30:00Z', '02:30', '2026-10-26T01:30:00Z'],
    ['across the new year', '2026-12-31T23:30:00Z', '07:00', '2027-01-01T06:00:00Z'],
  ])('%s', (_case, after, at, expected) => {
    expect(nextFireTime(new Date(after), at, berlin).toISOString()).toBe(new Date(expected).toISOString());
  });

  it('works in other zones too', () => {
    expect(nextFireTime(new Date('2026-03-08T12:00:00Z'), '07:00', 'America/New_York').toISOString()).toBe('2026-03-09T11:00:00.000Z');
    expect(nextFireTime(new Date('2026-06-01T00:00:00Z'), '07:00', 'UTC').toISOString()).toBe('2026-06-01T07:00:00.000Z');
  });

  it('rejects a malformed time', () => {
    expect(() => nextFireTime(new Date(), '7am', berlin)).toThrow('schedule time must look like 07:00');
  });
});

describe('lastFireTime (what `handoff nightly` without --at catches up on)', () => {
  it.each([
    ['before today’s run: yesterday’s', '2026-11-27T02:47:00Z', '2026-11-26T06:00:00Z'],
    ['at today’s run: today’s', '2026-11-27T06:00:00Z', '2026-11-27T06:00:00Z'],
    ['after today’s run: today’s', '2026-11-27T15:00:00Z', '2026-11-27T06:00:00Z'],
    ['the morning after clocks go back (07:00 was still summer time the day before)', '2026-10-25T05:30:00Z', '2026-10-24T05:00:00Z'],
    ['on new year’s morning: new year’s eve', '2027-01-01T05:00:00Z', '2026-12-31T06:00:00Z'],
  ])('%s', (_case, now, expected) => {
    expect(lastFireTime(new Date(now), '07:00', berlin).toISOString()).toBe(new Date(expected).toISOString());
  });

  it('rejects a malformed time', () => {
    expect(() => lastFireTime(new Date(), '25:00', berlin)).toThrow('schedule time must look like 07:00');
  });
});

describe('startDailySchedule', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires at the local time with the Scheduler event, then arms for the next day', async () => {
    vi.useFakeTimers({ now: new Date('2026-03-28T05:59:59Z') });
    const events: NightlyScheduleEvent[] = [];
    const armed: string[] = [];
    const schedule = startDailySchedule({
      at: '07:00',
      timeZone: berlin,
      fire: async (event) => void events.push(event),
      onArmed: (nextAt) => armed.push(nextAt.toISOString()),
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(events).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(events).toEqual([{ scheduledTime: '2026-03-28T06:00:00Z' }]);
    await vi.advanceTimersByTimeAsync(24 * 60 * 60 * 1000);
    expect(events.at(-1)).toEqual({ scheduledTime: '2026-03-29T05:00:00Z' });
    expect(armed.slice(0, 3)).toEqual(['2026-03-28T06:00:00.000Z', '2026-03-29T05:00:00.000Z', '2026-03-30T05:00:00.000Z']);
    schedule.stop();
    await vi.advanceTimersByTimeAsync(48 * 60 * 60 * 1000);
    expect(events).toHaveLength(2);
  });
});
