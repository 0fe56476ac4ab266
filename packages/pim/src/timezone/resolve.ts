import ICAL from 'ical.js';
import { WINDOWS_TO_IANA_MAP } from 'windows-iana';
import type { JComp } from '../text/jcal';
import { canonicalZones, isIanaZone, offsetAt } from './offsets';
import { windowsToIana } from './windows';

/**
 * Resolves an iCalendar TZID to an IANA zone. Order of trust: a real IANA name (also inside Mozilla's
 * "/mozilla.org/.../Europe/Berlin" prefixes); a Windows id (CLDR); the IANA
 * zone whose offsets match the VTIMEZONE over the whole reference year, preferring one named in the TZID text
 * ("(UTC+01:00) Amsterdam, Berlin…") and then CLDR's main zone for some Windows id; finally, without a VTIMEZONE,
 * a display name's cities or fixed offset. Undefined when nothing fits.
 */
export function resolveTzid(tzid: string, vtimezone: JComp | undefined, refYear: number): string | undefined {
  const name = tzid.trim().replace(/^"|"$/g, '');
  // An IANA name wins whatever VTIMEZONE stands beside it (resolveUncached's first rule): answered before the
  // memo key, which serialises the VTIMEZONE, is built for each date property of each item.
  if (isIanaZone(name)) return name;
  const key = `${name}\u0000${refYear}\u0000${vtimezone ? JSON.stringify(vtimezone) : ''}`;
  const cached = cache.get(key);
  if (cached !== undefined || cache.has(key)) return cached;
  const result = resolveUncached(name, vtimezone, refYear);
  cache.set(key, result);
  return result;
}

const cache = new Map<string, string | undefined>();

/** Forgets resolved TZIDs (tests use it to prove that resolution does not depend on the process zone). */
export function clearResolveCache(): void {
  cache.clear();
}

function resolveUncached(name: string, vtimezone: JComp | undefined, refYear: number): string | undefined {
  const tail = /([A-Za-z]+\/[A-Za-z_+-]+(?:\/[A-Za-z_+-]+)?)$/.exec(name)?.[1];
  if (isIanaZone(name)) return name;
  if (tail && name.startsWith('/') && isIanaZone(tail)) return tail;
  // "America-Chicago" and similar home-made spellings of an IANA name.
  const slashed = name.replace(/^([A-Za-z]+)-([A-Za-z_]+)$/, '$1/$2');
  if (slashed !== name && isIanaZone(slashed)) return slashed;
  // A Windows id names its zone better than the VTIMEZONE beside it: Outlook's rules are often outdated and
  // other writers have been seen pairing a Windows id with another zone's offsets.
  const windows = windowsToIana(name);
  if (windows) return windows;
  if (!vtimezone) return fromDisplayName(name);
  const rules = sampleVtimezone(vtimezone, refYear);
  if (!rules) return fromDisplayName(name);
  let candidates = canonicalZones().filter((z) => matches(z, rules));
  if (candidates.length === 0) candidates = canonicalZones().filter((z) => matchesSeasons(z, rules));
  if (candidates.length === 0) return fromDisplayName(name);
  const named = candidates.find((z) => mentions(name, z));
  if (named) return named;
  const weights = goldenZones();
  const golden = candidates
    .filter((z) => weights.has(z))
    .sort((a, b) => (weights.get(b) ?? 0) - (weights.get(a) ?? 0))[0];
  return golden ?? candidates[0];
}

function matchesSeasons(zone: string, s: Samples): boolean {
  return [14, 195].every((i) => offsetAt(zone, s.instants[i]!) === s.offsets[i]);
}

interface Samples {
  readonly instants: readonly number[];
  readonly offsets: readonly number[];
}

/** The VTIMEZONE's offset at local noon of every day of the year, as UTC instants with their offsets. */
function sampleVtimezone(vtimezone: JComp, year: number): Samples | undefined {
  try {
    const tz = new ICAL.Timezone(new ICAL.Component(withRecentStarts(vtimezone, year)));
    const instants: number[] = [];
    const offsets: number[] = [];
    for (let day = 0; day < 365; day++) {
      const local = Date.UTC(year, 0, 1 + day, 12);
      const d = new Date(local);
      const time = ICAL.Time.fromData({
        year: d.getUTCFullYear(),
        month: d.getUTCMonth() + 1,
        day: d.getUTCDate(),
        hour: 12,
        minute: 0,
        second: 0,
        isDate: false,
      });
      const offset = tz.utcOffset(time);
      if (!Number.isFinite(offset)) return undefined;
      instants.push(local - offset * 1000);
      offsets.push(offset);
    }
    return { instants, offsets };
  } catch {
    return undefined;
  }
}

