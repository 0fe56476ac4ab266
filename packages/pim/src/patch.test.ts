import type { ContactGroupItem, ContactItem, EventItem, TaskItem } from '@exsync/core';
import { describe, expect, it } from 'vitest';
import { patch, toModel } from './index';

const EVENT = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN',
  'X-WR-CALNAME:Work',
  'BEGIN:VTIMEZONE',
  'TZID:W. Europe Standard Time',
  'BEGIN:STANDARD',
  'DTSTART:16011028T030000',
  'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'END:STANDARD',
  'BEGIN:DAYLIGHT',
  'DTSTART:16010325T020000',
  'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'END:DAYLIGHT',
  'END:VTIMEZONE',
  'BEGIN:VEVENT',
  'UID:series-1@example.com',
  'DTSTAMP:20260101T100000Z',
  'SUMMARY;LANGUAGE=de:Jour fixe',
  'DESCRIPTION:Agenda in the wiki',
  'X-ALT-DESC;FMTTYPE=text/html:<p>Agenda in the wiki</p>',
  'LOCATION:Room 1',
  'DTSTART;TZID=W. Europe Standard Time:20260105T090000',
  'DTEND;TZID=W. Europe Standard Time:20260105T093000',
  'RRULE:FREQ=MONTHLY;BYDAY=1MO;COUNT=10',
  'EXDATE;TZID=W. Europe Standard Time:20260202T090000',
  'CATEGORIES:Team,Weekly',
  'CLASS:PUBLIC',
  'TRANSP:OPAQUE',
  'X-MICROSOFT-CDO-BUSYSTATUS:BUSY',
  'ORGANIZER;CN=Olga Organizer:mailto:olga@example.com',
  'ATTENDEE;CN=Ann;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;X-NUM-GUESTS=0:mailto:ann@example.com',
  'ATTENDEE;CN=Bob;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.com',
  'ATTACH;FMTTYPE=application/pdf:https://files.example.com/agenda.pdf',
  'X-MOZ-GENERATION:3',
  'X-CUSTOM-THING;X-P=1:keep me',
  'BEGIN:VALARM',
  'ACTION:DISPLAY',
  'TRIGGER:-PT15M',
  'DESCRIPTION:Reminder',
  'X-WR-ALARMUID:alarm-1',
  'END:VALARM',
  'BEGIN:VALARM',
  'ACTION:AUDIO',
  'TRIGGER:-PT5M',
  'END:VALARM',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:series-1@example.com',
  'DTSTAMP:20260101T100000Z',
  'RECURRENCE-ID;TZID=W. Europe Standard Time:20260302T090000',
  'SUMMARY;LANGUAGE=de:Jour fixe (moved)',
  'DTSTART;TZID=W. Europe Standard Time:20260303T100000',
  'DTEND;TZID=W. Europe Standard Time:20260303T103000',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

const unfold = (s: string) => s.replace(/\r?\n[ \t]/g, '').split(/\r?\n/);

/** Lines removed from and added to `before`, compared as unfolded text (a multiset difference). */
function lineDiff(before: string, after: string) {
  const a = unfold(before);
  const b = unfold(after);
  const removed = a.filter((l) => !b.includes(l));
  const added = b.filter((l) => !a.includes(l));
  return { removed, added };
}

/** Asserts that only lines of the named properties changed, and that something did. */
function expectOnly(before: string, after: string, names: readonly string[]) {
  const { removed, added } = lineDiff(before, after);
  expect(removed.length + added.length).toBeGreaterThan(0);
  const re = new RegExp(`^(${names.join('|')})[;:]`, 'i');
  for (const line of [...removed, ...added]) expect(line).toMatch(re);
}

const event = toModel(EVENT) as EventItem;
/** Patches the event and checks the new raw maps back to the intended model. */
function patchEvent(changed: Partial<EventItem>): string {
  const next = { ...event, ...changed } as EventItem;
  const out = patch(EVENT, next);
  expect(toModel(out)).toEqual(next);
  return out;
}

