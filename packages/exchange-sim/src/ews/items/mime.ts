import { type Recurrence, toWindowsZone, utcToWall } from '../../recurrence';
import type { MailboxStore } from '../../store/mailbox-store';
import type { CalendarEvent, Contact, EventFields } from '../../store/types';
import { vtimezoneLines } from '../timezone';

/** iCalendar text escaping (RFC 5545 §3.3.11). */
const icsText = (s: string) =>
  s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');

function utcStamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function localStamp(ms: number, zone: string): string {
  const w = utcToWall(ms, zone);
  const p = (n: number, l = 2) => String(n).padStart(l, '0');
  return `${p(w.year, 4)}${p(w.month)}${p(w.day)}T${p(w.hour)}${p(w.minute)}${p(w.second)}`;
}

function dtProp(name: string, ms: number, zone: string, allDay: boolean): string {
  if (allDay) return `${name};VALUE=DATE:${localStamp(ms, zone).slice(0, 8)}`;
  // Exchange names every zone, UTC included, by its Windows id and defines it in a VTIMEZONE.
  return `${name};TZID=${toWindowsZone(zone)}:${localStamp(ms, zone)}`;
}

const BYDAY: Record<string, string> = {
  sunday: 'SU',
  monday: 'MO',
  tuesday: 'TU',
  wednesday: 'WE',
  thursday: 'TH',
  friday: 'FR',
  saturday: 'SA',
};
const SETPOS: Record<string, number> = { first: 1, second: 2, third: 3, fourth: 4, last: -1 };

function rrule(r: Recurrence, start: number, zone: string): string {
  const p = r.pattern;
  const parts: string[] = [];
  switch (p.type) {
    case 'daily':
      parts.push('FREQ=DAILY');
      break;
    case 'weekly':
      parts.push(
        'FREQ=WEEKLY',
        `BYDAY=${p.daysOfWeek.map((d) => BYDAY[d]).join(',')}`,
        `WKST=${BYDAY[p.firstDayOfWeek ?? 'sunday']}`,
      );
      break;
    case 'absoluteMonthly':
      parts.push('FREQ=MONTHLY', `BYMONTHDAY=${p.dayOfMonth}`);
      break;
    case 'relativeMonthly':
      parts.push('FREQ=MONTHLY', `BYDAY=${p.daysOfWeek.map((d) => BYDAY[d]).join(',')}`, `BYSETPOS=${SETPOS[p.index]}`);
      break;
    case 'absoluteYearly':
      parts.push('FREQ=YEARLY', `BYMONTH=${p.month}`, `BYMONTHDAY=${p.dayOfMonth}`);
      break;
    case 'relativeYearly':
      parts.push(
        'FREQ=YEARLY',
        `BYMONTH=${p.month}`,
        `BYDAY=${p.daysOfWeek.map((d) => BYDAY[d]).join(',')}`,
        `BYSETPOS=${SETPOS[p.index]}`,
      );
      break;
  }
  if (p.interval > 1) parts.push(`INTERVAL=${p.interval}`);
  if (r.range.type === 'numbered') parts.push(`COUNT=${r.range.numberOfOccurrences}`);
  if (r.range.type === 'endDate') {
    // UNTIL is inclusive of the end date: the last instant of that day in the series' zone.
    const w = utcToWall(start, zone);
    const until = `${r.range.endDate.replace(/-/g, '')}T${String(w.hour).padStart(2, '0')}${String(w.minute).padStart(2, '0')}00`;
    parts.push(`UNTIL=${until}Z`);
  }
  return `RRULE:${parts.join(';')}`;
}

function veventLines(ev: CalendarEvent, f: EventFields, extra: string[]): string[] {
  const lines = [
    'BEGIN:VEVENT',
    `UID:${ev.uid}`,
    ...extra,
    `SUMMARY:${icsText(f.subject)}`,
    dtProp('DTSTART', f.start, ev.timeZone, f.isAllDay),
    dtProp('DTEND', f.end, ev.endTimeZone, f.isAllDay),
    `DTSTAMP:${utcStamp(ev.lastModifiedAt)}`,
  ];
  if (f.body.content) lines.push(`DESCRIPTION:${icsText(f.body.content)}`);
  if (f.location) lines.push(`LOCATION:${icsText(f.location)}`);
  if (f.categories.length) lines.push(`CATEGORIES:${f.categories.map(icsText).join(',')}`);
  lines.push(
    `CLASS:${f.sensitivity === 'normal' ? 'PUBLIC' : f.sensitivity === 'confidential' ? 'CONFIDENTIAL' : 'PRIVATE'}`,
  );
  lines.push(`TRANSP:${f.showAs === 'free' ? 'TRANSPARENT' : 'OPAQUE'}`);
  if (f.isReminderOn) {
    lines.push(
      'BEGIN:VALARM',
      'ACTION:DISPLAY',
      'DESCRIPTION:REMINDER',
      `TRIGGER:-PT${f.reminderMinutesBeforeStart}M`,
      'END:VALARM',
    );
  }
  lines.push('END:VEVENT');
  return lines;
}

