import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventItem } from '@exsync/core';
import { describe, expect, it } from 'vitest';
import { fromModel, ianaToWindows, splitObjects, toModel, windowsToIana } from '../index';
import { parseDocument } from '../text/document';
import { isIanaZone } from './offsets';
import { clearResolveCache, resolveTzid } from './resolve';
import { buildVtimezone } from './vtimezone';

const FIXTURES = join(__dirname, '../../../../../shared/fixtures');
const startOf = (file: string, index = 0) => {
  const objects = splitObjects(readFileSync(join(FIXTURES, 'ics', file)));
  return (toModel(objects[index]!) as EventItem).start;
};

describe('windowsToIana', () => {
  it.each([
    ['W. Europe Standard Time', 'Europe/Berlin'],
    ['Pacific Standard Time', 'America/Los_Angeles'],
    ['Eastern Standard Time', 'America/New_York'],
    ['New Zealand Standard Time', 'Pacific/Auckland'],
    ['Arabian Standard Time', 'Asia/Dubai'],
  ])('maps %s to %s (CLDR)', (windows, iana) => {
    expect(windowsToIana(windows)).toBe(iana);
  });

  it('returns undefined for names that are not Windows ids', () => {
    expect(windowsToIana('Customized Time Zone')).toBeUndefined();
  });

  it.each([
    ['Europe/Berlin', 'W. Europe Standard Time'],
    ['Asia/Calcutta', 'India Standard Time'],
    ['Asia/Kolkata', 'India Standard Time'],
    ['America/New_York', 'Eastern Standard Time'],
  ])('maps %s back to the Windows id %s', (iana, windows) => {
    expect(ianaToWindows(iana)).toBe(windows);
  });

  it('maps an unknown zone to no Windows id', () => {
    expect(ianaToWindows('Mars/Olympus_Mons')).toBeUndefined();
  });
});

describe('TZID resolution of real files', () => {
  it.each([
    ['jens-maus_node-ical__ms_timezones.ics', 'Europe/Berlin'],
    ['mangstadt_biweekly__outlook-2010.ics', 'America/New_York'],
    ['ical4j_ical4j__evolution2.ics', 'Asia/Dubai'],
    ['pimutils_khal__tz_windows_format.ics', 'Pacific/Auckland'],
    // Custom Outlook zones: matched by their offsets and transitions.
    ['jens-maus_node-ical__bad_ms_tz.ics', 'America/New_York'],
    ['jens-maus_node-ical__exchange-custom-tz.ics', 'Asia/Bangkok'],
    ['ical4j_ical4j__Standup.ics', 'Australia/Melbourne'],
    ['allenporter_ical__office_356_custom_timezone.ics', 'Europe/Warsaw'],
    ['jens-maus_node-ical__vtimezone-year-0001-dtstart.ics', 'Europe/Berlin'],
  ])('%s resolves to %s', (file, iana) => {
    const start = startOf(file);
    expect(start.kind).toBe('zoned');
    expect(start.kind === 'zoned' && start.tzid).toBe(iana);
  });

  it('matches a custom VTIMEZONE to a zone with the same rules, preferring a city named in the TZID', () => {
    const vtz = buildVtimezone('Europe/Amsterdam', 2026);
    vtz[1] = [['tzid', {}, 'text', '(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna']];
    expect(resolveTzid('(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna', vtz, 2026)).toBe(
      'Europe/Amsterdam',
    );
    expect(resolveTzid('My Company Zone', vtz, 2026)).toBe('Europe/Berlin');
  });

  it('matches a full-history VTIMEZONE (ended and current rules) under a made-up name', () => {
    const doc = parseDocument(splitObjects(readFileSync(join(FIXTURES, 'ics/allenporter_ical__apple_ical.ics')))[0]!);
    const vtz = doc.root[2].find((c) => c[0] === 'vtimezone')!;
    expect(resolveTzid('Pacific', vtz, 2024)).toBe('America/Los_Angeles');
  });

  it('resolves Outlook display names without a VTIMEZONE by their cities', () => {
    expect(resolveTzid('(GMT+10:00) Canberra, Melbourne, Sydney', undefined, 2026)).toBe('Australia/Melbourne');
  });

  it('rejects a TZID nothing describes with a clear InvalidItemError', () => {
    const file = join(FIXTURES, 'malformed/allenporter_ical__office_365_invalid_timezone.ics');
    expect(() => toModel(readFileSync(file))).toThrow(/Unknown time zone "Customized Time Zone"/);
  });
});

describe('buildVtimezone', () => {
  it('describes a zone so that ical.js computes the same offsets as the tz database', () => {
    const vtz = buildVtimezone('America/New_York', 2026);
    expect(resolveTzid('generated', vtz, 2026)).toBe('America/New_York');
  });

  it('writes new zoned events with a VTIMEZONE that maps back to the same zone', () => {
    const event = toModel(readFileSync(join(FIXTURES, 'ics/Kozea_Radicale__event10.ics'))) as EventItem;
    const moved: EventItem = {
      ...event,
      start: { kind: 'zoned', dateTime: '2026-07-01T09:00:00', tzid: 'Australia/Sydney' },
      end: { kind: 'zoned', dateTime: '2026-07-01T10:00:00', tzid: 'Australia/Sydney' },
    };
    const raw = fromModel(moved);
    const doc = parseDocument(raw);
    expect(doc.root[2].filter((c) => c[0] === 'vtimezone').map((z) => z[1][0]?.[3])).toEqual(['Australia/Sydney']);
    expect(toModel(raw)).toEqual(moved);
  });
});

