import { describe, expect, it } from 'vitest';
import { exactOffsetAt } from './zoned-time';

/** The offset read field by field from formatToParts, the way the conversion read it before it parsed format(). */
function offsetFromParts(utcMs: number, timeZone: string): number {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const p: Record<string, number> = {};
  for (const x of f.formatToParts(new Date(utcMs))) if (x.type !== 'literal') p[x.type] = Number(x.value);
  const whole = Math.floor(utcMs / 1000) * 1000;
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - whole;
}

const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'America/St_Johns',
  'Pacific/Chatham',
  'Africa/Casablanca',
  'America/Sao_Paulo',
  'Asia/Tokyo',
];

describe('exact wall time from Intl', () => {
  it('gives the offset formatToParts gives, across DST changes, odd offsets and early and late years', () => {
    const instants: number[] = [];
    for (let t = Date.UTC(2025, 0, 1); t < Date.UTC(2027, 0, 1); t += 7 * 3_600_000 + 13 * 60_000) instants.push(t);
    for (const y of [1, 99, 999, 1601, 1900, 1970, 2038, 9999]) instants.push(Date.UTC(y, 5, 15, 12, 30, 45));
    instants.push(Date.UTC(0, 0, 1) - 86_400_000 * 400, -62198755200000);
    for (const zone of ZONES) {
      for (const t of instants) expect(exactOffsetAt(t, zone), `${zone} ${t}`).toBe(offsetFromParts(t, zone));
    }
  });
});
