/**
 * Wall-clock maths in a rep's own time zone, DST-correct, with nothing but Intl: this module runs inside
 * Temporal workflows, so it takes every instant as an argument and never reads the clock.
 */

export const DAY_KEYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type DayKey = (typeof DAY_KEYS)[number];

/** "HH:MM" pairs per weekday; a missing day is a day off. null (at the call sites) means always working. */
export type WeeklyHours = Partial<Record<DayKey, Array<[string, string]>>>;

export interface LocalTime {
  year: number;
  month: number; // 1-12
  day: number;
  weekday: number; // 0 = Sunday
  minuteOfDay: number; // 0-1439
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

function parts(ms: number, tz: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const out = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const p of formatter(tz).formatToParts(ms)) {
    if (p.type in out) out[p.type as keyof typeof out] = Number(p.value);
  }
  return out;
}


// Zones change offset only on quarter-hour boundaries, so an offset holds for its whole quarter hour.
const QUARTER_HOUR = 15 * MINUTE;
const offsetCache = new Map<string, number>();

/** The zone's offset from UTC at instant `ms`, in milliseconds (Berlin in summer: +7 200 000). */
export function offsetAt(ms: number, tz: string): number {
  const bucket = Math.floor(ms / QUARTER_HOUR) * QUARTER_HOUR;
  const key = `${tz}@${bucket}`;
  let offset = offsetCache.get(key);
  if (offset === undefined) {
    const p = parts(bucket, tz);
    offset = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - bucket;
    if (offsetCache.size > 50_000) offsetCache.clear();
    offsetCache.set(key, offset);
  }
  return offset;
}

/**
 * The instant when the wall clock in `tz` shows the given local date and minute. Minutes may exceed a day
 * (24:00 is next midnight). A time skipped by a DST jump is shifted forward by the jump; a time that occurs
 * twice resolves to its first occurrence.
 */
export function zonedToUtc(year: number, month: number, day: number, minuteOfDay: number, tz: string): number {
  const naive = Date.UTC(year, month - 1, day, 0, minuteOfDay);
  // Offsets a day either side bracket any transition; a candidate is valid if the clock reads back the same.
  const before = naive - offsetAt(naive - DAY, tz);
  const after = naive - offsetAt(naive + DAY, tz);
  const valid = [before, after].filter((c) => naive - offsetAt(c, tz) === c);
  if (valid.length) return Math.min(...valid);
  // In a spring-forward gap: the pre-transition offset lands just as far past the jump as the time was into it.
  return before;
}

export function localTime(ms: number, tz: string): LocalTime {
  const shifted = new Date(ms + offsetAt(ms, tz));
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    weekday: shifted.getUTCDay(),
    minuteOfDay: shifted.getUTCHours() * 60 + shifted.getUTCMinutes(),
  };
}

export function clockToMinutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

export function localDateString(ms: number, tz: string): string {
  const t = localTime(ms, tz);
  return `${t.year}-${String(t.month).padStart(2, '0')}-${String(t.day).padStart(2, '0')}`;
}

/**
 * Closed time (holidays, half days) as UTC instants [start, end), sorted and merged: what calendars say, in
 * each calendar's own zone. Working time is working hours minus these.
 */
export type Closures = ReadonlyArray<readonly [number, number]>;

export interface Closure {
  date: string;
  from?: string;
  to?: string;
}

/** The closures of calendars (each in its zone) as one sorted, merged list of UTC intervals. */
export function closureIntervals(calendars: ReadonlyArray<{ timezone: string; closures: readonly Closure[] }>): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const cal of calendars) {
    for (const c of cal.closures) {
      const [y, m, d] = c.date.split('-').map(Number) as [number, number, number];
      const from = c.from ? clockToMinutes(c.from) : 0;
      const to = c.to ? clockToMinutes(c.to) : 24 * 60;
      spans.push([zonedToUtc(y, m, d, from, cal.timezone), zonedToUtc(y, m, d, to, cal.timezone)]);
    }
  }
  spans.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const s of spans) {
    const last = merged.at(-1);
    if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else merged.push([s[0], s[1]]);
  }
  return merged;
}

/** The closure containing `ms`, if any. */
function closureAt(closures: Closures, ms: number): readonly [number, number] | undefined {
  return closures.find(([s, e]) => s <= ms && ms < e);
}

/** [from, to) minus the closures: the parts of a working interval that are really worked. */
function minusClosures(from: number, to: number, closures: Closures): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = from;
  for (const [s, e] of closures) {
    if (e <= start) continue;
    if (s >= to) break;
    if (s > start) out.push([start, s]);
    start = Math.max(start, e);
    if (start >= to) break;
  }
  if (start < to) out.push([start, to]);
  return out;
}

const ALWAYS: WeeklyHours = Object.fromEntries(DAY_KEYS.map((d) => [d, [['00:00', '24:00']]]));

export function isWithinWorkingHours(hours: WeeklyHours | null, tz: string, ms: number, closures: Closures = []): boolean {
  if (closureAt(closures, ms)) return false;
  if (!hours) return true;
  const t = localTime(ms, tz);
  const intervals = hours[DAY_KEYS[t.weekday]!] ?? [];
  return intervals.some(([start, end]) => t.minuteOfDay >= clockToMinutes(start) && t.minuteOfDay < clockToMinutes(end));
}

export function isOutOfOffice(periods: ReadonlyArray<{ start: string; end: string }>, ms: number): boolean {
  return periods.some((p) => Date.parse(p.start) <= ms && ms < Date.parse(p.end));
}

function hasAnyHours(hours: WeeklyHours): boolean {
  return DAY_KEYS.some((d) => (hours[d]?.length ?? 0) > 0);
}

