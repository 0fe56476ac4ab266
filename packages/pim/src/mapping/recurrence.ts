import type { DateValue, RecurrenceRule, Weekday } from '@exsync/core';
import type { JProp } from '../text/jcal';

const WEEKDAYS: readonly Weekday[] = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
const FREQS = ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'] as const;

type Recur = Record<string, unknown>;

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const numbers = (v: unknown): number[] | undefined => {
  const n = list(v).map(Number).filter(Number.isFinite);
  return n.length > 0 ? n : undefined;
};

/** RRULE (ical.js's jCal recur object) to the model. Undefined for frequencies the model cannot hold (HOURLY…). */
export function toRecurrence(p: JProp | undefined): RecurrenceRule | undefined {
  const r = p?.[3] as Recur | undefined;
  if (!r || typeof r !== 'object') return undefined;
  const freq = String(r.freq ?? '').toUpperCase();
  if (!(FREQS as readonly string[]).includes(freq)) return undefined;
  const byDay = list(r.byday).flatMap((d) => {
    const m = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/i.exec(String(d).trim());
    if (!m) return [];
    const day = m[2]!.toUpperCase() as Weekday;
    return [m[1] ? { day, ordinal: Number(m[1]) } : { day }];
  });
  const rule: Record<string, unknown> = { freq };
  const interval = Number(r.interval);
  if (Number.isFinite(interval) && interval > 1) rule.interval = interval;
  if (r.count !== undefined) rule.count = Number(r.count);
  else if (typeof r.until === 'string') rule.until = untilValue(r.until);
  if (byDay.length > 0) rule.byDay = byDay;
  const byMonthDay = numbers(r.bymonthday);
  if (byMonthDay) rule.byMonthDay = byMonthDay;
  const byMonth = numbers(r.bymonth);
  if (byMonth) rule.byMonth = byMonth;
  const bySetPos = numbers(r.bysetpos);
  if (bySetPos) rule.bySetPos = bySetPos;
  if (r.wkst !== undefined) {
    const wkst = typeof r.wkst === 'number' ? WEEKDAYS[r.wkst - 1] : String(r.wkst).toUpperCase();
    if (wkst && (WEEKDAYS as readonly string[]).includes(wkst)) rule.weekStart = wkst;
  }
  return rule as unknown as RecurrenceRule;
}

function untilValue(v: string): DateValue {
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return { kind: 'date', date: v };
  if (v.endsWith('Z')) return { kind: 'utc', dateTime: v };
  return { kind: 'floating', dateTime: v };
}

export function fromRecurrence(rule: RecurrenceRule): Recur {
  const r: Recur = { freq: rule.freq };
  if (rule.interval !== undefined && rule.interval !== 1) r.interval = rule.interval;
  if (rule.count !== undefined) r.count = rule.count;
  if (rule.until) {
    const u = rule.until;
    r.until = u.kind === 'date' ? u.date : u.dateTime;
  }
  if (rule.byDay?.length) r.byday = rule.byDay.map((d) => `${d.ordinal ?? ''}${d.day}`);
  if (rule.byMonthDay?.length) r.bymonthday = [...rule.byMonthDay];
  if (rule.byMonth?.length) r.bymonth = [...rule.byMonth];
  if (rule.bySetPos?.length) r.bysetpos = [...rule.bySetPos];
  if (rule.weekStart) r.wkst = WEEKDAYS.indexOf(rule.weekStart) + 1;
  return r;
}
