import { exactOffsetAt, offsetAt, toIanaZone, toWindowsZone, utcToWall } from '../recurrence';
import { el, esc, tx } from './xml/write';

/** Windows tz ids that ews-javascript-api and Outlook send, resolved to IANA; unknown ids fall back to UTC. */
export function ianaFromWindowsId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  try {
    return toIanaZone(id);
  } catch {
    return undefined;
  }
}

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** xs:duration of a bias in minutes (Windows bias = -offset). */
function duration(minutes: number): string {
  const neg = minutes < 0;
  const m = Math.abs(minutes);
  const h = Math.floor(m / 60);
  const mm = m % 60;
  const body = `PT${h ? `${h}H` : ''}${mm ? `${mm}M` : ''}${!h && !mm ? '0H' : ''}`;
  return neg ? `-${body}` : body;
}

export interface Rule {
  readonly month: number;
  readonly weekday: number;
  /** 1..4, or -1 for the last such weekday of the month. */
  readonly occurrence: number;
  readonly localMinutes: number;
}

export interface ZoneRules {
  /** UTC offsets in minutes. */
  readonly std: number;
  readonly dst: number;
  readonly toDst?: Rule;
  readonly toStd?: Rule;
}

/** Zone rules never change while the process runs: computed once per zone and year (the scan is costly). */
const rulesCache = new Map<string, ZoneRules>();

/** The zone's DST transitions in a reference year, described the Windows way (memoised). */
export function transitions(iana: string, year: number): ZoneRules {
  const key = `${iana}|${year}`;
  let rules = rulesCache.get(key);
  if (!rules) {
    rules = scanTransitions(iana, year);
    rulesCache.set(key, rules);
  }
  return rules;
}

function scanTransitions(iana: string, year: number): ZoneRules {
  const jan = offsetAt(Date.UTC(year, 0, 1), iana) / 60_000;
  const jul = offsetAt(Date.UTC(year, 6, 1), iana) / 60_000;
  if (jan === jul) return { std: jan, dst: jan };
  const std = Math.min(jan, jul);
  const dst = Math.max(jan, jul);
  const rules: { toDst?: Rule; toStd?: Rule } = {};
  // The first whole hour at which the offset differs from the one before, found day by day: a day whose last
  // hour has the offset its start had holds no transition (no zone changes its offset twice in a day; short DST
  // periods of a week exist), and in a day that does, a bisection finds the hour. One exact lookup per day and a
  // few per transition, instead of 8,760 hour by hour.
  const HOUR = 3_600_000;
  const lastHour = Date.UTC(year + 1, 0, 1) - HOUR;
  let prev = offsetAt(Date.UTC(year, 0, 1), iana);
  let t = Date.UTC(year, 0, 1);
  while (t < lastHour) {
    const dayEnd = Math.min(t + 24 * HOUR, lastHour);
    if (exactOffsetAt(dayEnd, iana) === prev) {
      t = dayEnd;
      continue;
    }
    let lo = t;
    let hi = dayEnd;
    while (hi - lo > HOUR) {
      const mid = lo + Math.floor((hi - lo) / HOUR / 2) * HOUR;
      if (exactOffsetAt(mid, iana) === prev) lo = mid;
      else hi = mid;
    }
    t = hi;
    const o = offsetAt(t, iana);
    // The transition instant, expressed in the wall clock that was in force before it (Windows convention).
    const before = utcToWall(t - 1, iana);
    const localMinutes = (before.hour * 60 + before.minute + 1) % (24 * 60);
    const d = new Date(Date.UTC(before.year, before.month - 1, before.day));
    const weekday = d.getUTCDay();
    const lastDay = new Date(Date.UTC(before.year, before.month, 0)).getUTCDate();
    const occurrence = before.day + 7 > lastDay ? -1 : Math.ceil(before.day / 7);
    const rule = { month: before.month, weekday, occurrence, localMinutes };
    if (o / 60_000 === dst) rules.toDst = rule;
    else rules.toStd = rule;
    prev = o;
  }
  return { std, dst, ...rules };
}

function utcLabel(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const m = Math.abs(offsetMinutes);
  return `(UTC${sign}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')})`;
}

/**
 * A full TimeZoneDefinitionType (Periods, TransitionsGroups, Transitions) as Exchange 2010+ returns for
 * StartTimeZone/EndTimeZone. ews-javascript-api drops a definition that has only Id/Name (reference §1.5).
 */
