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

export function isWithinWorkingHours(hours: WeeklyHours | null, tz: string, ms: number): boolean {
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

/**
 * Working intervals as UTC instants, day by day from the local day containing `fromMs`, each boundary
 * converted separately so DST days get their true length.
 */
function* workingIntervals(hours: WeeklyHours, tz: string, fromMs: number): Generator<[number, number]> {
  const start = localTime(fromMs, tz);
  for (let i = 0; i < 800; i++) {
    const date = new Date(Date.UTC(start.year, start.month - 1, start.day + i));
    const key = DAY_KEYS[date.getUTCDay()]!;
    const sorted = [...(hours[key] ?? [])].sort((a, b) => clockToMinutes(a[0]) - clockToMinutes(b[0]));
    for (const [s, e] of sorted) {
      const y = date.getUTCFullYear();
      const m = date.getUTCMonth() + 1;
      const d = date.getUTCDate();
      yield [zonedToUtc(y, m, d, clockToMinutes(s), tz), zonedToUtc(y, m, d, clockToMinutes(e), tz)];
    }
  }
}

/**
 * `minutes` after `startMs`, counting only time inside the working hours (a lead at Friday 16:50 with 15
 * business minutes and 09:00-17:00 hours is due Monday 09:05). With no hours configured (null, or no day
 * with any interval) business time is wall time.
 */
export function addBusinessMinutes(startMs: number, minutes: number, hours: WeeklyHours | null, tz: string): number {
  let remaining = Math.round(minutes * MINUTE);
  if (!hours || !hasAnyHours(hours)) return startMs + remaining;
  for (const [from, to] of workingIntervals(hours, tz, startMs)) {
    const segStart = Math.max(from, startMs);
    if (to <= segStart) continue;
    if (remaining <= to - segStart) return segStart + remaining;
    remaining -= to - segStart;
  }
  // Unreachable with any working interval in the week (800 days cover any deadline we accept).
  return startMs + Math.round(minutes * MINUTE);
}

/** The next instant at or after `ms` that is inside working hours; `ms` itself when always working. */
export function nextWorkingInstant(ms: number, hours: WeeklyHours | null, tz: string): number {
  if (!hours || !hasAnyHours(hours)) return ms;
  for (const [from, to] of workingIntervals(hours, tz, ms)) {
    if (to > ms) return Math.max(from, ms);
  }
  return ms;
}
