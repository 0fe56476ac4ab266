import { describe, expect, it } from 'vitest';
import { offsetAt, utcToWall } from '../recurrence';
import { type Rule, transitions, type ZoneRules } from './timezone';

/** The plain definition the fast scan must match: every hour of the year, each offset change recorded. */
function hourByHour(iana: string, year: number): ZoneRules {
  const jan = offsetAt(Date.UTC(year, 0, 1), iana) / 60_000;
  const jul = offsetAt(Date.UTC(year, 6, 1), iana) / 60_000;
  if (jan === jul) return { std: jan, dst: jan };
  const std = Math.min(jan, jul);
  const dst = Math.max(jan, jul);
  const rules: { toDst?: Rule; toStd?: Rule } = {};
  let prev = offsetAt(Date.UTC(year, 0, 1), iana);
  for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += 3_600_000) {
    const o = offsetAt(t, iana);
    if (o === prev) continue;
    const before = utcToWall(t - 1, iana);
    const lastDay = new Date(Date.UTC(before.year, before.month, 0)).getUTCDate();
    const rule = {
      month: before.month,
      weekday: new Date(Date.UTC(before.year, before.month - 1, before.day)).getUTCDay(),
      occurrence: before.day + 7 > lastDay ? -1 : Math.ceil(before.day / 7),
      localMinutes: (before.hour * 60 + before.minute + 1) % (24 * 60),
    };
    if (o / 60_000 === dst) rules.toDst = rule;
    else rules.toStd = rule;
    prev = o;
  }
  return { std, dst, ...rules };
}

describe('zone rules for TimeZoneDefinition and VTIMEZONE', () => {
  it('equal an hour-by-hour scan for every zone Intl knows (2026)', () => {
    const zones = Intl.supportedValuesOf('timeZone');
    const differing = zones.filter((z) => JSON.stringify(transitions(z, 2026)) !== JSON.stringify(hourByHour(z, 2026)));
    expect(differing).toEqual([]);
    expect(zones.length).toBeGreaterThan(300);
  });

  it('find a daylight period that lasted one week (Brazil, October 2000)', () => {
    for (const zone of ['America/Boa_Vista', 'America/Noronha', 'America/Recife']) {
      const rules = transitions(zone, 2000);
      expect(rules).toEqual(hourByHour(zone, 2000));
      expect(rules.toDst?.month).toBe(10);
    }
  });
});