describe('patch of an event', () => {
  it('returns the base string itself when nothing changed', () => {
    expect(patch(EVENT, toModel(EVENT))).toBe(EVENT);
  });

  it('changes only SUMMARY for a new summary, keeping its LANGUAGE parameter', () => {
    const out = patchEvent({ summary: 'Weekly sync' });
    expectOnly(EVENT, out, ['SUMMARY', 'ORGANIZER', 'ATTENDEE']);
    expect(out).toContain('SUMMARY;LANGUAGE=de:Weekly sync\r\n');
    expect(out).toContain('SUMMARY;LANGUAGE=de:Jour fixe (moved)\r\n');
  });

  it('drops the stale HTML twin when the description changes', () => {
    const out = patchEvent({ description: 'New agenda' });
    expectOnly(EVENT, out, ['DESCRIPTION', 'X-ALT-DESC', 'ORGANIZER', 'ATTENDEE']);
    expect(out).not.toContain('X-ALT-DESC');
  });

  it('moves the start in its own zone, reusing the calendar’s Windows TZID', () => {
    const start = { kind: 'zoned', dateTime: '2026-01-05T10:00:00', tzid: 'Europe/Berlin' } as const;
    const out = patchEvent({ start });
    expectOnly(EVENT, out, ['DTSTART', 'ORGANIZER', 'ATTENDEE']);
    expect(out).toContain('DTSTART;TZID=W. Europe Standard Time:20260105T100000\r\n');
  });

  it('adds a VTIMEZONE for a zone the calendar did not have', () => {
    const start = { kind: 'zoned', dateTime: '2026-01-05T09:00:00', tzid: 'America/New_York' } as const;
    const end = { kind: 'zoned', dateTime: '2026-01-05T09:30:00', tzid: 'America/New_York' } as const;
    const out = patchEvent({ start, end });
    expect(out).toContain('DTSTART;TZID=America/New_York:20260105T090000');
    expect(out).toMatch(/BEGIN:VTIMEZONE\r\nTZID:America\/New_York/);
    expect(out).toContain('TZID:W. Europe Standard Time\r\n');
  });

  it('changes only RRULE for a new recurrence with an ordinal weekday', () => {
    const out = patchEvent({ recurrence: { freq: 'MONTHLY', byDay: [{ day: 'TU', ordinal: -1 }], count: 5 } });
    expectOnly(EVENT, out, ['RRULE', 'ORGANIZER', 'ATTENDEE']);
    expect(out).toMatch(/^RRULE:FREQ=MONTHLY;(COUNT=5;BYDAY=-1TU|BYDAY=-1TU;COUNT=5)\r$/m);
  });

  it('changes only EXDATE when an occurrence is deleted', () => {
    const excludedDates = [
      ...event.excludedDates,
      { kind: 'zoned', dateTime: '2026-04-06T09:00:00', tzid: 'Europe/Berlin' } as const,
    ];
    const out = patchEvent({ excludedDates });
    expectOnly(EVENT, out, ['EXDATE', 'ORGANIZER', 'ATTENDEE']);
  });

  it('updates one attendee’s status and keeps its unmapped parameters and the other attendee', () => {
    const attendees = event.attendees.map((a) =>
      a.email === 'bob@example.com' ? { ...a, status: 'accepted' as const } : a,
    );
    const out = patchEvent({ attendees });
    expectOnly(EVENT, out, ['ATTENDEE', 'ORGANIZER']);
    expect(unfold(out)).toContain(
      'ATTENDEE;CN=Bob;ROLE=OPT-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=TRUE;SCHEDULE-AGENT=CLIENT:mailto:bob@example.com',
    );
    expect(out).toContain('X-NUM-GUESTS=0');
  });

  it('adds and removes attendees, marking every written one SCHEDULE-AGENT=CLIENT', () => {
    const attendees = [
      event.attendees[0]!,
      { email: 'cara@example.com', name: 'Cara', role: 'required', status: 'needs-action', rsvp: true } as const,
    ];
    const out = patchEvent({ attendees });
    expect(out).not.toContain('bob@example.com');
    expect(unfold(out)).toContain(
      'ATTENDEE;CN=Cara;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;SCHEDULE-AGENT=CLIENT:mailto:cara@example.com',
    );
    for (const line of unfold(out).filter((l) => /^(ATTENDEE|ORGANIZER)/.test(l))) {
      expect(line).toContain('SCHEDULE-AGENT=CLIENT');
    }
  });

  it('changes the first alarm only, leaving the second VALARM and its X- lines alone', () => {
    const reminders = [{ ...event.reminders[0]!, trigger: { relative: '-PT30M' } }, event.reminders[1]!];
    const out = patchEvent({ reminders });
    expectOnly(EVENT, out, ['TRIGGER', 'ORGANIZER', 'ATTENDEE']);
    expect(out).toContain('TRIGGER:-PT30M');
    expect(out).toContain('X-WR-ALARMUID:alarm-1');
    expect(out).toContain('TRIGGER:-PT5M');
  });

  it('changes only CATEGORIES', () => {
    const out = patchEvent({ categories: ['Team'] });
    expectOnly(EVENT, out, ['CATEGORIES', 'ORGANIZER', 'ATTENDEE']);
  });

  it('writes free/busy to TRANSP and the Microsoft busy status together', () => {
    const out = patchEvent({ freeBusy: 'out-of-office' });
    expectOnly(EVENT, out, ['X-MICROSOFT-CDO-BUSYSTATUS', 'ORGANIZER', 'ATTENDEE']);
    expect(out).toContain('X-MICROSOFT-CDO-BUSYSTATUS:OOF');
    expect(patch(EVENT, { ...event, freeBusy: 'free' })).toContain('TRANSP:TRANSPARENT');
  });

  it('changes only CLASS for a new sensitivity', () => {
    expectOnly(EVENT, patchEvent({ sensitivity: 'private' }), ['CLASS', 'ORGANIZER', 'ATTENDEE']);
  });

  it('changes only ATTACH for a new attachment reference', () => {
    const attachments = [...event.attachments, { uri: 'https://files.example.com/b.txt', filename: 'b.txt' }];
    expectOnly(EVENT, patchEvent({ attachments }), ['ATTACH', 'ORGANIZER', 'ATTENDEE']);
  });

  it('edits one exception and leaves the master’s lines alone', () => {
    const exceptions = [{ ...event.exceptions[0]!, location: 'Room 2' }];
    const out = patchEvent({ exceptions });
    const { added } = lineDiff(EVENT, out);
    expect(added.filter((l) => !/^(ORGANIZER|ATTENDEE)/.test(l))).toEqual(['LOCATION:Room 2']);
  });

  it('adds a new exception as its own VEVENT with RECURRENCE-ID', () => {
    const recurrenceId = { kind: 'zoned', dateTime: '2026-05-04T09:00:00', tzid: 'Europe/Berlin' } as const;
    const exceptions = [...event.exceptions, { ...event.exceptions[0]!, recurrenceId, summary: 'May' }];
    const out = patchEvent({ exceptions });
    expect(out).toContain('RECURRENCE-ID;TZID=W. Europe Standard Time:20260504T090000');
  });

  it('finds the override when the new model names its occurrence in UTC', () => {
    const recurrenceId = { kind: 'utc', dateTime: '2026-03-02T08:00:00Z' } as const;
    const exceptions = [{ ...event.exceptions[0]!, recurrenceId, location: 'Room 9' }];
    const out = patch(EVENT, { ...event, exceptions });
    expect(out.match(/RECURRENCE-ID/g)).toHaveLength(1);
    expect(out).toContain('LOCATION:Room 9');
  });

  it('keeps every unmapped property, parameter and component', () => {
    const out = patchEvent({ summary: 'x', location: 'y', categories: [] });
    for (const kept of ['X-WR-CALNAME:Work', 'X-CUSTOM-THING;X-P=1:keep me', 'X-MOZ-GENERATION:3', 'BEGIN:VTIMEZONE']) {
      expect(out).toContain(kept);
    }
  });
});