/** The iCalendar MIME stream of a calendar item: the series with its exceptions, no attendees (as Exchange). */
export function calendarMime(store: MailboxStore, ev: CalendarEvent): string {
  const extra: string[] = [];
  if (ev.recurrence) {
    extra.push(rrule(ev.recurrence, ev.start, ev.timeZone));
    for (const d of [...ev.deletedOccurrences].sort((a, b) => a - b))
      extra.push(dtProp('EXDATE', d, ev.timeZone, ev.isAllDay));
  }
  const lines = ['BEGIN:VCALENDAR', 'PRODID:Microsoft Exchange Server 2019', 'VERSION:2.0', 'METHOD:PUBLISH'];
  // Every TZID needs its VTIMEZONE; Exchange writes the item's zones even for all-day events.
  const zones = new Map([ev.timeZone, ev.endTimeZone].map((z) => [toWindowsZone(z), z]));
  for (const z of zones.values()) lines.push(...vtimezoneLines(z));
  lines.push(...veventLines(ev, ev, extra));
  for (const ex of [...ev.exceptions.values()].sort((a, b) => a.originalStart - b.originalStart)) {
    try {
      const inst = store.getInstance(ex.id);
      lines.push(
        ...veventLines(ev, inst.fields, [dtProp('RECURRENCE-ID', ex.originalStart, ev.timeZone, ev.isAllDay)]),
      );
    } catch {
      // an exception whose occurrence no longer exists is not exported
    }
  }
  lines.push('END:VCALENDAR');
  return `${lines.join('\r\n')}\r\n`;
}

const vcText = (s: string) =>
  s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');

/** The vCard (3.0, as Exchange exports) of a contact. */
export function contactMime(c: Contact): string {
  const lines = ['BEGIN:VCARD', 'VERSION:3.0'];
  lines.push(`FN:${vcText(c.displayName)}`);
  lines.push(`N:${[c.surname, c.givenName, c.middleName, '', c.generation].map(vcText).join(';')}`);
  if (c.nickName) lines.push(`NICKNAME:${vcText(c.nickName)}`);
  for (const [i, e] of c.emailAddresses.entries())
    lines.push(`EMAIL;TYPE=INTERNET${i === 0 ? ',PREF' : ''}:${e.address}`);
  for (const p of c.businessPhones) lines.push(`TEL;TYPE=WORK,VOICE:${p}`);
  for (const p of c.homePhones) lines.push(`TEL;TYPE=HOME,VOICE:${p}`);
  if (c.mobilePhone) lines.push(`TEL;TYPE=CELL,VOICE:${c.mobilePhone}`);
  for (const p of c.otherPhones) lines.push(`TEL;TYPE=VOICE:${p}`);
  const faxTypes: Record<string, string> = {
    BusinessFax: 'WORK,FAX',
    HomeFax: 'HOME,FAX',
    OtherFax: 'FAX',
    Pager: 'PAGER',
  };
  for (const [k, p] of Object.entries(c.ewsOnlyPhones ?? {})) lines.push(`TEL;TYPE=${faxTypes[k] ?? 'VOICE'}:${p}`);
  for (const [type, a] of [
    ['WORK', c.businessAddress],
    ['HOME', c.homeAddress],
    ['POSTAL', c.otherAddress],
  ] as const) {
    if (a)
      lines.push(
        `ADR;TYPE=${type}:;;${[a.street, a.city, a.state, a.postalCode, a.countryOrRegion].map((v) => vcText(v ?? '')).join(';')}`,
      );
  }
  if (c.companyName || c.department) lines.push(`ORG:${vcText(c.companyName)};${vcText(c.department)}`);
  if (c.jobTitle) lines.push(`TITLE:${vcText(c.jobTitle)}`);
  if (c.birthday) lines.push(`BDAY:${c.birthday}`);
  if (c.businessHomePage) lines.push(`URL;TYPE=WORK:${c.businessHomePage}`);
  if (c.personalNotes) lines.push(`NOTE:${vcText(c.personalNotes)}`);
  if (c.categories.length) lines.push(`CATEGORIES:${c.categories.map(vcText).join(',')}`);
  lines.push(`REV:${utcStamp(c.lastModifiedAt)}`, 'END:VCARD');
  return `${lines.join('\r\n')}\r\n`;
}
