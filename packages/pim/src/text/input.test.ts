import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContactItem, EventItem } from '@exsync/core';
import { InvalidItemError } from '@exsync/core';
import { describe, expect, it } from 'vitest';
import { decodeText, parseCalendar, parseVCard, patch, splitObjects, toModel } from '../index';

const EVENT = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//t//EN',
  'BEGIN:VEVENT',
  'UID:input-1',
  'DTSTAMP:20260101T000000Z',
  'DTSTART;VALUE=DATE:20260105',
  'SUMMARY:Café Zürich',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');
const expected = toModel(EVENT);

describe('tolerant input', () => {
  it.each([
    ['LF line endings', EVENT.replace(/\r\n/g, '\n')],
    ['lone CR line endings', EVENT.replace(/\r\n/g, '\r')],
    ['a UTF-8 BOM in a string', `\uFEFF${EVENT}`],
    ['blank lines between lines', EVENT.replace(/\r\n/g, '\r\n\r\n')],
    ['lower-case names', EVENT.replace(/^(BEGIN|END|UID|SUMMARY|DTSTART)/gm, (m) => m.toLowerCase())],
    ['leading whitespace before BEGIN', `\r\n  \r\n${EVENT}`],
  ])('maps text with %s to the same model', (_what, text) => {
    expect(toModel(text)).toEqual(expected);
  });

  it.each([
    ['UTF-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(EVENT, 'utf8')])],
    ['Latin-1', Buffer.from(EVENT, 'latin1')],
    ['UTF-16LE with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(EVENT, 'utf16le')])],
    ['UTF-16BE without BOM', Buffer.from(EVENT, 'utf16le').swap16()],
  ])('decodes %s bytes', (_what, bytes) => {
    expect(decodeText(bytes)).toBe(EVENT);
    expect(toModel(bytes)).toEqual(expected);
  });

  it('decodes single-byte files as Windows-1252, so 0x80 is the euro sign and not a control character', () => {
    const bytes = Buffer.from(EVENT.replace('Café Zürich', 'Café 5 \u0000'), 'latin1');
    bytes[bytes.indexOf(0)] = 0x80;
    expect((toModel(bytes) as EventItem).summary).toBe('Café 5 €');
  });

  it('rejects UTF-16 that was already decoded as UTF-8, saying to pass bytes', () => {
    const broken = Buffer.from(EVENT, 'utf16le').toString('utf8');
    expect(() => toModel(broken)).toThrow(InvalidItemError);
    expect(() => toModel(broken)).toThrow(/UTF-16/);
  });

  it('puts a multi-byte character split by byte-wise folding back together', () => {
    const bytes = Buffer.from(EVENT.replace('SUMMARY:Café Zürich', 'SUMMARY:Caf\u00e9 Z\u00fcrich'), 'utf8');
    const at = bytes.indexOf(Buffer.from('\u00fc', 'utf8'));
    const folded = Buffer.concat([bytes.subarray(0, at + 1), Buffer.from('\r\n '), bytes.subarray(at + 1)]);
    expect((toModel(folded) as EventItem).summary).toBe('Café Zürich');
  });

  it('repairs a closing quote that slipped past the colon (Exchange)', () => {
    const text = EVENT.replace('DTSTART;VALUE=DATE:20260105', 'DTSTART;TZID="W. Europe Standard Time:20260105T090000"');
    expect((toModel(text) as EventItem).start).toEqual({
      kind: 'zoned',
      dateTime: '2026-01-05T09:00:00',
      tzid: 'Europe/Berlin',
    });
  });

  it('upgrades vCard 2.1 with quoted-printable, charsets and bare type parameters', () => {
    const card = [
      'BEGIN:VCARD',
      'VERSION:2.1',
      'N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=',
      '=C3=BCrgen;;;',
      'TEL;WORK;VOICE;PREF:+49 30 1234',
      'NOTE;ENCODING=QUOTED-PRINTABLE:line one=0D=0Aline two',
      'UID:v21',
      'END:VCARD',
      '',
    ].join('\r\n');
    const c = toModel(card) as ContactItem;
    expect(c.name).toEqual({ family: 'Müller', given: 'Jürgen' });
    expect(c.phones).toEqual([{ value: '+49 30 1234', types: ['work', 'voice'], pref: 1 }]);
    expect(c.notes).toBe('line one\nline two');
    expect(parseVCard(card).repairs).toContain('vCard 2.1 upgraded to 3.0');
  });

  it.each([
    ['empty input', ''],
    ['whitespace only', ' \r\n '],
    ['not iCalendar at all', 'hello world'],
    ['a truncated object', EVENT.slice(0, EVENT.indexOf('END:VEVENT'))],
    ['a stray line without colon', EVENT.replace('SUMMARY', 'GARBAGE\r\nSUMMARY')],
    ['mismatched END', EVENT.replace('END:VEVENT', 'END:VTODO')],
    ['two objects', EVENT + EVENT],
    ['a bare VEVENT', EVENT.split('\r\n').slice(3, 9).join('\r\n')],
    ['an event without UID', EVENT.replace('UID:input-1\r\n', '')],
    ['an invalid date', EVENT.replace('20260105', '2026015')],
  ])('rejects %s with InvalidItemError', (_what, text) => {
    expect(() => toModel(text)).toThrow(InvalidItemError);
  });

  it('parseCalendar refuses a vCard and parseVCard a calendar', () => {
    expect(() => parseVCard(EVENT)).toThrow(InvalidItemError);
    expect(() => parseCalendar('BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nEND:VCARD\r\n')).toThrow(InvalidItemError);
  });
});

describe('damaged real files never crash', () => {
  const FIXTURES = join(__dirname, '../../../../../shared/fixtures');
  const samples = ['ics', 'vcf'].flatMap((d) =>
    readdirSync(join(FIXTURES, d))
      .slice(0, 12)
      .map((f) => readFileSync(join(FIXTURES, d, f))),
  );

  it('throws only InvalidItemError for truncated and byte-flipped inputs', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (const bytes of samples) {
      for (let round = 0; round < 8; round++) {
        const damaged = Buffer.from(bytes.subarray(0, Math.floor(random() * bytes.length)));
        for (let i = 0; i < 3 && damaged.length > 0; i++) {
          damaged[Math.floor(random() * damaged.length)] = Math.floor(random() * 256);
        }
        for (const run of [() => splitObjects(damaged).map((o) => patch(o, toModel(o))), () => toModel(damaged)]) {
          try {
            run();
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidItemError);
          }
        }
      }
    }
  });
});
