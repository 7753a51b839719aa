/**
 * First-contact deadlines counted in business hours and a timezone: the organisation's, or the owner's team's own.
 *
 * This module runs on the capture hot path, so it stays dependency-free: all timezone work goes
 * through Intl.DateTimeFormat, never through fixed offsets, so DST switches and historical offset
 * changes come out right.
 *
 * Definitions:
 * - "N business hours/minutes" counts only time inside the business window (ISO weekdays in
 *   `businessHours.days`, between `start` and `end` local time, holidays excluded). Time before
 *   `start` on a business day waits for `start`. An `end` of 24:00 closes the window at midnight,
 *   the next day's 00:00 (23 or 25 hours after 00:00 on the day the clocks change).
 * - "N business days" counts N business windows, however long each is (a 00:00–24:00 window on a
 *   DST switch day is still one day). From inside hours that is the same local time N business days
 *   on; a lead arriving outside hours is due at the close of the Nth window to open, never at an
 *   out-of-hours moment.
 * - SLAs without "business" ("30 minutes", "2 days") are plain elapsed time: a day is 24 hours.
 */
import type { Config } from '../config/schema.ts';
import { SLA_PATTERN } from '../config/schema.ts';

type Organisation = Config['organisation'];
/** The clock deadlines run on: a timezone, business hours and holidays (the organisation's, or a team's own). */
export type WorkingCalendar = Pick<Organisation, 'timezone' | 'businessHours' | 'holidays'>;

/** The calendar a rep works on: their team's own timezone, hours and holidays where it sets them, else the organisation's. */
export function calendarOfRep(config: Pick<Config, 'organisation' | 'teams' | 'salespeople'>, repId: string | undefined): WorkingCalendar {
  const { organisation } = config;
  const teamId = config.salespeople.find((rep) => rep.id === repId)?.team;
  const team = config.teams.find((candidate) => candidate.id === teamId);
  return {
    timezone: team?.timezone ?? organisation.timezone,
    businessHours: team?.businessHours ?? organisation.businessHours,
    holidays: team?.holidays ?? organisation.holidays,
  };
}

export type SlaUnit = 'minute' | 'hour' | 'day';

