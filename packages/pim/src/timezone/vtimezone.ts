import type { JComp, JProp } from '../text/jcal';
import { offsetAt, transitions } from './offsets';

const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;

const built = new Map<string, JComp>();
/** Zone-years remembered before the memo starts afresh: a bound on memory, far above what a sync meets. */
const MAX_BUILT = 2_000;

/**
 * Builds a VTIMEZONE for an IANA zone from the runtime's tz data, with yearly rules read off the transitions of
 * `year` (a zone that changed its rules since is described as it is in that year, the year the event needs).
 * Memoised per zone and year (every event written in a zone needs the same block); each caller gets its own copy,
 * since a calendar's components are edited in place. The copy is made by hand: `structuredClone` of these few small
 * arrays cost more than building the rest of the event (issue 14's profile of an initial sync).
 */
export function buildVtimezone(zone: string, year: number): JComp {
  const key = `${zone}\u0000${year}`;
  let block = built.get(key);
  if (!block) {
    block = buildUncached(zone, year);
    if (built.size >= MAX_BUILT) built.clear();
    built.set(key, block);
  }
  return copyComponent(block);
}

/** A deep copy of a block as built below: arrays, parameter and recurrence objects, strings and numbers. */
function copyComponent(c: JComp): JComp {
  return [c[0], c[1].map(copyProperty), c[2].map(copyComponent)];
}

function copyProperty(p: JProp): JProp {
  return p.map(copyValue) as JProp;
}

function copyValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copyValue);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = copyValue(x);
    return out;
  }
  return v;
}

function buildUncached(zone: string, year: number): JComp {
  const from = Date.UTC(year, 0, 1);
  const found = transitions(zone, from, Date.UTC(year + 1, 0, 1));
  const observances: JComp[] = [];
  if (found.length !== 2) {
    const offset = offsetAt(zone, Date.UTC(year, 6, 1));
    observances.push(observance('standard', '1970-01-01T00:00:00', offset, offset));
  } else {
    for (const at of found) {
      const before = offsetAt(zone, at - 1000);
      const after = offsetAt(zone, at);
      const local = new Date(at + before * 1000);
      const month = local.getUTCMonth() + 1;
      const day = local.getUTCDate();
      const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
      const ordinal = day + 7 > daysInMonth ? -1 : Math.ceil(day / 7);
      const weekday = WEEKDAYS[local.getUTCDay()]!;
      const time = local.toISOString().slice(11, 19);
      const startDay = nthWeekday(1970, month, local.getUTCDay(), ordinal);
      const dtstart = `1970-${pad(month)}-${pad(startDay)}T${time}`;
      const rule = { freq: 'YEARLY', bymonth: month, byday: `${ordinal}${weekday}` };
      observances.push(observance(after > before ? 'daylight' : 'standard', dtstart, before, after, rule));
    }
  }
  return ['vtimezone', [['tzid', {}, 'text', zone]], observances];
}

function observance(kind: string, dtstart: string, from: number, to: number, rule?: object): JComp {
  const props: JProp[] = [
    ['dtstart', {}, 'date-time', dtstart],
    ...(rule ? [['rrule', {}, 'recur', rule] as JProp] : []),
    ['tzoffsetfrom', {}, 'utc-offset', formatOffset(from)],
    ['tzoffsetto', {}, 'utc-offset', formatOffset(to)],
  ];
  return [kind, props, []];
}

function nthWeekday(year: number, month: number, weekday: number, ordinal: number): number {
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const candidates: number[] = [];
  for (let d = 1; d <= days; d++)
    if (new Date(Date.UTC(year, month - 1, d)).getUTCDay() === weekday) candidates.push(d);
  return (ordinal === -1 ? candidates[candidates.length - 1] : candidates[ordinal - 1]) ?? 1;
}

export function formatOffset(seconds: number): string {
  const sign = seconds < 0 ? '-' : '+';
  const abs = Math.abs(seconds);
  return `${sign}${pad(Math.floor(abs / 3600))}:${pad(Math.floor((abs % 3600) / 60))}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