const TASK = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Nextcloud Tasks v0.16//EN',
  'BEGIN:VTODO',
  'UID:task-1',
  'DTSTAMP:20260101T100000Z',
  'SUMMARY:Write report',
  'DUE;VALUE=DATE:20260110',
  'PRIORITY:5',
  'STATUS:NEEDS-ACTION',
  'X-APPLE-SORT-ORDER:12',
  'END:VTODO',
  'END:VCALENDAR',
  '',
].join('\r\n');

describe('patch of a task', () => {
  const task = toModel(TASK) as TaskItem;
  it('completes a task touching only STATUS, COMPLETED and PERCENT-COMPLETE', () => {
    const next: TaskItem = {
      ...task,
      status: 'completed',
      completed: { kind: 'utc', dateTime: '2026-01-09T12:00:00Z' },
      percentComplete: 100,
    };
    const out = patch(TASK, next);
    expect(toModel(out)).toEqual(next);
    expectOnly(TASK, out, ['STATUS', 'COMPLETED', 'PERCENT-COMPLETE']);
  });

  it('changes only DUE for a new due date', () => {
    const next: TaskItem = { ...task, due: { kind: 'date', date: '2026-01-12' } };
    const out = patch(TASK, next);
    expectOnly(TASK, out, ['DUE']);
    expect(out).toContain('DUE;VALUE=DATE:20260112');
  });
});