const definitions = new Map<string, string>();

export function timeZoneDefinition(elementName: string, iana: string, year = 2026): string {
  // The same few zones on every item: each definition is built once.
  const key = `${elementName}|${iana}|${year}`;
  let xml = definitions.get(key);
  if (xml === undefined) {
    xml = buildTimeZoneDefinition(elementName, iana, year);
    definitions.set(key, xml);
  }
  return xml;
}

function buildTimeZoneDefinition(elementName: string, iana: string, year: number): string {
  const winId = toWindowsZone(iana);
  const { std, dst, toDst, toStd } = transitions(iana, year);
  const base = `trule:Microsoft/Registry/${winId}/${year}`;
  const name = `${utcLabel(std)} ${winId}`;
  const stdId = `${base}-Standard`;
  const dstId = `${base}-Daylight`;
  const period = (bias: number, n: string, id: string) =>
    `<t:Period Bias="${duration(-bias)}" Name="${n}" Id="${esc(id)}"/>`;
  const recurring = (to: string, r: Rule) =>
    el(
      't:RecurringDayTransition',
      undefined,
      tx('t:To', to, { Kind: 'Period' }),
      tx('t:TimeOffset', duration(r.localMinutes)),
      tx('t:Month', r.month),
      tx('t:DayOfWeek', DAY_NAMES[r.weekday]),
      tx('t:Occurrence', r.occurrence),
    );
  if (!toDst || !toStd) {
    return el(
      elementName,
      { Id: winId, Name: name },
      el('t:Periods', undefined, period(std, 'Standard', stdId)),
      el(
        't:TransitionsGroups',
        undefined,
        el('t:TransitionsGroup', { Id: '0' }, el('t:Transition', undefined, tx('t:To', stdId, { Kind: 'Period' }))),
      ),
      el('t:Transitions', undefined, el('t:Transition', undefined, tx('t:To', '0', { Kind: 'Group' }))),
    );
  }
  return el(
    elementName,
    { Id: winId, Name: name },
    el('t:Periods', undefined, period(std, 'Standard', stdId), period(dst, 'Daylight', dstId)),
    el(
      't:TransitionsGroups',
      undefined,
      el('t:TransitionsGroup', { Id: '0' }, recurring(dstId, toDst), recurring(stdId, toStd)),
    ),
    el('t:Transitions', undefined, el('t:Transition', undefined, tx('t:To', '0', { Kind: 'Group' }))),
  );
}

const ICS_DAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

function icsOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const m = Math.abs(minutes);
  return `${sign}${String(Math.floor(m / 60)).padStart(2, '0')}${String(m % 60).padStart(2, '0')}`;
}

/**
 * The VTIMEZONE Exchange writes into MimeContent for a zone named by its Windows id (TZID), with yearly rules
 * from 1601 as Windows has them. Every TZID in an exported calendar has one (RFC 5545 §3.6.5).
 */
export function vtimezoneLines(iana: string, year = 2026): string[] {
  const winId = toWindowsZone(iana);
  const { std, dst, toDst, toStd } = transitions(iana, year);
  const hhmmss = (minutes: number) =>
    `${String(Math.floor(minutes / 60)).padStart(2, '0')}${String(minutes % 60).padStart(2, '0')}00`;
  const part = (kind: 'STANDARD' | 'DAYLIGHT', from: number, to: number, r?: Rule) => [
    `BEGIN:${kind}`,
    r ? `DTSTART:1601${String(r.month).padStart(2, '0')}01T${hhmmss(r.localMinutes)}` : 'DTSTART:16010101T000000',
    `TZOFFSETFROM:${icsOffset(from)}`,
    `TZOFFSETTO:${icsOffset(to)}`,
    ...(r ? [`RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=${r.occurrence}${ICS_DAYS[r.weekday]};BYMONTH=${r.month}`] : []),
    `END:${kind}`,
  ];
  const lines = ['BEGIN:VTIMEZONE', `TZID:${winId}`];
  if (toDst && toStd) lines.push(...part('STANDARD', dst, std, toStd), ...part('DAYLIGHT', std, dst, toDst));
  else lines.push(...part('STANDARD', std, std));
  lines.push('END:VTIMEZONE');
  return lines;
}
