/**
 * Wall-clock times of IANA zones and UTC instants, converted through the runtime's tz database (Intl), never the
 * process time zone: nothing here calls a local-time Date API (getHours, getTimezoneOffset, new Date(y, m, d)).
 * The one conversion every package uses (pim re-exports it), so a time in a DST gap or fold means the same
 * instant everywhere.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

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

/** Offset east of UTC in seconds of `zone` at the UTC instant `epochMs`, read from Intl (slow: ~5 µs a call). */
export function intlOffsetAt(zone: string, epochMs: number): number {
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(new Date(epochMs))) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  const wall = Date.UTC(
    year,
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
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

function dayOffsets(zone: string, day: number): DayOffsets {
  let known = days.get(zone)?.get(day);
  if (known !== undefined) return known;
  const start = day * DAY_MS;
  const before = intlOffsetAt(zone, start);
  const after = intlOffsetAt(zone, start + DAY_MS);
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
