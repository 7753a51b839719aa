/**
 * A local stand-in for the EventBridge Scheduler schedule that runs the nightly report: once a day at a
 * wall-clock time in the organisation's timezone, with the event `{ scheduledTime }` (infra/event-sources.ts).
 */
import type { NightlyScheduleEvent } from '../event-sources.ts';
import { addDays, localDate, zonedTimeToUtc } from '../../shared/domain/business-hours.ts';

/** Timers are re-armed at least this often, so a laptop waking from sleep fires on time instead of hours late. */
const MAX_TIMER_MS = 60 * 60 * 1000;

/**
 * The first time strictly after `after` when the clock in `timeZone` shows `at` ("HH:MM"). A time that occurs
 * twice (clocks go back) fires at its first occurrence; one that does not exist (clocks go forward) fires the
 * same distance after the jump, as EventBridge Scheduler does.
 */
export function nextFireTime(after: Date, at: string, timeZone: string): Date {
  assertClockTime(at);
  const today = localDate(after, timeZone);
  for (let dayOffset = 0; ; dayOffset += 1) {
    const instant = zonedTimeToUtc(addDays(today, dayOffset), at, timeZone);
    if (instant > after) return instant;
  }
}

/** The last time at or before `now` that the daily schedule fired, or would have: what a manual run catches up on. */
export function lastFireTime(now: Date, at: string, timeZone: string): Date {
  assertClockTime(at);
  const today = localDate(now, timeZone);
  for (let dayOffset = 0; ; dayOffset -= 1) {
    const instant = zonedTimeToUtc(addDays(today, dayOffset), at, timeZone);
    if (instant <= now) return instant;
  }
}

function assertClockTime(at: string): void {
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(at)) throw new Error(`schedule time must look like 07:00, got "${at}"`);
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
