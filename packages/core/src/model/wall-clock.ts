/**
 * Wall-clock times of IANA zones and UTC instants, converted through the runtime's tz database (Intl), never the
 * process time zone: nothing here calls a local-time Date API (getHours, getTimezoneOffset, new Date(y, m, d)).
 * The one conversion every package uses (pim re-exports it), so a time in a DST gap or fold means the same
 * instant everywhere.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
/** Per zone: whether its formatter's plain `format` text reads back as `formatToParts` says (checked once). */
const plainReadable = new Map<string, boolean>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(zone, f);
  }
  return f;
}

interface WallParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** The wall clock from `formatToParts`: the documented shape, but it allocates an object per field (~15 µs). */
function partsOf(f: Intl.DateTimeFormat, date: Date): WallParts {
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(date)) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  return {
    year,
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** en-US's plain text of the same fields, e.g. `11/14/2023 AD, 23:13:20`. */
const PLAIN = /^(\d+)\/(\d+)\/(\d+) (AD|BC|A|B), (\d+):(\d+):(\d+)$/;

/** The wall clock from the plain `format` text (~2 µs, eight times cheaper); undefined for text of another shape. */
function plainOf(f: Intl.DateTimeFormat, date: Date): WallParts | undefined {
  const m = PLAIN.exec(f.format(date));
  if (!m) return undefined;
  const year = m[4] === 'BC' || m[4] === 'B' ? 1 - Number(m[3]) : Number(m[3]);
  return {
    year,
    month: Number(m[1]),
    day: Number(m[2]),
    hour: Number(m[5]),
    minute: Number(m[6]),
    second: Number(m[7]),
  };
}

/**
 * Whether `zone`'s plain text can stand in for `formatToParts`: checked once per zone on an instant whose day and
 * month differ (13 January), since another ICU could order or spell the fields differently.
 */
function readsPlain(zone: string, f: Intl.DateTimeFormat): boolean {
  let ok = plainReadable.get(zone);
  if (ok === undefined) {
    const probe = new Date(Date.UTC(2001, 0, 13, 12, 34, 56));
    const plain = plainOf(f, probe);
    const parts = partsOf(f, probe);
    ok = plain !== undefined && (Object.keys(parts) as (keyof WallParts)[]).every((k) => plain[k] === parts[k]);
    plainReadable.set(zone, ok);
  }
  return ok;
}

/** The wall clock of `zone` at `date` as Intl reads it: plain text where it reads back, `formatToParts` otherwise. */
export function intlWallParts(zone: string, date: Date, plain = true): WallParts {
  const f = formatter(zone);
  return (plain && readsPlain(zone, f) ? plainOf(f, date) : undefined) ?? partsOf(f, date);
}

/** Offset east of UTC in seconds of `zone` at the UTC instant `epochMs`, read from Intl (~2 µs a call). */
export function intlOffsetAt(zone: string, epochMs: number): number {
  const p = intlWallParts(zone, new Date(epochMs));
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((wall - Math.floor(epochMs / 1000) * 1000) / 1000);
}

/**
 * One UTC day of one zone: its offset when constant all day, or the one transition in it (the first second of
 * the new offset). Zones never change offset twice within two days (the same rule wallClockToUtc relies on), so a
 * day whose two ends agree has one offset throughout.
 */
type DayOffsets = number | { readonly at: number; readonly before: number; readonly after: number } | null;

const DAY_MS = 86_400_000;
/** Days remembered per zone before its memo starts afresh: ~137 years, a bound on memory for odd inputs. */
const MAX_DAYS_PER_ZONE = 50_000;
const days = new Map<string, Map<number, DayOffsets>>();
/**
 * The offset at midnight UTC starting each day, per zone: a day's end is the next day's start, so filling the days
 * in a row (a VTIMEZONE's year scan, a calendar's events) asks Intl once a day instead of twice.
 */
const midnights = new Map<string, Map<number, number>>();

function midnightOffset(zone: string, day: number): number {
  let offset = midnights.get(zone)?.get(day);
  if (offset !== undefined) return offset;
  offset = intlOffsetAt(zone, day * DAY_MS);
  // Created only now, after Intl accepted the zone: an unknown zone throws above and leaves nothing behind.
  let memo = midnights.get(zone);
  if (!memo) {
    memo = new Map();
    midnights.set(zone, memo);
  }
  if (memo.size >= MAX_DAYS_PER_ZONE) memo.clear();
  memo.set(day, offset);
  return offset;
}

function dayOffsets(zone: string, day: number): DayOffsets {
  let known = days.get(zone)?.get(day);
  if (known !== undefined) return known;
  const start = day * DAY_MS;
  const before = midnightOffset(zone, day);
  const after = midnightOffset(zone, day + 1);
  if (before === after) known = before;
  else {
    // Bisect to the second (offsets change on whole seconds) for the first instant with the new offset.
    let lo = start;
    let hi = start + DAY_MS;
    while (hi - lo > 1000) {
      const mid = Math.floor((lo + hi) / 2 / 1000) * 1000;
      if (intlOffsetAt(zone, mid) === before) lo = mid;
      else hi = mid;
    }
    // A day that does not fit the one-transition rule is never memoised: every call asks Intl.
    known = intlOffsetAt(zone, hi) === after ? { at: hi, before, after } : null;
  }
  // Created only now, after Intl accepted the zone: an unknown zone throws above and leaves nothing behind.
  let memo = days.get(zone);
  if (!memo) {
    memo = new Map();
    days.set(zone, memo);
  }
  if (memo.size >= MAX_DAYS_PER_ZONE) memo.clear();
  memo.set(day, known);
  return known;
}

/**
 * Offset east of UTC in seconds of `zone` at the UTC instant `epochMs`. Memoised per zone and UTC day (with the
 * day's transition to the second): a sync converts thousands of times in the same few zones and years, and each
 * Intl call costs more than the rest of the conversion together.
 */
export function utcOffsetAt(zone: string, epochMs: number): number {
  if (!Number.isFinite(epochMs)) return intlOffsetAt(zone, epochMs);
  const known = dayOffsets(zone, Math.floor(epochMs / DAY_MS));
  if (typeof known === 'number') return known;
  if (known === null) return intlOffsetAt(zone, epochMs);
  return Math.floor(epochMs / 1000) * 1000 >= known.at ? known.after : known.before;
}

/** `YYYY-MM-DDTHH:MM:SS` wall clock of the UTC instant `epochMs` as seen in `zone` (fractions of a second dropped). */
export function utcToWallClock(epochMs: number, zone: string): string {
  return new Date(Math.floor(epochMs / 1000) * 1000 + utcOffsetAt(zone, epochMs) * 1000).toISOString().slice(0, 19);
}

/**
 * The UTC instant (ms) of a wall-clock time `YYYY-MM-DDTHH:MM:SS` in `zone`, NaN for text of another shape.
 * RFC 5545 §3.3.5: a time that occurs twice (DST fold) means the first occurrence; a time skipped by a gap is read
 * with the offset in force before the gap, so it lands as far after the gap as it was into it (02:30 in a one-hour
 * spring-forward gap → 03:30 new time). Offsets a day either side bound the candidates because zones never change
 * offset twice within two days.
 */
export function wallClockToUtc(dateTime: string, zone: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(dateTime);
  if (!m) return Number.NaN;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  const before = utcOffsetAt(zone, wall - DAY_MS);
  const after = utcOffsetAt(zone, wall + DAY_MS);
  const valid = [before, after]
    .map((offset) => wall - offset * 1000)
    .filter((instant) => instant - wall === -utcOffsetAt(zone, instant) * 1000);
  return valid.length > 0 ? Math.min(...valid) : wall - before * 1000;
}
