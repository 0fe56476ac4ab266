/**
 * UTC offsets of IANA zones computed from the runtime's tz database through Intl, never from the process time
 * zone: nothing here calls a local-time Date API (getHours, getTimezoneOffset, new Date(y, m, d)).
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
export function offsetAt(zone: string, epochMs: number): number {
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

let known: Set<string> | undefined;

/** Whether the runtime knows `zone` as an IANA name (canonical or alias). */
export function isIanaZone(zone: string): boolean {
  if (!known) known = new Set(Intl.supportedValuesOf('timeZone'));
  if (known.has(zone)) return true;
  if (!/^[A-Za-z]+(\/[A-Za-z0-9_+-]+)+$|^UTC$|^Etc\/[A-Za-z0-9+-]+$/.test(zone)) return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

export function canonicalZones(): readonly string[] {
  return Intl.supportedValuesOf('timeZone');
}

/** Instants (UTC ms) within [fromMs, toMs) where the zone's offset changes, found by bisection on a daily grid. */
export function transitions(zone: string, fromMs: number, toMs: number): number[] {
  const day = 86_400_000;
  const found: number[] = [];
  let prev = offsetAt(zone, fromMs);
  for (let t = fromMs + day; t <= toMs; t += day) {
    const cur = offsetAt(zone, t);
    if (cur === prev) continue;
    let lo = t - day;
    let hi = t;
    while (hi - lo > 1000) {
      const mid = Math.floor((lo + hi) / 2 / 1000) * 1000;
      if (offsetAt(zone, mid) === prev) lo = mid;
      else hi = mid;
    }
    found.push(hi);
    prev = cur;
  }
  return found;
}

/** The UTC instant (ms) of a wall-clock time `YYYY-MM-DDTHH:MM:SS` in `zone` (later of two in a fold). */
export function wallClockToUtc(dateTime: string, zone: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(dateTime);
  if (!m) return Number.NaN;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  const first = wall - offsetAt(zone, wall) * 1000;
  return wall - offsetAt(zone, first) * 1000;
}
