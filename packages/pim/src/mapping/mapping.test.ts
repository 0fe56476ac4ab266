import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContactGroupItem, ContactItem, EventItem, TaskItem } from '@exsync/core';
import { describe, expect, it } from 'vitest';
import { fromModel, splitObjects, toModel } from '../index';

const FIXTURES = join(__dirname, '../../../../../shared/fixtures');
const fixture = <T>(path: string, index = 0) => toModel(splitObjects(readFileSync(join(FIXTURES, path)))[index]!) as T;
const unfold = (s: string) => s.replace(/\r\n[ \t]/g, '');

describe('events from real files', () => {
  it('reads Outlook organizer, attendees with ROLE/RSVP, priority and the Microsoft busy status', () => {
    const e = fixture<EventItem>('ics/mangstadt_biweekly__outlook-2010.ics');
    expect(e.organizer).toEqual({ email: 'bobsmith@example.com', name: 'Smith, Bob' });
    expect(e.attendees).toEqual([
      { email: 'johndoe@example.com', name: 'Doe, John', role: 'optional', status: 'needs-action', rsvp: false },
      { email: 'janedoe@example.com', name: 'Doe, Jane', role: 'chair', status: 'needs-action', rsvp: true },
    ]);
    expect(e).toMatchObject({ freeBusy: 'tentative', priority: 5, sensitivity: 'public' });
  });

  it('reads a series with ordinal BYDAY, RDATEs, EXDATEs, overrides and CUTYPE', () => {
    const e = fixture<EventItem>('ics/kewisch_ical.js__recur_instances.ics');
    expect(e.recurrence).toEqual({ freq: 'MONTHLY', byDay: [{ day: 'TU', ordinal: 1 }] });
    expect(e.recurrenceDates).toContainEqual({ kind: 'utc', dateTime: '2023-11-23T09:00:00Z' });
    expect(e.excludedDates[0]).toEqual({ kind: 'zoned', dateTime: '2013-04-02T10:00:00', tzid: 'America/Los_Angeles' });
    expect(e.exceptions.length).toBeGreaterThan(0);
    expect(e.attendees[0]).toMatchObject({ status: 'accepted', kind: 'individual' });
    expect(e.reminders).toEqual([{ action: 'display', trigger: { relative: '-PT5M' }, description: 'Reminder' }]);
  });

  it('keeps all-day events as dates, with an exclusive end, and their moved occurrences', () => {
    const e = fixture<EventItem>('ics/jens-maus_node-ical__exchange_whole_day_moved_recurrence.ics');
    expect(e.start).toEqual({ kind: 'date', date: '2026-02-19' });
    expect(e.end).toEqual({ kind: 'date', date: '2026-02-20' });
    expect(e.recurrence).toMatchObject({ freq: 'WEEKLY', byDay: [{ day: 'TU' }, { day: 'TH' }], weekStart: 'MO' });
    expect(e.exceptions[0]?.start).toEqual({ kind: 'date', date: '2026-02-27' });
  });

  it('keeps floating times floating', () => {
    const e = fixture<EventItem>('ics/nextcloud_calendar__vcalendar-event-floating-time.ics');
    expect(e.start.kind).toBe('floating');
  });

  it('reads CLASS:CONFIDENTIAL and categories (KOrganizer)', () => {
    const all = splitObjects(readFileSync(join(FIXTURES, 'ics/KDE_kcalendarcore__KOrganizer_3.2.ics'))).map((r) =>
      toModel(r),
    );
    expect(all.some((e) => 'sensitivity' in e && e.sensitivity === 'confidential')).toBe(true);
    expect(all.some((e) => e.categories.length > 0)).toBe(true);
  });
});

describe('tasks from real files', () => {
  it('reads percent complete, completion time and categories', () => {
    const t = fixture<TaskItem>('ics/jens-maus_node-ical__utf8-french-calendar.ics');
    expect(t).toMatchObject({ kind: 'task', summary: 'Migrer le blog', percentComplete: 100, categories: ['Projets'] });
    expect(t.completed).toEqual({ kind: 'zoned', dateTime: '2013-07-16T10:57:45', tzid: 'Europe/Monaco' });
  });
});

