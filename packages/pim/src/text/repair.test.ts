import type { ContactItem, EventItem } from '@exsync/core';
import { InvalidItemError } from '@exsync/core';
import { describe, expect, it } from 'vitest';
import { parseCalendar, parseVCard, patch, toModel } from '../index';

const EVENT = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//t//EN',
  'BEGIN:VEVENT',
  'UID:repair-1',
  'DTSTAMP:20260101T000000Z',
  'DTSTART:20260105T090000Z',
  'SUMMARY:Weekly',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

const card = (lines: readonly string[], newline = '\r\n') =>
  ['BEGIN:VCARD', 'VERSION:3.0', 'UID:card-r', ...lines, 'END:VCARD', ''].join(newline);

describe('CR CR LF line ends (iPhone vCards)', () => {
  it('unfolds folded lines in a file with CR CR LF line ends', () => {
    const raw = card(['FN:Jane Doe', 'NOTE:first part of a long', '  note that continues', 'TEL:+49 30 1'], '\r\r\n');
    const c = toModel(raw) as ContactItem;
    expect(c.notes).toBe('first part of a long note that continues');
    expect(c.phones).toEqual([{ value: '+49 30 1', types: [] }]);
    expect(parseVCard(raw).repairs).toContain('CR CR LF line breaks');
  });

  it('patches such a file with its own model without touching it', () => {
    const raw = card(['FN:Jane Doe', 'NOTE:first part of a long', '  note that continues'], '\r\r\n');
    expect(patch(raw, toModel(raw))).toBe(raw);
  });
});

describe('content after END:VCALENDAR', () => {
  it.each([
    ['a stray property line', 'X-STRAY:garbage\r\n'],
    ['a stray word', 'garbage\r\n'],
    ['a stray END line', 'END:VEVENT\r\n'],
  ])('drops %s after END:VCALENDAR instead of failing with a TypeError', (_what, stray) => {
    const raw = EVENT + stray;
    expect((toModel(raw) as EventItem).summary).toBe('Weekly');
    expect(parseCalendar(raw).repairs).toContain('dropped content outside the object');
  });

  it('drops a stray line before BEGIN:VCALENDAR', () => {
    expect((toModel(`X-STRAY:garbage\r\n${EVENT}`) as EventItem).summary).toBe('Weekly');
  });

  it('still refuses a second object after the first, naming the count', () => {
    expect(() => toModel(EVENT + EVENT)).toThrow(/2 top-level objects/);
  });

  it('names an END line that closes the wrong component instead of leaking an ical.js TypeError', () => {
    const raw = EVENT.replace('SUMMARY:Weekly\r\n', 'SUMMARY:Weekly\r\nEND:VALARM\r\n');
    expect(() => toModel(raw)).toThrow(InvalidItemError);
    expect(() => toModel(raw)).toThrow('Line 9: END:VALARM where BEGIN:VEVENT is open.');
  });
});

describe('RRULE with spaces (Exchange CDO)', () => {
  it('repairs RRULE:...;BYDAY=MO, TU instead of refusing it', () => {
    const raw = EVENT.replace('SUMMARY:Weekly', 'RRULE:FREQ=WEEKLY; BYDAY=MO, TU ;INTERVAL = 2\r\nSUMMARY:Weekly');
    expect((toModel(raw) as EventItem).recurrence).toEqual({
      freq: 'WEEKLY',
      interval: 2,
      byDay: [{ day: 'MO' }, { day: 'TU' }],
    });
    expect(parseCalendar(raw).repairs).toContain('spaces in a recurrence rule');
  });
});

describe('quoted-printable without CHARSET', () => {
  const qp = (value: string) =>
    ['BEGIN:VCARD', 'VERSION:2.1', `N;ENCODING=QUOTED-PRINTABLE:${value};Hans`, 'UID:qp', 'END:VCARD', ''].join('\r\n');

  it('decodes Latin-1 bytes (M=FCller) as Windows-1252, not as mangled UTF-8', () => {
    expect((toModel(qp('M=FCller')) as ContactItem).name).toEqual({ family: 'Müller', given: 'Hans' });
  });

  it('decodes UTF-8 bytes (M=C3=BCller) as UTF-8', () => {
    expect((toModel(qp('M=C3=BCller')) as ContactItem).name).toEqual({ family: 'Müller', given: 'Hans' });
  });

  it('decodes Windows-1252 punctuation (=80 is the euro sign)', () => {
    expect((toModel(qp('=80uro')) as ContactItem).name).toEqual({ family: '€uro', given: 'Hans' });
  });
});