/**
 * Same offsets as the VTIMEZONE on both sides of each of its transitions and mid-month all year: a zone whose
 * rules differ shows it at one of these instants (a transition on another day falls between the pair).
 */
/**
 * Outlook starts its yearly rules in 1601; ical.js would expand four centuries to reach the reference year.
 * Starting a yearly rule two years earlier gives the same transitions in the reference year.
 */
function withRecentStarts(vtimezone: JComp, year: number): JComp {
  const copy = structuredClone(vtimezone);
  for (const observance of copy[2]) {
    const start = observance[1].find((p) => p[0] === 'dtstart');
    // Only open-ended rules: moving the start of a rule that ended (UNTIL, COUNT) would revive it.
    const yearly = observance[1].some(
      (p) => p[0] === 'rrule' && String(p[3]?.freq).toUpperCase() === 'YEARLY' && !p[3]?.until && !p[3]?.count,
    );
    if (!start || !yearly || typeof start[3] !== 'string') continue;
    if (Number(start[3].slice(0, 4)) < year - 2) start[3] = `${year - 2}${start[3].slice(4)}`;
  }
  return copy;
}

function matches(zone: string, s: Samples): boolean {
  if (!matchesSeasons(zone, s)) return false;
  return checkpoints(s).every((i) => offsetAt(zone, s.instants[i]!) === s.offsets[i]);
}

const checkpointCache = new WeakMap<Samples, number[]>();
function checkpoints(s: Samples): number[] {
  let points = checkpointCache.get(s);
  if (!points) {
    points = Array.from({ length: 12 }, (_, m) => m * 30 + 14);
    for (let i = 1; i < s.offsets.length; i++) if (s.offsets[i] !== s.offsets[i - 1]) points.push(i - 1, i);
    checkpointCache.set(s, points);
  }
  return points;
}

function mentions(tzidText: string, zone: string): boolean {
  const city = zone.split('/').pop()!.replace(/_/g, ' ').toLowerCase();
  return city.length > 2 && tzidText.toLowerCase().includes(city);
}

let golden: Map<string, number> | undefined;
/**
 * CLDR's main zone of every Windows id (the zone a Windows user of that id most likely means), weighted by how
 * many territories use the id, so that "Eastern Standard Time" wins over "Turks And Caicos Standard Time".
 */
function goldenZones(): Map<string, number> {
  if (!golden) {
    const territories = new Map<string, number>();
    for (const e of WINDOWS_TO_IANA_MAP) territories.set(e.windowsName, (territories.get(e.windowsName) ?? 0) + 1);
    golden = new Map();
    for (const e of WINDOWS_TO_IANA_MAP) {
      const first = e.iana[0];
      if (e.territory === '001' && first) golden.set(first, territories.get(e.windowsName) ?? 0);
    }
  }
  return golden;
}

/** Windows display names whose cities name no IANA zone. */
const DISPLAY_REGIONS: readonly [RegExp, string][] = [
  [/Eastern Time \(US/i, 'America/New_York'],
  [/Central Time \(US/i, 'America/Chicago'],
  [/Mountain Time \(US/i, 'America/Denver'],
  [/Pacific Time \(US/i, 'America/Los_Angeles'],
  [/Atlantic Time \(Canada/i, 'America/Halifax'],
  [/Alaska/i, 'America/Anchorage'],
  [/Hawaii/i, 'Pacific/Honolulu'],
];

/** "(UTC+01:00) Amsterdam, Berlin, Bern" or "(GMT+10:00) Canberra, Melbourne, Sydney" without a VTIMEZONE. */
function fromDisplayName(name: string): string | undefined {
  const m = /^\((?:UTC|GMT)(?:([+-])(\d{1,2}):?(\d{2}))?\)\s*(.*)$/i.exec(name);
  if (!m) return undefined;
  const offset = m[1] ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60) : 0;
  for (const [re, zone] of DISPLAY_REGIONS) if (re.test(m[4]!)) return zone;
  const cities = m[4]!
    .split(/[,;]/)
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c.length > 2);
  const jan = Date.UTC(2025, 0, 15);
  const jul = Date.UTC(2025, 6, 15);
  for (const city of cities) {
    const zone = canonicalZones().find((z) => z.split('/').pop()!.replace(/_/g, ' ').toLowerCase() === city);
    // Display names give the standard offset; in the southern hemisphere that is the July one.
    if (zone && (offsetAt(zone, jan) === offset || offsetAt(zone, jul) === offset)) return zone;
  }
  if (offset % 3600 !== 0) return undefined;
  const hours = offset / 3600;
  // Etc/GMT signs are inverted by POSIX convention: Etc/GMT-7 is UTC+7.
  return hours === 0 ? 'Etc/UTC' : `Etc/GMT${hours > 0 ? '-' : '+'}${Math.abs(hours)}`;
}
