import { describe, expect, it } from 'vitest';
import { contentHash, fetchedItemFrom, fromModel, MARKER_PROPERTY, readMarker, toModel } from './index';

const BASE = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Apple Inc.//macOS 14.0//EN',
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Berlin',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0100',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'DTSTART:19810329T020000',
  'TZNAME:CEST',
  'TZOFFSETTO:+0200',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0200',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'DTSTART:19961027T030000',
  'TZNAME:CET',
  'TZOFFSETTO:+0100',
  'END:STANDARD',
  'END:VTIMEZONE',
  'BEGIN:VEVENT',
  'UID:hash-1',
  'DTSTAMP:20260101T100000Z',
  'CREATED:20250101T100000Z',
  'LAST-MODIFIED:20260101T100000Z',
  'SEQUENCE:1',
  'SUMMARY:Planning meeting with a summary long enough to be folded by any writer',
  'DTSTART;TZID=Europe/Berlin:20260105T090000',
  'DTEND;TZID=Europe/Berlin:20260105T100000',
  'ATTENDEE;CN=Ann;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:ann@example.com',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

const h = contentHash(BASE);
const edit = (from: string | RegExp, to: string) => BASE.replace(from, to);

describe('contentHash', () => {
  it('is a sha256 hex digest', () => {
    expect(h).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['DTSTAMP churn', edit('DTSTAMP:20260101T100000Z', 'DTSTAMP:20260301T080000Z')],
    ['PRODID of another client', edit('PRODID:-//Apple Inc.//macOS 14.0//EN', 'PRODID:-//Nextcloud//EN')],
    ['LAST-MODIFIED and CREATED', edit('LAST-MODIFIED:20260101T100000Z', 'LAST-MODIFIED:20260202T100000Z')],
    ['a SEQUENCE-only bump', edit('SEQUENCE:1', 'SEQUENCE:7')],
    ['LF line endings', BASE.replace(/\r\n/g, '\n')],
    ['refolding', edit('long enough to be folded', 'long enough\r\n  to be folded')],
    ['property order', edit(/(SUMMARY:[^\r]*)\r\n(DTSTART[^\r]*)/, '$2\r\n$1')],
    [
      'parameter order and case',
      edit('CN=Ann;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT', 'role=req-participant;cn=Ann;partstat=accepted'),
    ],
    ['VTIMEZONE formatting (observance order, TZNAME)', edit(/TZNAME:CE(S)?T\r\n/g, '')],
    ['our marker', edit('UID:hash-1', `UID:hash-1\r\n${MARKER_PROPERTY}:row-42`)],
    [
      'SCHEDULE-AGENT and SCHEDULE-STATUS added on write',
      edit('CN=Ann;', 'CN=Ann;SCHEDULE-AGENT=CLIENT;SCHEDULE-STATUS=1.2;'),
    ],
    ['a byte-order mark', `\uFEFF${BASE}`],
  ])('ignores %s', (_what, variant) => {
    expect(contentHash(variant)).toBe(h);
  });

  it('ignores a dismissed or snoozed reminder (ACKNOWLEDGED, X-MOZ-SNOOZE-TIME)', () => {
    const alarm = 'BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nDESCRIPTION:x\r\nEND:VALARM\r\n';
    const withAlarm = edit('END:VEVENT', `${alarm}END:VEVENT`);
    const dismissed = withAlarm
      .replace('TRIGGER:-PT5M', 'TRIGGER:-PT5M\r\nACKNOWLEDGED:20260105T075500Z')
      .replace('UID:hash-1', 'UID:hash-1\r\nX-MOZ-SNOOZE-TIME-1767600000000000:20260105T081000Z');
    expect(contentHash(dismissed)).toBe(contentHash(withAlarm));
  });

  it('treats one CATEGORIES list and several CATEGORIES lines alike', () => {
    const one = edit('UID:hash-1', 'UID:hash-1\r\nCATEGORIES:Work,Travel');
    const two = edit('UID:hash-1', 'UID:hash-1\r\nCATEGORIES:Travel\r\nCATEGORIES:Work');
    expect(contentHash(two)).toBe(contentHash(one));
    expect(contentHash(one)).not.toBe(h);
  });

  it('resolves TZIDs so a Windows name and its IANA zone hash alike', () => {
    const windows = BASE.replace(/Europe\/Berlin/g, 'W. Europe Standard Time');
    expect(contentHash(windows)).toBe(h);
  });

  it.each([
    ['a new SUMMARY', edit('SUMMARY:Planning', 'SUMMARY:Review')],
    ['a moved start', edit('DTSTART;TZID=Europe/Berlin:20260105T090000', 'DTSTART;TZID=Europe/Berlin:20260105T093000')],
    ['another zone', BASE.replace(/TZID=Europe\/Berlin/g, 'TZID=Europe/London')],
    ['a new PARTSTAT', edit('PARTSTAT=ACCEPTED', 'PARTSTAT=DECLINED')],
    ['an added X- property', edit('UID:hash-1', 'UID:hash-1\r\nX-SOMETHING:1')],
    [
      'an added alarm',
      edit('END:VEVENT', 'BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VEVENT'),
    ],
  ])('changes with %s', (_what, variant) => {
    expect(contentHash(variant)).not.toBe(h);
  });

  it('ignores REV and PRODID in a vCard but not a changed e-mail', () => {
    const card =
      'BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:a\r\nUID:c1\r\nFN:A\r\nEMAIL:a@x.org\r\nREV:2020-01-01T00:00:00Z\r\nEND:VCARD\r\n';
    const hc = contentHash(card);
    expect(contentHash(card.replace('REV:2020', 'REV:2024').replace('PRODID:a', 'PRODID:b'))).toBe(hc);
    expect(contentHash(card.replace('a@x.org', 'b@x.org'))).not.toBe(hc);
  });
});

describe('marker', () => {
  it('is written by fromModel and read back, on events, tasks and cards', () => {
    const event = fromModel(toModel(BASE), { marker: 'row-1' });
    expect(event).toContain(`${MARKER_PROPERTY}:row-1`);
    expect(readMarker(event)).toBe('row-1');
    const card = fromModel(
      { kind: 'contact', uid: 'c', emails: [], phones: [], addresses: [], urls: [], impps: [], categories: [] },
      { marker: 'row-2' },
    );
    expect(readMarker(card)).toBe('row-2');
    const task = fromModel(
      { kind: 'task', uid: 't', status: 'needs-action', categories: [], reminders: [] },
      { marker: 'row-3' },
    );
    expect(readMarker(task)).toBe('row-3');
  });

  it('is absent on items exsync did not create', () => {
    expect(readMarker(BASE)).toBeUndefined();
  });
});

describe('fetchedItemFrom', () => {
  it('builds the core FetchedItem with item, raw, hash, marker and LAST-MODIFIED', () => {
    const raw = BASE.replace('UID:hash-1', `UID:hash-1\r\n${MARKER_PROPERTY}:row-9`);
    const ref = { href: '/cal/hash-1.ics', version: '"etag-1"' };
    const fetched = fetchedItemFrom(ref, raw);
    expect(fetched).toMatchObject({ ref, raw, hash: h, marker: 'row-9', modifiedAt: '2026-01-01T10:00:00Z' });
    expect(fetched.item).toMatchObject({ kind: 'event', uid: 'hash-1' });
  });
});
