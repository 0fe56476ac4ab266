import { toIanaZone, wallToUtc } from '../../recurrence';
import { EwsItemError } from '../errors';

const fail = (why: string): never => {
  throw new EwsItemError('ErrorMimeContentConversionFailed', `Content conversion failed: ${why}`);
};

function unfold(text: string): string[] {
  return text
    .replace(/\r?\n[ \t]/g, '')
    .split(/\r?\n/)
    .filter(Boolean);
}

const unescapeText = (s: string) => s.replace(/\\n/gi, '\n').replace(/\\([,;\\])/g, '$1');

function parseTime(params: string, value: string): { t: number; allDay: boolean; zone?: string } {
  const tzid = /;TZID=("?)([^;:"]+)\1/i.exec(params)?.[2];
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(value.trim());
  if (!m) return fail(`bad date "${value}"`);
  const [, y, mo, d, h, mi, s, z] = m;
  if (h === undefined) return { t: Date.UTC(+y!, +mo! - 1, +d!), allDay: true };
  if (z) return { t: Date.UTC(+y!, +mo! - 1, +d!, +h, +mi!, +s!), allDay: false };
  let zone = 'UTC';
  if (tzid) {
    try {
      zone = toIanaZone(tzid);
    } catch {
      fail(`unknown TZID "${tzid}"`);
    }
  }
  return {
    t: wallToUtc({ year: +y!, month: +mo!, day: +d!, hour: +h, minute: +mi!, second: +s! }, zone),
    allDay: false,
    zone,
  };
}

/**
 * Imports a simple VEVENT (what Exchange accepts through CreateItem MimeContent): no recurrence, no attendees.
 * Anything else is refused with ErrorMimeContentConversionFailed, as the documentation warns.
 */
export function importICalendar(text: string): Record<string, unknown> {
  const lines = unfold(text);
  const begin = lines.findIndex((l) => /^BEGIN:VEVENT$/i.test(l));
  if (begin < 0 || !/^BEGIN:VCALENDAR$/i.test(lines[0] ?? '')) fail('not an iCalendar object with a VEVENT');
  if (lines.filter((l) => /^BEGIN:VEVENT$/i.test(l)).length > 1) fail('only a single VEVENT can be imported');
  const out: Record<string, unknown> = {};
  for (const line of lines.slice(begin + 1)) {
    if (/^END:VEVENT$/i.test(line)) break;
    const i = line.indexOf(':');
    if (i < 0) continue;
    const head = line.slice(0, i);
    const value = line.slice(i + 1);
    const name = head.split(';')[0]!.toUpperCase();
    const params = head.slice(name.length);
    switch (name) {
      case 'UID':
        out.uid = value.trim();
        break;
      case 'SUMMARY':
        out.subject = unescapeText(value);
        break;
      case 'DESCRIPTION':
        out.body = { contentType: 'text', content: unescapeText(value) };
        break;
      case 'LOCATION':
        out.location = unescapeText(value);
        break;
      case 'DTSTART': {
        const p = parseTime(params, value);
        out.start = p.t;
        out.isAllDay = p.allDay;
        if (p.zone) out.timeZone = p.zone;
        break;
      }
      case 'DTEND':
        out.end = parseTime(params, value).t;
        break;
      case 'ATTENDEE':
      case 'ORGANIZER':
        fail('meetings cannot be imported through MIME');
        break;
      case 'RRULE':
      case 'RDATE':
      case 'EXDATE':
        fail('recurring items cannot be imported through MIME by this simulator');
        break;
      default:
        break;
    }
  }
  if (typeof out.start !== 'number') fail('DTSTART is missing');
  if (typeof out.end !== 'number') out.end = out.start;
  return out;
}
