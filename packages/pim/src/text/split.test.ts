import { describe, expect, it } from 'vitest';
import { splitObjects, toModel } from '../index';

const zone = (tzid: string) =>
  `BEGIN:VTIMEZONE\r\nTZID:${tzid}\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n`;
const vevent = (uid: string, tzid: string, extra = '') =>
  `BEGIN:VEVENT\r\nUID:${uid}\r\n${extra}DTSTART;TZID=${tzid}:20260105T090000\r\nSUMMARY:${uid}\r\nEND:VEVENT\r\n`;

describe('splitObjects', () => {
  it('splits a calendar export into one object per UID, each with the VTIMEZONEs it uses', () => {
    const ics =
      'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n' +
      zone('Europe/Berlin') +
      zone('Europe/Paris') +
      vevent('a', 'Europe/Berlin') +
      vevent('b', 'Europe/Paris') +
      vevent('a', 'Europe/Berlin', 'RECURRENCE-ID;TZID=Europe/Berlin:20260112T090000\r\n') +
      'END:VCALENDAR\r\n';
    const [a, b, ...rest] = splitObjects(ics);
    expect(rest).toEqual([]);
    expect(a).toContain('TZID:Europe/Berlin');
    expect(a).not.toContain('TZID:Europe/Paris');
    expect(a!.match(/BEGIN:VEVENT/g)).toHaveLength(2);
    expect(b).toContain('TZID:Europe/Paris');
    expect(toModel(a!)).toMatchObject({ uid: 'a', exceptions: [{ summary: 'a' }] });
    expect(toModel(b!)).toMatchObject({ uid: 'b' });
  });

  it('returns a single object unchanged', () => {
    const ics = `BEGIN:VCALENDAR\r\nVERSION:2.0\r\n${vevent('a', 'Europe/Berlin')}END:VCALENDAR\r\n`;
    expect(splitObjects(ics)).toEqual([ics]);
  });

  it('splits several VCALENDARs and several VCARDs', () => {
    const one = `BEGIN:VCALENDAR\r\nVERSION:2.0\r\n${vevent('a', 'UTC')}END:VCALENDAR\r\n`;
    expect(splitObjects(one + one)).toEqual([one, one]);
    const card = 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:c\r\nFN:C\r\nEND:VCARD\r\n';
    expect(splitObjects(card + card + card)).toEqual([card, card, card]);
  });
});