export interface Sla {
  amount: number;
  unit: SlaUnit;
  business: boolean;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const UNIT_MS: Record<SlaUnit, number> = { minute: MINUTE_MS, hour: HOUR_MS, day: DAY_MS };

/** Ten years of calendar days: enough for any real SLA, and a stop if no day can ever be a business day. */
const MAX_DAYS_SCANNED = 3660;

export function parseSla(text: string): Sla {
  const match = SLA_PATTERN.exec(text.trim());
  if (!match) throw new Error(`SLA "${text}" must read like "4 business hours", "30 minutes" or "1 business day"`);
  return { amount: Number(match[1]), unit: match[3] as SlaUnit, business: match[2] !== undefined };
}

export function followUpDeadline(receivedAt: Date, sla: string, calendar: WorkingCalendar): Date {
  const { amount, unit, business } = parseSla(sla);
  if (!business) return new Date(receivedAt.getTime() + amount * UNIT_MS[unit]);
  if (unit === 'day') return addBusinessDays(receivedAt, amount, calendar);
  return addBusinessTime(receivedAt, amount * UNIT_MS[unit], calendar);
}

/**
 * Counted in windows, not in a window's nominal hours: a 00:00–24:00 day the clocks change on has 23 or 25 hours,
 * and a day's worth of hours from Saturday 10:00 would end on Sunday at 11:00 or 09:00. From the very opening
 * minute too, the deadline is that minute N business days on (09:00 sharp gives 09:00, not 17:00 today).
 */
function addBusinessDays(receivedAt: Date, days: number, calendar: WorkingCalendar): Date {
  const inside = isInsideBusinessHours(receivedAt, calendar);
  // Inside hours the lead's own window is day 0; outside, the next window to open is day 1.
  let windowsToGo = inside ? days + 1 : days;
  let deadline: number | undefined;
  forEachBusinessWindow(receivedAt, calendar, (_windowStart, windowEnd, date) => {
    windowsToGo -= 1;
    if (windowsToGo > 0) return true;
    deadline = inside ? sameLocalTimeOn(date, receivedAt, calendar.timezone) : windowEnd;
    return false;
  });
  if (deadline === undefined) throw new Error(NO_BUSINESS_DAY);
  return new Date(deadline);
}

/** The instant `date` shows the same wall-clock time as `instant`, to the millisecond. */
function sameLocalTimeOn(date: string, instant: Date, timezone: string): number {
  const { hour, minute, second } = zonedParts(instant, timezone);
  return zonedInstant(date, `${pad(hour)}:${pad(minute)}`, timezone) + second * 1000 + instant.getUTCMilliseconds();
}

/** Within a business window: from its opening instant up to, not including, its close. */
function isInsideBusinessHours(instant: Date, calendar: WorkingCalendar): boolean {
  let inside = false;
  forEachBusinessWindow(instant, calendar, (windowStart) => {
    inside = windowStart === instant.getTime();
    return false;
  });
  return inside;
}

/** Business time between two instants, in (fractional) hours; 0 when `to` is not after `from`. */
export function businessHoursBetween(from: Date, to: Date, calendar: WorkingCalendar): number {
  let total = 0;
  forEachBusinessWindow(from, calendar, (windowStart, windowEnd) => {
    if (windowStart >= to.getTime()) return false;
    total += Math.min(windowEnd, to.getTime()) - windowStart;
    return true;
  });
  return total / HOUR_MS;
}

/** The calendar date of an instant in a timezone, as YYYY-MM-DD. */
export function localDate(instant: Date, timezone: string): string {
  const { year, month, day } = zonedParts(instant, timezone);
  return `${year}-${pad(month)}-${pad(day)}`;
}

/** The calendar date and time of day of an instant in a timezone, as "YYYY-MM-DD HH:MM" (sorts as text). */
export function localDateTime(instant: Date, timezone: string): string {
  const { hour, minute } = zonedParts(instant, timezone);
  return `${localDate(instant, timezone)} ${pad(hour)}:${pad(minute)}`;
}

/** A short local time a reader recognises, e.g. "Mon 30 Nov, 13:00 CET". */
export function formatLocal(instant: Date, timezone: string): string {
  const { month, day, hour, minute, weekday } = zonedParts(instant, timezone);
  return `${WEEKDAY_NAMES[weekday - 1]} ${day} ${MONTH_NAMES[month - 1]}, ${pad(hour)}:${pad(minute)} ${zoneAbbreviation(instant, timezone)}`;
}

/** The UTC instant of a local wall-clock time on a local date in a timezone; 24:00 is the next date's 00:00. */
export function zonedTimeToUtc(date: string, time: string, timezone: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  // Date.UTC carries hour 24 into the next day, so a closing time of 24:00 is midnight with that night's offset.
  const wallClockAsUtc = Date.UTC(year, month - 1, day, hour, minute);
  // An offset changes at most once within a day either side, so the offsets a day before and a day
  // after are the only candidates. A wall time that occurs twice (fall-back) takes its first
  // occurrence; one that never occurs (spring-forward gap) moves forward by the gap, as a wall clock does.
  const offsetBefore = offsetMs(new Date(wallClockAsUtc - DAY_MS), timezone);
  const offsetAfter = offsetMs(new Date(wallClockAsUtc + DAY_MS), timezone);
  const valid = [offsetBefore, offsetAfter]
    .map((offset) => wallClockAsUtc - offset)
    .filter((candidate) => offsetMs(new Date(candidate), timezone) === wallClockAsUtc - candidate);
  return new Date(valid.length > 0 ? Math.min(...valid) : wallClockAsUtc - offsetBefore);
}

/** YYYY-MM-DD plus a number of calendar days. */
export function addDays(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

function addBusinessTime(start: Date, businessMs: number, calendar: WorkingCalendar): Date {
  let remaining = businessMs;
  let deadline: number | undefined;
  forEachBusinessWindow(start, calendar, (windowStart, windowEnd) => {
    const available = windowEnd - windowStart;
    if (remaining <= available) {
      deadline = windowStart + remaining;
      return false;
    }
    remaining -= available;
    return true;
  });
  if (deadline === undefined) throw new Error(NO_BUSINESS_DAY);
  return new Date(deadline);
}

const NO_BUSINESS_DAY = 'no business day found within ten years: check businessHours.days and holidays';

/**
 * Calls `visit` with each business window (UTC ms, and its local date) from `from` onwards, clipped to start no
 * earlier than `from`, until `visit` returns false.
 */
function forEachBusinessWindow(from: Date, calendar: WorkingCalendar, visit: (windowStart: number, windowEnd: number, date: string) => boolean): void {
  const { timezone, businessHours, holidays } = calendar;
  if (minutesOfDay(businessHours.end) <= minutesOfDay(businessHours.start)) throw new Error(`business hours must end after they start (${businessHours.start}–${businessHours.end})`);
  const businessDays = new Set(businessHours.days);
  const holidaySet = new Set(holidays);
  const firstDate = localDate(from, timezone);
  for (let offset = 0; offset < MAX_DAYS_SCANNED; offset += 1) {
    const date = addDays(firstDate, offset);
    if (!businessDays.has(isoWeekday(date)) || holidaySet.has(date)) continue;
    const windowStart = Math.max(zonedInstant(date, businessHours.start, timezone), from.getTime());
    const windowEnd = zonedInstant(date, businessHours.end, timezone);
    if (windowStart >= windowEnd) continue;
    if (!visit(windowStart, windowEnd, date)) return;
  }
}

/**
 * zonedTimeToUtc, remembered: the nightly report measures every overdue lead up to the same morning, so the
 * same days' opening and closing times are converted again and again (a year-old lead walks a year of days).
 */
const zonedInstants = new Map<string, number>();
const ZONED_INSTANTS_KEPT = 20_000;
function zonedInstant(date: string, time: string, timezone: string): number {
  const cacheKey = `${timezone} ${date} ${time}`;
  let instant = zonedInstants.get(cacheKey);
  if (instant === undefined) {
    if (zonedInstants.size >= ZONED_INSTANTS_KEPT) zonedInstants.clear();
    instant = zonedTimeToUtc(date, time, timezone).getTime();
    zonedInstants.set(cacheKey, instant);
  }
  return instant;
}

function minutesOfDay(time: string): number {
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  return hour * 60 + minute;
}

function isoWeekday(date: string): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const sundayZero = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return sundayZero === 0 ? 7 : sundayZero;
}

interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** ISO weekday, 1 = Monday. */
  weekday: number;
}

const WEEKDAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

// Building a DateTimeFormat costs far more than using one; the nightly report formats thousands of instants.
const partFormatters = new Map<string, Intl.DateTimeFormat>();

function zonedParts(instant: Date, timezone: string): ZonedParts {
  let formatter = partFormatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    partFormatters.set(timezone, formatter);
  }
  const parts: Record<string, string> = {};
  for (const part of formatter.formatToParts(instant)) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAY_NAMES.indexOf(parts.weekday as (typeof WEEKDAY_NAMES)[number]) + 1,
  };
}

/** How far the timezone's wall clock is ahead of UTC at an instant. */
function offsetMs(instant: Date, timezone: string): number {
  const { year, month, day, hour, minute, second } = zonedParts(instant, timezone);
  const wallClockAsUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  return wallClockAsUtc - (instant.getTime() - instant.getUTCMilliseconds());
}

const nameFormatters = new Map<string, Intl.DateTimeFormat[]>();

/**
 * "CET", "EDT", or "GMT+5:30" where no abbreviation exists. en-US knows American abbreviations and
 * en-GB European ones, so the first one that is not a bare GMT offset wins.
 */
function zoneAbbreviation(instant: Date, timezone: string): string {
  let formatters = nameFormatters.get(timezone);
  if (!formatters) {
    formatters = ['en-US', 'en-GB'].map((locale) => new Intl.DateTimeFormat(locale, { timeZone: timezone, timeZoneName: 'short' }));
    nameFormatters.set(timezone, formatters);
  }
  const names = formatters.map((formatter) => formatter.formatToParts(instant).find((part) => part.type === 'timeZoneName')?.value ?? timezone);
  return names.find((name) => !/^GMT[+-]/.test(name)) ?? names[0] ?? timezone;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
