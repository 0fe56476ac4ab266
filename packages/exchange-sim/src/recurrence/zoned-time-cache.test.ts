import { describe, expect, it } from 'vitest';
import { utcToWall } from './zoned-time';

const formats = new Map<string, Intl.DateTimeFormat>();

/** Wall time straight from Intl, no offset caching: what the cached conversion must always equal. */
function intlWall(utcMs: number, timeZone: string) {
  const format =
    formats.get(timeZone) ??
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  formats.set(timeZone, format);
  const parts = format.formatToParts(new Date(utcMs));
  const n = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  return {
    year: n('year'),
    month: n('month'),
    day: n('day'),
    hour: n('hour'),
    minute: n('minute'),
    second: n('second'),
  };
}

describe('utcToWall (offsets cached per day and per 15-minute slice)', () => {
  it('equals Intl at every instant around DST transitions, half-hour and 45-minute zones included', () => {
    const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/St_Johns'];
    const spans = [
      [Date.UTC(2026, 2, 7), Date.UTC(2026, 2, 31)],
      [Date.UTC(2026, 9, 3), Date.UTC(2026, 10, 3)],
    ];
    for (const zone of zones) {
      for (const [from, to] of spans) {
        // 13 min 7 s steps: every 15-minute slice, both sides of each transition, seconds aligned to nothing.
        for (let t = from!; t < to!; t += 787_000) {
          expect(utcToWall(t, zone), `${zone} ${new Date(t).toISOString()}`).toEqual(intlWall(t, zone));
        }
      }
    }
  }, 60_000);

  it('equals Intl in UTC (answered without a lookup) from 1901 to 2200', () => {
    for (let t = Date.UTC(1, 0, 1); t < Date.UTC(2200, 0, 1); t += 7_919_999_937) {
      expect(utcToWall(t, 'UTC'), new Date(t).toISOString()).toEqual(intlWall(t, 'UTC'));
    }
  });
});