/** The local calendar day `offsetDays` after the one containing `fromMs`, as UTC date parts. */
function localDay(fromMs: number, tz: string, offsetDays: number): { y: number; m: number; d: number; weekday: number } {
  const start = localTime(fromMs, tz);
  const date = new Date(Date.UTC(start.year, start.month - 1, start.day + offsetDays));
  return { y: date.getUTCFullYear(), m: date.getUTCMonth() + 1, d: date.getUTCDate(), weekday: date.getUTCDay() };
}

/**
 * One local day's working intervals as UTC instants, each boundary converted on its own so DST days get their
 * true length, with closed time cut out.
 */
function dayIntervals(hours: WeeklyHours, tz: string, day: { y: number; m: number; d: number; weekday: number }, closures: Closures = []): Array<[number, number]> {
  const sorted = [...(hours[DAY_KEYS[day.weekday]!] ?? [])].sort((a, b) => clockToMinutes(a[0]) - clockToMinutes(b[0]));
  const open = sorted.map(([s, e]): [number, number] => [zonedToUtc(day.y, day.m, day.d, clockToMinutes(s), tz), zonedToUtc(day.y, day.m, day.d, clockToMinutes(e), tz)]);
  return closures.length ? open.flatMap(([s, e]) => minusClosures(s, e, closures)) : open;
}

/** Working intervals day by day from the local day containing `fromMs`, for up to `days` days. */
function* workingIntervals(hours: WeeklyHours, tz: string, fromMs: number, closures: Closures, days = 800): Generator<[number, number]> {
  for (let i = 0; i < days; i++) yield* dayIntervals(hours, tz, localDay(fromMs, tz, i), closures);
}

/** Whether any closure overlaps [from, to). */
const closedWithin = (closures: Closures, from: number, to: number) => closures.some(([s, e]) => s < to && e > from);

function weeklyWallMs(hours: WeeklyHours): number {
  let total = 0;
  for (const d of DAY_KEYS) for (const [s, e] of hours[d] ?? []) total += (clockToMinutes(e) - clockToMinutes(s)) * MINUTE;
  return total;
}

/** Deadlines are computed this far out at most (only reps with almost no working time get near it). */
const HORIZON_MS = 1000 * 365 * DAY;
/**
 * Weeks skipped at once when the zone's offset is the same at both ends. No zone changes its offset twice
 * within three weeks (the shortest gap in use is Morocco's month of Ramadan), so equal offsets at both ends
 * mean no change in between.
 */
const SKIP_WEEKS = [3, 1];

/** Walks one local week's intervals from `weekStart` (a local midnight); returns the deadline or the time left. */
function walkWeek(hours: WeeklyHours, tz: string, weekStart: number, startMs: number, remaining: number, closures: Closures): { due: number } | { remaining: number } {
  for (let i = 0; i < 7; i++) {
    for (const [from, to] of dayIntervals(hours, tz, localDay(weekStart, tz, i), closures)) {
      const segStart = Math.max(from, startMs);
      if (to <= segStart) continue;
      if (remaining <= to - segStart) return { due: segStart + remaining };
      remaining -= to - segStart;
    }
  }
  return { remaining };
}

/**
 * `minutes` after `startMs`, counting only time inside the working hours (a lead at Friday 16:50 with 15
 * business minutes and 09:00-17:00 hours is due Monday 09:05). With no hours configured (null, or no day
 * with any interval) business time is wall time.
 *
 * Far deadlines stay exact and cheap: while the zone's offset does not change, a local week holds exactly
 * its wall-clock working time and starts exactly seven days after the last, so such weeks are skipped whole;
 * the week of a DST change, a week with closed time (holidays), and the last one are walked interval by
 * interval. Closures count as time off: with them and no hours, business time is wall time minus closures.
 */
export function addBusinessMinutes(startMs: number, minutes: number, givenHours: WeeklyHours | null, tz: string, closures: Closures = []): number {
  let remaining = Math.round(minutes * MINUTE);
  const hours = givenHours && hasAnyHours(givenHours) ? givenHours : closures.length ? ALWAYS : null;
  if (!hours) return startMs + remaining;
  const weekly = weeklyWallMs(hours);
  const first = localDay(startMs, tz, 0);
  let weekStart = zonedToUtc(first.y, first.m, first.d, 0, tz);
  while (weekStart - startMs < HORIZON_MS) {
    const skip = SKIP_WEEKS.find(
      (n) => remaining > n * weekly && weekStart > startMs && offsetAt(weekStart + n * 7 * DAY, tz) === offsetAt(weekStart, tz) && !closedWithin(closures, weekStart, weekStart + n * 7 * DAY),
    );
    if (skip) {
      remaining -= skip * weekly;
      weekStart += skip * 7 * DAY;
      continue;
    }
    const walked = walkWeek(hours, tz, weekStart, startMs, remaining, closures);
    if ('due' in walked) return walked.due;
    remaining = walked.remaining;
    const next = localDay(weekStart, tz, 7);
    weekStart = zonedToUtc(next.y, next.m, next.d, 0, tz);
  }
  // Only a rep with a few minutes of working hours a week gets this far: that is when it is due.
  return startMs + HORIZON_MS;
}

/** The next instant at or after `ms` that is inside working hours and not closed; `ms` itself when always working. */
export function nextWorkingInstant(ms: number, givenHours: WeeklyHours | null, tz: string, closures: Closures = []): number {
  const hours = givenHours && hasAnyHours(givenHours) ? givenHours : closures.length ? ALWAYS : null;
  if (!hours) return ms;
  for (const [from, to] of workingIntervals(hours, tz, ms, closures)) {
    if (to > ms) return Math.max(from, ms);
  }
  return ms;
}
