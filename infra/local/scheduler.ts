/**
 * A local stand-in for the EventBridge Scheduler schedule that runs the nightly report: once a day at a
 * wall-clock time in the organisation's timezone, with the event `{ scheduledTime }` (infra/event-sources.ts).
 */
import type { NightlyScheduleEvent } from '../event-sources.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Timers are re-armed at least this often, so a laptop waking from sleep fires on time instead of hours late. */
const MAX_TIMER_MS = 60 * 60 * 1000;

/** Offset of `timeZone` from UTC at `instant`, in milliseconds (Europe/Berlin in summer: +2 h). */
function utcOffsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((candidate) => candidate.type === type)?.value);
  const wallClock = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return wallClock - Math.floor(instant / 1000) * 1000;
}

function wallDate(instant: number, timeZone: string): { year: number; month: number; day: number } {
  const shifted = new Date(instant + utcOffsetMs(instant, timeZone));
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth(), day: shifted.getUTCDate() };
}

/**
 * The instant a wall-clock time happens on a date in a timezone. A time that occurs twice (clocks go back)
 * resolves to its first occurrence; a time that does not exist (clocks go forward) to the same distance
 * after the jump (02:30 becomes 03:30).
 */
function instantOfWallTime(date: { year: number; month: number; day: number }, hours: number, minutes: number, timeZone: string): number {
  const asIfUtc = Date.UTC(date.year, date.month, date.day, hours, minutes);
  const offsetBefore = utcOffsetMs(asIfUtc - DAY_MS, timeZone);
  const offsetAfter = utcOffsetMs(asIfUtc + DAY_MS, timeZone);
  const valid = [...new Set([offsetBefore, offsetAfter])]
    .map((offset) => asIfUtc - offset)
    .filter((instant) => utcOffsetMs(instant, timeZone) === asIfUtc - instant)
    .sort((a, b) => a - b);
  return valid[0] ?? asIfUtc - offsetBefore;
}

/** The first time strictly after `after` when the clock in `timeZone` shows `at` ("HH:MM"). */
export function nextFireTime(after: Date, at: string, timeZone: string): Date {
  const match = /^(\d{2}):(\d{2})$/.exec(at);
  if (!match) throw new Error(`schedule time must look like 07:00, got "${at}"`);
  const [hours, minutes] = [Number(match[1]), Number(match[2])];
  const today = wallDate(after.getTime(), timeZone);
  for (let dayOffset = 0; ; dayOffset += 1) {
    // Date.UTC rolls day 32 over into the next month, so adding days needs no calendar code.
    const instant = instantOfWallTime({ ...today, day: today.day + dayOffset }, hours, minutes, timeZone);
    if (instant > after.getTime()) return new Date(instant);
  }
}

/** Scheduler's `<aws.scheduler.scheduled-time>` placeholder renders without milliseconds. */
function scheduledTimeText(instant: Date): string {
  return instant.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface DailyScheduleOptions {
  at: string;
  timeZone: string;
  fire: (event: NightlyScheduleEvent) => Promise<unknown>;
  /** For callers that need to show when the schedule runs next. */
  onArmed?: (nextAt: Date) => void;
}

export interface RunningSchedule {
  stop(): void;
}

export function startDailySchedule(options: DailyScheduleOptions): RunningSchedule {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const arm = (after: Date) => {
    const due = nextFireTime(after, options.at, options.timeZone);
    options.onArmed?.(due);
    const wait = () => {
      if (stopped) return;
      const remaining = due.getTime() - Date.now();
      if (remaining > 0) {
        timer = setTimeout(wait, Math.min(remaining, MAX_TIMER_MS));
        return;
      }
      options.fire({ scheduledTime: scheduledTimeText(due) }).catch((error: unknown) => console.error('[scheduler] the scheduled handler failed:', error));
      arm(due);
    };
    wait();
  };

  arm(new Date());
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
