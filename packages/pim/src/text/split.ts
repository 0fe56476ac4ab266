import { InvalidItemError } from '@exsync/core';
import { decodeText } from './decode';
import { parseDocument } from './document';
import type { JComp } from './jcal';
import { serializeDocument } from './serialize';

/**
 * Splits a file that holds several objects (an .ics export with many UIDs, a .vcf with many cards) into one
 * text per DAV resource: each VCARD alone, each UID's VEVENTs/VTODOs in their own VCALENDAR with the calendar's
 * properties and the VTIMEZONEs they use. Lines are carried over byte for byte.
 */
export function splitObjects(input: string | Uint8Array): string[] {
  const text = decodeText(input);
  if (/^\s*BEGIN:VCARD/i.test(text)) return splitAt(text, /^[ \t]*BEGIN:VCARD[ \t]*\r?$/gim);
  const calendars = splitAt(text, /^[ \t]*BEGIN:VCALENDAR[ \t]*\r?$/gim);
  if (calendars.length > 1) return calendars.flatMap(splitCalendar);
  return splitCalendar(text);
}

function splitCalendar(text: string): string[] {
  const doc = parseDocument(text, 'vcalendar');
  const items = doc.root[2].filter((c) => ITEM_COMPONENTS.has(c[0]));
  const zones = doc.root[2].filter((c) => c[0] === 'vtimezone');
  // Unknown (X-) components have no UID of their own: they travel with the first object.
  const others = doc.root[2].filter((c) => c[0] !== 'vtimezone' && !ITEM_COMPONENTS.has(c[0]));
  const groups = new Map<string, JComp[]>();
  for (const [i, c] of items.entries()) {
    const uidProp = c[1].find((p) => p[0] === 'uid');
    const key = uidProp ? String(uidProp[3]) : `\u0000${i}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const first = groups.values().next().value;
  first?.push(...others);
  if (groups.size <= 1) return [doc.text];
  return [...groups.values()].map((members) => {
    const used = new Set(members.flatMap(tzidsOf));
    const needed = zones.filter((z) => used.has(String(z[1].find((p) => p[0] === 'tzid')?.[3])));
    const root: JComp = [doc.root[0], doc.root[1], [...needed, ...members]];
    return serializeDocument({ ...doc, root, origin: { ...doc.origin, lead: '' } });
  });
}

const ITEM_COMPONENTS = new Set(['vevent', 'vtodo', 'vjournal', 'vfreebusy']);

function tzidsOf(c: JComp): string[] {
  const own = c[1].flatMap((p) => {
    const tz = p[1].tzid;
    return typeof tz === 'string' ? [tz] : [];
  });
  return [...own, ...c[2].flatMap(tzidsOf)];
}

function splitAt(text: string, re: RegExp): string[] {
  const starts = [...text.matchAll(re)].map((m) => m.index ?? 0);
  if (starts.length === 0) throw new InvalidItemError('No BEGIN:VCALENDAR or BEGIN:VCARD found.');
  return starts.map((start, i) => text.slice(start, starts[i + 1] ?? text.length));
}