const CARD = [
  'BEGIN:VCARD',
  'VERSION:3.0',
  'PRODID:-//Apple Inc.//iOS 17.0//EN',
  'N:Doe;Jane;;;',
  'FN:Jane Doe',
  'ORG:Example Ltd;Sales',
  'item1.EMAIL;type=INTERNET;type=WORK;type=pref:jane@work.example',
  'item1.X-ABLabel:_$!<Work>!$_',
  'EMAIL;type=INTERNET;type=HOME:jane@home.example',
  'EMAIL;type=INTERNET:jane@other.example',
  'EMAIL;type=INTERNET:jane@fourth.example',
  'TEL;type=CELL;type=VOICE;type=pref:+49 170 1234567',
  'ADR;type=HOME;type=pref:;;Main St 1;Berlin;;10115;Germany',
  'BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-10',
  'PHOTO;ENCODING=b;TYPE=JPEG:/9j/AAAA',
  'X-SOCIALPROFILE;type=twitter:https://twitter.com/jane',
  'UID:card-1',
  'END:VCARD',
  '',
].join('\r\n');

describe('patch of a vCard 2.1 card', () => {
  it('writes the change into the card upgraded to 3.0 and keeps the other lines', () => {
    const v21 =
      'BEGIN:VCARD\r\nVERSION:2.1\r\nN:Doe;John\r\nTEL;WORK;VOICE:+1 555\r\nX-OLD:keep\r\nUID:v21-1\r\nEND:VCARD\r\n';
    const card = toModel(v21) as ContactItem;
    expect(patch(v21, card)).toBe(v21);
    const out = patch(v21, { ...card, title: 'CEO' });
    expect(out).toContain('VERSION:3.0');
    expect(out).toContain('TEL;TYPE=WORK,VOICE:+1 555');
    expect(out).toContain('X-OLD:keep');
    expect(toModel(out)).toEqual({ ...card, title: 'CEO' });
  });
});

describe('patch of a contact', () => {
  const card = toModel(CARD) as ContactItem;
  const patchCard = (changed: Partial<ContactItem>) => {
    const next = { ...card, ...changed } as ContactItem;
    const out = patch(CARD, next);
    expect(toModel(out)).toEqual(next);
    return out;
  };

  it('reads Apple’s yearless birthday as month and day', () => {
    expect(card.birthday).toEqual({ month: 3, day: 10 });
  });

  it('changes one e-mail of four and keeps the group label and the others', () => {
    const emails = card.emails.map((e) =>
      e.value === 'jane@home.example' ? { ...e, value: 'jane@newhome.example' } : e,
    );
    const out = patchCard({ emails });
    expectOnly(CARD, out, ['EMAIL']);
    expect(out).toContain('item1.X-ABLabel');
    expect(out).toContain('jane@fourth.example');
  });

  it('changes only ADR for a new street', () => {
    const addresses = [{ ...card.addresses[0]!, street: 'Side St 2' }];
    const out = patchCard({ addresses });
    expectOnly(CARD, out, ['ADR']);
  });

  it('changes only PHOTO for a new photo URI', () => {
    const out = patchCard({ photo: { uri: 'https://example.com/jane.png' } });
    expectOnly(CARD, out, ['PHOTO']);
    expect(out).toContain('PHOTO;VALUE=URI:https://example.com/jane.png');
  });

  it('changes only TITLE when a title is added, keeping X- properties', () => {
    const out = patchCard({ title: 'Head of Sales' });
    expectOnly(CARD, out, ['TITLE']);
    expect(out).toContain('X-SOCIALPROFILE');
  });

  it('changes only BDAY for a birthday with a year', () => {
    const out = patchCard({ birthday: { year: 1980, month: 3, day: 10 } });
    expectOnly(CARD, out, ['BDAY']);
  });
});

describe('patch of a contact group', () => {
  const GROUP = [
    'BEGIN:VCARD',
    'VERSION:4.0',
    'KIND:group',
    'UID:group-1',
    'FN:Team',
    'MEMBER:urn:uuid:a',
    'MEMBER:urn:uuid:b',
    'X-GROUP-COLOR:#ff0000',
    'END:VCARD',
    '',
  ].join('\r\n');

  it('adds and removes members without touching the others', () => {
    const group = toModel(GROUP) as ContactGroupItem;
    const next: ContactGroupItem = { ...group, members: [{ uid: 'a' }, { email: 'c@example.com' }] };
    const out = patch(GROUP, next);
    expect(toModel(out)).toEqual(next);
    expectOnly(GROUP, out, ['MEMBER']);
    expect(out).toContain('MEMBER:urn:uuid:a\r\n');
    expect(out).toContain('MEMBER:mailto:c@example.com\r\n');
    expect(out).toContain('X-GROUP-COLOR:#ff0000');
  });
});