describe('fromModel for events', () => {
  const event: EventItem = {
    kind: 'event',
    uid: 'new-1',
    summary: 'Kick-off',
    description: 'Bring slides',
    location: 'Room 4',
    url: 'https://example.com/kickoff',
    start: { kind: 'date', date: '2026-03-02' },
    end: { kind: 'date', date: '2026-03-03' },
    status: 'confirmed',
    freeBusy: 'working-elsewhere',
    sensitivity: 'private',
    priority: 1,
    categories: ['Project', 'Kick-off, 2026'],
    organizer: { email: 'olga@example.com', name: 'Olga' },
    attendees: [
      { email: 'room@example.com', name: 'Room 4', role: 'non-participant', status: 'accepted', kind: 'room' },
      { email: 'ann@example.com', role: 'optional', status: 'tentative', rsvp: true },
    ],
    reminders: [
      { action: 'display', trigger: { relative: '-P1D' }, description: 'Tomorrow' },
      { action: 'email', trigger: { absolute: { kind: 'utc', dateTime: '2026-03-01T08:00:00Z' } }, description: 'x' },
    ],
    attachments: [{ uri: 'https://example.com/slides.pdf', filename: 'slides.pdf', mediaType: 'application/pdf' }],
    recurrence: {
      freq: 'YEARLY',
      byMonth: [3],
      byDay: [{ day: 'MO', ordinal: 1 }],
      until: { kind: 'date', date: '2030-12-31' },
    },
    recurrenceDates: [],
    excludedDates: [{ kind: 'date', date: '2027-03-01' }],
    exceptions: [],
  };
  const raw = fromModel(event, { marker: 'row-7', now: '2026-02-01T00:00:00Z' });
  const lines = unfold(raw).split('\r\n');

  it('round-trips every mapped field', () => {
    expect(toModel(raw)).toEqual(event);
  });

  it('writes all-day dates as VALUE=DATE', () => {
    expect(lines).toContain('DTSTART;VALUE=DATE:20260302');
    expect(lines).toContain('EXDATE;VALUE=DATE:20270301');
  });

  it('marks organizer and every attendee SCHEDULE-AGENT=CLIENT so the server sends no invitations', () => {
    const people = lines.filter((l) => /^(ORGANIZER|ATTENDEE)/.test(l));
    expect(people).toHaveLength(3);
    for (const l of people) expect(l).toContain('SCHEDULE-AGENT=CLIENT');
    expect(lines).toContain(
      'ATTENDEE;CN=Room 4;ROLE=NON-PARTICIPANT;PARTSTAT=ACCEPTED;CUTYPE=ROOM;SCHEDULE-AGENT=CLIENT:mailto:room@example.com',
    );
  });

  it('writes free/busy for Outlook and for everyone else', () => {
    expect(lines).toContain('TRANSP:OPAQUE');
    expect(lines).toContain('X-MICROSOFT-CDO-BUSYSTATUS:WORKINGELSEWHERE');
  });

  it('writes DTSTAMP, our PRODID and the marker', () => {
    expect(lines).toContain('DTSTAMP:20260201T000000Z');
    expect(lines).toContain('X-EXSYNC-ID:row-7');
    expect(lines[2]).toMatch(/^PRODID:/);
  });
});

