/**
 * Wall-clock <-> UTC conversion in an IANA zone using only Intl, so results never depend on the process TZ.
 * A wall time inside a spring-forward gap is moved forward by the gap (09:30 stays 09:30, 02:30 becomes 03:30),
 * which is what Outlook does for occurrences that fall into the gap.
 */

export interface WallTime {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export class UnknownTimeZoneError extends Error {
  readonly code = 'UnknownTimeZone';
  constructor(readonly timeZone: string) {
    super(`Unknown time zone "${timeZone}": use an IANA name such as Europe/Berlin or a Windows name Exchange knows`);
  }
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * Offsets per zone and UTC day, then per 15-minute slice on days with a transition: Intl's formatToParts is costly
 * and every rendered time needs a wall time. A span is cached only when its first and last second have the same
 * offset (so no transition lies inside it); the rest is answered exactly each time.
 */
const DAY_MS = 86_400_000;
const SLICE_MS = 15 * 60_000;
const spanOffsets = new Map<string, number>();

function spanOffset(utcMs: number, timeZone: string, span: number): number {
  const index = Math.floor(utcMs / span);
  const key = `${timeZone}|${span}|${index}`;
  let offset = spanOffsets.get(key);
  if (offset === undefined) {
    const first = index * span;
    const last = first + span - 1000;
    const a = wallToNumber(exactWall(first, timeZone)) - first;
    const b = wallToNumber(exactWall(last, timeZone)) - last;
    offset = a === b ? a : Number.NaN;
    if (spanOffsets.size > 500_000) spanOffsets.clear();
    spanOffsets.set(key, offset);
  }
  return offset;
}

/** Wall time of a UTC instant in a zone. */
export function utcToWall(utcMs: number, timeZone: string): WallTime {
  // UTC has no offset to look up: every Graph answer without a zone preference (and exsync's, which prefers UTC)
  // renders its times in UTC, and each new day cost two Intl calls.
  let offset = timeZone === 'UTC' ? 0 : spanOffset(utcMs, timeZone, DAY_MS);
  if (Number.isNaN(offset)) offset = spanOffset(utcMs, timeZone, SLICE_MS);
  if (Number.isNaN(offset)) return exactWall(utcMs, timeZone);
  const d = new Date(Math.floor(utcMs / 1000) * 1000 + offset);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/** en-US, h23, 2-digit fields: `MM/DD/YYYY, HH:MM:SS` (the year has as many digits as it needs). */
const US_WALL = /^(\d{2})\/(\d{2})\/(\d+), (\d{2}):(\d{2}):(\d{2})$/;

function exactWall(utcMs: number, timeZone: string): WallTime {
  let f: Intl.DateTimeFormat;
  try {
    f = formatterFor(timeZone);
  } catch {
    throw new UnknownTimeZoneError(timeZone);
  }
  // format() and one match cost about a quarter of formatToParts (an object per field); whatever that pattern does
  // not read (an era, a year before 1) is read part by part as before.
  const m = US_WALL.exec(f.format(utcMs));
  if (m) {
    return {
      year: Number(m[3]),
      month: Number(m[1]),
      day: Number(m[2]),
      hour: Number(m[4]),
      minute: Number(m[5]),
      second: Number(m[6]),
    };
  }
  return wallFromParts(f, utcMs);
}

function wallFromParts(f: Intl.DateTimeFormat, utcMs: number): WallTime {
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(utcMs))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

export function wallToNumber(w: WallTime): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/**
 * The offset at an instant straight from Intl (one lookup, nothing remembered): for scans that visit each day once,
 * where filling the per-day memo would cost two lookups per day.
 */
export function exactOffsetAt(utcMs: number, timeZone: string): number {
  const wholeSeconds = Math.floor(utcMs / 1000) * 1000;
  return wallToNumber(exactWall(wholeSeconds, timeZone)) - wholeSeconds;
}

/** Offset of the zone from UTC at an instant, in ms (positive east of Greenwich). */
export function offsetAt(utcMs: number, timeZone: string): number {
  const wholeSeconds = Math.floor(utcMs / 1000) * 1000;
  return wallToNumber(utcToWall(wholeSeconds, timeZone)) - wholeSeconds;
}

/** UTC instant of a wall time in a zone (luxon's fixOffset algorithm). */
export function wallToUtc(w: WallTime, timeZone: string): number {
  const local = wallToNumber(w);
  const o = offsetAt(local, timeZone);
  let guess = local - o;
  const o2 = offsetAt(guess, timeZone);
  if (o === o2) return guess;
  guess -= o2 - o;
  const o3 = offsetAt(guess, timeZone);
  if (o2 === o3) return guess;
  // In a gap: both offsets are wrong; use the earlier offset so the time moves forward past the gap.
  return local - Math.min(o2, o3);
}

/** A calendar date as an integer day number (days since 1970-01-01), convenient for stepping. */
export function dayNumber(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / 86_400_000);
}

export function fromDayNumber(n: number): { year: number; month: number; day: number; weekday: number } {
  const d = new Date(n * 86_400_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay() };
}

export function parseIsoDate(s: string): { year: number; month: number; day: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  if (!m) throw new RangeError(`Not a date (YYYY-MM-DD): "${s}"`);
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

export function formatIsoDate(d: { year: number; month: number; day: number }): string {
  return `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
