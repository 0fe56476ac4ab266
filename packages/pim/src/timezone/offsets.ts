import { utcOffsetAt } from '@exsync/core';

/**
 * IANA zones as the runtime's tz database knows them (Intl). The wall-clock/instant conversion itself lives in
 * @exsync/core (model/wall-clock.ts), so the core's date arithmetic and every adapter share it; re-exported here.
 */
export { utcToWallClock, wallClockToUtc } from '@exsync/core';
export const offsetAt = utcOffsetAt;

let known: Set<string> | undefined;

/** Whether the runtime knows `zone` as an IANA name (canonical or alias). */
export function isIanaZone(zone: string): boolean {
  if (!known) known = new Set(Intl.supportedValuesOf('timeZone'));
  if (known.has(zone)) return true;
  if (!/^[A-Za-z]+(\/[A-Za-z0-9_+-]+)+$|^UTC$|^Etc\/[A-Za-z0-9+-]+$/.test(zone)) return false;
  const seen = aliases.get(zone);
  if (seen !== undefined) return seen;
  let valid: boolean;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    valid = true;
  } catch {
    valid = false;
  }
  // Bounded: zone names come from the objects read, and a stream of made-up ones must not grow the memo forever.
  if (aliases.size >= MAX_ALIASES) aliases.clear();
  aliases.set(zone, valid);
  return valid;
}

/**
 * Names Intl accepts but does not list (`UTC`, `Asia/Kolkata`, `Europe/Kyiv` on Node 20's ICU): asking Intl costs
 * ~0.1 ms each time, and a date in such a zone asked it several times per item written and hashed.
 */
const aliases = new Map<string, boolean>();
const MAX_ALIASES = 1000;

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