describe('contacts', () => {
  it('reads vCard 4 with PREF, --MMDD birthdays and ANNIVERSARY', () => {
    const c = fixture<ContactItem>('vcf/mangstadt_ez-vcard__rfc6350-example.vcf');
    expect(c.birthday).toEqual({ month: 2, day: 3 });
    expect(c.anniversary).toEqual({ year: 2009, month: 8, day: 8 });
    expect(c.phones[0]).toMatchObject({ types: ['work', 'voice'], pref: 1 });
  });

  it('reads inline base64 photos (vCard 3) and URI photos (vCard 4)', () => {
    const inline = fixture<ContactItem>('vcf/roundcube_roundcubemail__apple.vcf');
    expect(inline.photo).toMatchObject({ mediaType: 'image/jpeg' });
    expect('data' in inline.photo! && inline.photo.data.startsWith('/9j/')).toBe(true);
    const uri = fixture<ContactItem>('vcf/mozilla_releases-comm-central__v4-uri-jpeg.vcf');
    expect(uri.photo).toBeDefined();
  });

  it('reads IMPP and the older X-AIM/X-JABBER style as IM URIs', () => {
    const card =
      'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:im\r\nFN:I M\r\nX-AIM;TYPE=HOME:aimname\r\nIMPP;X-SERVICE-TYPE=Skype:skype:sk\r\nEND:VCARD\r\n';
    expect((toModel(card) as ContactItem).impps).toEqual([
      { value: 'aim:aimname', types: ['home'] },
      { value: 'skype:sk', types: [] },
    ]);
  });

  const contact: ContactItem = {
    kind: 'contact',
    uid: 'c-1',
    formattedName: 'Dr. Jane Q. Doe',
    name: { family: 'Doe', given: 'Jane', additional: 'Q.', prefix: 'Dr.' },
    nickname: 'JJ',
    emails: [
      { value: 'jane@work.example', types: ['work'], pref: 1 },
      { value: 'jane@home.example', types: ['home'] },
    ],
    phones: [{ value: '+49 30 1', types: ['cell'] }],
    addresses: [{ types: ['home'], street: 'Main St 1', locality: 'Berlin', postalCode: '10115', country: 'DE' }],
    organization: { name: 'Example Ltd', units: ['Sales', 'EMEA'] },
    title: 'Head of Sales',
    role: 'Manager',
    birthday: { month: 12, day: 24 },
    anniversary: { year: 2010, month: 6, day: 1 },
    notes: 'Line 1\nLine 2, with comma; and semicolon',
    urls: [{ value: 'https://jane.example', types: ['home'] }],
    impps: [{ value: 'xmpp:jane@jabber.example', types: [] }],
    photo: { data: 'iVBORw0KGgo=', mediaType: 'image/png' },
    categories: ['Customers', 'VIP'],
  };

  it.each(['3.0', '4.0'] as const)('round-trips every contact field through vCard %s', (version) => {
    const raw = fromModel(contact, { vcardVersion: version });
    expect(toModel(raw)).toEqual(contact);
  });

  it('writes preference in each version’s style and a yearless birthday as vCard 3 understands it', () => {
    const v3 = unfold(fromModel(contact, { vcardVersion: '3.0' }));
    expect(v3).toContain('EMAIL;TYPE=work,pref:jane@work.example');
    expect(v3).toMatch(/BDAY;X-APPLE-OMIT-YEAR=1604(;VALUE=DATE)?:1604-?12-?24/);
    const v4 = unfold(fromModel(contact, { vcardVersion: '4.0' }));
    expect(v4).toContain('EMAIL;TYPE=work;PREF=1:jane@work.example');
    expect(v4).toContain('BDAY:--1224');
    expect(v4).toContain('PHOTO:data:image/png;base64,iVBORw0KGgo=');
  });
});

describe('contact groups', () => {
  it('reads Apple’s X-ADDRESSBOOKSERVER-KIND group with its members', () => {
    const card = [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'PRODID:-//Apple Inc.//AddressBook 6.0//EN',
      'N:Friends',
      'FN:Friends',
      'X-ADDRESSBOOKSERVER-KIND:group',
      'X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:4B8F3C1E-3F8E-4F4B-8B5B-1B5F3A7C9D01',
      'X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:9E1D2C3B-4A5F-4E6D-8C7B-0A1B2C3D4E5F',
      'UID:apple-group-1',
      'END:VCARD',
      '',
    ].join('\r\n');
    expect(toModel(card)).toEqual({
      kind: 'group',
      uid: 'apple-group-1',
      name: 'Friends',
      members: [{ uid: '4B8F3C1E-3F8E-4F4B-8B5B-1B5F3A7C9D01' }, { uid: '9E1D2C3B-4A5F-4E6D-8C7B-0A1B2C3D4E5F' }],
      categories: [],
    });
  });

  it('reads a vCard 4 KIND:group with uid and mailto members', () => {
    const card =
      'BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\nUID:g1\r\nFN:Team\r\nMEMBER:urn:uuid:abc\r\nMEMBER:mailto:x@example.com\r\nEND:VCARD\r\n';
    expect(toModel(card)).toEqual({
      kind: 'group',
      uid: 'g1',
      name: 'Team',
      members: [{ uid: 'abc' }, { email: 'x@example.com' }],
      categories: [],
    });
  });

  it.each([
    ['4.0', 'KIND:group', 'MEMBER:urn:uuid:m1'],
    ['3.0', 'X-ADDRESSBOOKSERVER-KIND:group', 'X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:m1'],
  ] as const)('writes groups as vCard %s understands them', (version, kind, member) => {
    const group: ContactGroupItem = {
      kind: 'group',
      uid: 'g2',
      name: 'Friends',
      members: [{ uid: 'm1' }, { email: 'y@example.com' }],
      notes: 'n',
      categories: ['Private'],
    };
    const raw = fromModel(group, { vcardVersion: version });
    expect(raw).toContain(kind);
    expect(raw).toContain(member);
    expect(toModel(raw)).toEqual(group);
  });
});