describe('independence from the process time zone', () => {
  // Zoned, custom-zone, floating, all-day and date-only inputs: everything a process TZ could skew.
  const SENSITIVE = [
    'ics/jens-maus_node-ical__bad_ms_tz.ics',
    'ics/jens-maus_node-ical__exchange-custom-tz.ics',
    'ics/ical4j_ical4j__Standup.ics',
    'ics/nextcloud_calendar__vcalendar-event-floating-time.ics',
    'ics/bitfireAT_ical4android__all-day-10days.ics',
    'ics/kewisch_ical.js__recur_instances.ics',
    'vcf/Kozea_Radicale__contact2-with-bday.vcf',
  ];

  /** Maps the inputs with the process zone set to `tz` (Node re-reads TZ when it is assigned). */
  function mapUnder(tz: string): unknown[] {
    const previous = process.env.TZ;
    process.env.TZ = tz;
    try {
      clearResolveCache();
      const out: unknown[] = [new Date(Date.UTC(2026, 0, 1)).getHours()];
      for (const f of SENSITIVE) {
        for (const raw of splitObjects(readFileSync(join(FIXTURES, f)))) {
          const m = toModel(raw);
          out.push(m, fromModel(m, { now: '2026-01-01T00:00:00Z' }));
        }
      }
      out.push(buildVtimezone('Europe/Berlin', 2026), buildVtimezone('Pacific/Auckland', 2026));
      return out;
    } finally {
      if (previous === undefined) delete process.env.TZ;
      else process.env.TZ = previous;
    }
  }

  it('maps zoned, custom-zone, floating and all-day items identically under TZ=UTC and TZ=Pacific/Auckland', () => {
    const [utcHour, ...utc] = mapUnder('UTC');
    const [aucklandHour, ...auckland] = mapUnder('Pacific/Auckland');
    // Proves the process zone really differed between the two runs (local midnight UTC is 13:00 in Auckland).
    expect([utcHour, aucklandHour]).toEqual([0, 13]);
    expect(utc.length).toBeGreaterThan(SENSITIVE.length);
    expect(auckland).toEqual(utc);
  });

  it('uses no local-time Date API anywhere in the package', () => {
    const sources = readdirSync(join(__dirname, '..'), { recursive: true, encoding: 'utf8' }).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'),
    );
    const local =
      /\.(getHours|getMinutes|getDate|getDay|getMonth|getFullYear|getTimezoneOffset|toLocale\w*|setHours)\(/;
    for (const f of sources) expect(readFileSync(join(__dirname, '..', f), 'utf8')).not.toMatch(local);
  });
});

describe('buildVtimezone memoised per zone and year', () => {
  it('hands each caller its own copy: editing one block leaves the next build as it was', () => {
    const first = buildVtimezone('Europe/Berlin', 2026);
    const pristine = structuredClone(first);
    first[2].length = 0;
    (first[1][0] as unknown[])[3] = 'Mars/Olympus_Mons';
    expect(buildVtimezone('Europe/Berlin', 2026)).toEqual(pristine);
  });

  it('copies down to the recurrence rules: an edit deep inside one block reaches no other', () => {
    const first = buildVtimezone('Europe/Berlin', 2026);
    const pristine = structuredClone(first);
    const daylight = first[2].find((o) => o[0] === 'daylight')!;
    (daylight[1].find((p) => p[0] === 'rrule')![3] as { bymonth: number }).bymonth = 1;
    daylight[1][0]![3] = '1970-01-01T00:00:00';
    daylight[1][0]![1].tzid = 'UTC';
    expect(buildVtimezone('Europe/Berlin', 2026)).toEqual(pristine);
  });

  it('keeps zones and years apart', () => {
    const tzid = (c: ReturnType<typeof buildVtimezone>) => c[1][0]![3];
    expect(tzid(buildVtimezone('America/New_York', 2026))).toBe('America/New_York');
    // Samoa dropped DST in 2021: 2020's block has two observances, 2026's one.
    expect(buildVtimezone('Pacific/Apia', 2020)[2]).toHaveLength(2);
    expect(buildVtimezone('Pacific/Apia', 2026)[2]).toHaveLength(1);
  });
});

describe('isIanaZone (remembered for names Intl accepts but does not list)', () => {
  it('answers the same each time, for listed names, unlisted aliases and names no zone has', () => {
    for (let round = 0; round < 3; round++) {
      expect(isIanaZone('Europe/Berlin')).toBe(true);
      expect(isIanaZone('UTC')).toBe(true);
      expect(isIanaZone('Asia/Kolkata')).toBe(true);
      expect(isIanaZone('Mars/Olympus_Mons')).toBe(false);
      expect(isIanaZone('W. Europe Standard Time')).toBe(false);
    }
  });

  it('keeps answering right past the memo’s bound', () => {
    for (let i = 0; i < 2500; i++) expect(isIanaZone(`Nowhere/Zone_${i}`)).toBe(false);
    expect(isIanaZone('Etc/UTC')).toBe(true);
    expect(isIanaZone('Nowhere/Zone_7')).toBe(false);
  });
});
