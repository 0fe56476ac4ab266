import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidItemError } from '@exsync/core';
import { describe, expect, it } from 'vitest';
import { fromModel, patch, splitObjects, toModel } from './index';
import { deepEqual } from './mapping/fields';

// Real-world inputs shared by the project (not copied here: several are copyleft). See fixtures/SOURCES.md.
const FIXTURES = join(__dirname, '../../../../shared/fixtures');
const files = (dir: string) => readdirSync(join(FIXTURES, dir)).map((f) => [f, join(FIXTURES, dir, f)] as const);

/**
 * A VEVENT without DTSTART is only legal inside an iTIP message (RFC 5545 3.6.1, RFC 5546: REPLY, CANCEL…), and
 * the model has no VJOURNAL or VFREEBUSY: toModel rejects those objects. Every other object of every fixture
 * must map.
 */
const mappable = (raw: string) =>
  /^BEGIN:(VCARD|VTODO)/im.test(raw) || (/^BEGIN:VEVENT/im.test(raw) && /^DTSTART[;:]/im.test(raw));

describe.each([...files('ics'), ...files('vcf')])('fixture %s', (_name, path) => {
  const all = splitObjects(readFileSync(path));
  const objects = all.filter(mappable);

  it('rejects only events without DTSTART and journals/free-busy, with an InvalidItemError saying why', () => {
    for (const raw of all.filter((r) => !mappable(r))) {
      expect(() => toModel(raw)).toThrow(InvalidItemError);
      expect(() => toModel(raw)).toThrow(/DTSTART|neither a VEVENT nor a VTODO/);
    }
  });

  it('maps every object to the model and back to an equal model', () => {
    for (const raw of objects) {
      const model = toModel(raw);
      const rebuilt = toModel(fromModel(model, { marker: 'm-1', now: '2026-01-01T00:00:00Z' }));
      // deepEqual treats a missing key as undefined, as the engine does; toEqual shows the difference if any.
      expect(deepEqual(model, rebuilt) ? model : rebuilt).toEqual(model);
    }
  });

  it('patching an object with its own model returns it byte-identical', () => {
    for (const raw of objects) expect(patch(raw, toModel(raw))).toBe(raw);
  });
});

describe.each(files('malformed'))('malformed fixture %s', (_name, path) => {
  it('is repaired (and then maps) or rejected with InvalidItemError', () => {
    let objects: string[];
    try {
      objects = splitObjects(readFileSync(path));
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidItemError);
      return;
    }
    for (const raw of objects) {
      try {
        const model = toModel(raw);
        expect(patch(raw, model)).toBe(raw);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidItemError);
      }
    }
  });
});

/** What each broken file must come to: mapped after repair, or rejected with a message saying why. */
const MALFORMED_OUTCOMES: Record<string, RegExp | 'maps'> = {
  'KDE_kcontacts__vcard9.vcf': 'maps',
  'Kozea_Radicale__broken-vcards.vcf': 'maps',
  'Kozea_Radicale__broken-vevent.ics': /did not end/,
  'allenporter_ical__office_365_invalid_timezone.ics': /Unknown time zone "Customized Time Zone"/,
  'aluxnimm_outlookcaldavsynchronizer__OutlookCertificate.txt.vcf': 'maps',
  'collective_icalendar__bom_calendar.ics': /neither a VEVENT nor a VTODO/,
  'collective_icalendar__broken_ical.ics': 'maps',
  'collective_icalendar__fuzz_testcase_vtimezone_lone_cr.ics': /No BEGIN:VCALENDAR or BEGIN:VCARD/,
  'collective_icalendar__issue_104_broken_calendar.ics': /invalid line/,
  'collective_icalendar__small_bad_calendar.ics': /did not end/,
  'ical-org_ical.net__EmptyLines1.ics': 'maps',
  'ical4j_ical4j__boeing.ics': /neither a VEVENT nor a VTODO/,
  'ical4j_ical4j__korganizer-lowercase.ics': 'maps',
  'jens-maus_node-ical__Office-2012-owa.ics': /no UID/,
  'jens-maus_node-ical__test_with_int_tzid.ics': 'maps',
  'mangstadt_biweekly__issue126.ics': /no UID/,
  'mozilla_releases-comm-central__importLatin1.ics': /no UID/,
  'mozilla_releases-comm-central__v3-binary-jpeg.vcf': 'maps',
  'pimutils_khal__event_dt_rrule_invalid_until.ics': 'maps',
  'roundcube_roundcubemail__utf-16_sample.vcf': 'maps',
};

describe('malformed fixtures, file by file', () => {
  it('has an expected outcome for every file', () => {
    expect(Object.keys(MALFORMED_OUTCOMES).sort()).toEqual(
      files('malformed')
        .map(([f]) => f)
        .sort(),
    );
  });

  it.each(Object.entries(MALFORMED_OUTCOMES))('%s → %s', (name, outcome) => {
    const run = () => splitObjects(readFileSync(join(FIXTURES, 'malformed', name))).map((raw) => toModel(raw));
    if (outcome === 'maps') expect(run().length).toBeGreaterThan(0);
    else expect(run).toThrow(outcome);
  });

  it('decodes UTF-16 without BOM and byte-split folds into the right characters', () => {
    const utf16 = toModel(
      splitObjects(readFileSync(join(FIXTURES, 'malformed/roundcube_roundcubemail__utf-16_sample.vcf')))[0]!,
    );
    expect(utf16).toMatchObject({ name: { family: 'ĽdaMonté' } });
    const kde = toModel(readFileSync(join(FIXTURES, 'malformed/KDE_kcontacts__vcard9.vcf')));
    expect(kde).toMatchObject({ notes: expect.stringContaining('более 70 символов') });
  });

  it('gives an all-day series with a DATE-TIME UNTIL a DATE UNTIL', () => {
    const e = toModel(readFileSync(join(FIXTURES, 'malformed/pimutils_khal__event_dt_rrule_invalid_until.ics')));
    expect(e.kind === 'event' && e.recurrence?.until?.kind).toBe('date');
  });
});
