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

/** Offset east of UTC in seconds of `zone` at the UTC instant `epochMs`. */
export function utcOffsetAt(zone: string, epochMs: number): number {
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

/** `YYYY-MM-DDTHH:MM:SS` wall clock of the UTC instant `epochMs` as seen in `zone` (fractions of a second dropped). */
export function utcToWallClock(epochMs: number, zone: string): string {
  return new Date(Math.floor(epochMs / 1000) * 1000 + utcOffsetAt(zone, epochMs) * 1000).toISOString().slice(0, 19);
}

const DAY_MS = 86_400_000;

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
