import { createHash } from 'node:crypto';
import type { ContactItem, DateValue, EventItem, PimItem, RecurrenceRule, TaskItem } from '@exsync/core';
import { InvalidItemError } from '@exsync/core';
import type { DavItemCodec } from './item-codec';

/**
 * A deliberately small iCalendar/vCard codec covering the fields the store contract exercises (UID, SUMMARY,
 * DTSTART/DTEND/DUE in UTC or as dates, RRULE FREQ/INTERVAL/COUNT/UNTIL, FN/N/EMAIL) plus our marker. It lets the
 * DAV store be tested on its own; production wiring passes the `@exsync/pim` codec.
 */
export const MARKER_PROPERTY = 'X-EXSYNC-MARKER';
const VOLATILE = new Set(['DTSTAMP', 'PRODID', 'LAST-MODIFIED', 'SEQUENCE', 'REV', 'CREATED', MARKER_PROPERTY]);

export const minimalCodec: DavItemCodec = {
  toModel(raw) {
    const lines = unfold(raw);
    const block = (name: string) => componentLines(lines, name);
    const event = block('VEVENT');
    if (event) return eventFrom(event);
    const todo = block('VTODO');
    if (todo) return taskFrom(todo);
    const card = block('VCARD');
    if (card) return contactFrom(card);
    throw new InvalidItemError('No VEVENT, VTODO or VCARD in the object');
  },
  fromModel(item, { marker }) {
    return serialize(item, marker);
  },
  patch(baseRaw, item) {
    return serialize(item, minimalCodec.readMarker(baseRaw));
  },
  contentHash(raw) {
    const kept = unfold(raw)
      .filter((line) => !VOLATILE.has(nameOf(line)))
      .join('\n');
    return createHash('sha256').update(kept).digest('hex');
  },
  readMarker(raw) {
    const line = unfold(raw).find((l) => nameOf(l) === MARKER_PROPERTY);
    return line === undefined ? undefined : lineValue(line);
  },
};

function serialize(item: PimItem, marker: string | undefined): string {
  const out: string[] = [];
  const markerLine = marker === undefined ? [] : [`${MARKER_PROPERTY}:${escapeText(marker)}`];
  if (item.kind === 'contact' || item.kind === 'group') {
    const contact = item as ContactItem;
    out.push('BEGIN:VCARD', 'VERSION:3.0', 'PRODID:-//exsync//minimal//EN', `UID:${contact.uid}`);
    out.push(`FN:${escapeText(contact.formattedName ?? contact.uid)}`);
    const n = contact.name ?? {};
    out.push(`N:${[n.family, n.given, n.additional, n.prefix, n.suffix].map((v) => escapeText(v ?? '')).join(';')}`);
    for (const email of contact.emails ?? []) {
      const types = email.types.length ? `;TYPE=${email.types.join(',').toUpperCase()}` : '';
      out.push(`EMAIL${types}:${email.value}`);
    }
    out.push(...markerLine, 'END:VCARD');
    return `${out.join('\r\n')}\r\n`;
  }
  out.push('BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//exsync//minimal//EN');
  const comp = item.kind === 'event' ? 'VEVENT' : 'VTODO';
  out.push(`BEGIN:${comp}`, `UID:${item.uid}`, 'DTSTAMP:20300101T000000Z');
  if (item.summary !== undefined) out.push(`SUMMARY:${escapeText(item.summary)}`);
  if (item.kind === 'event') {
    out.push(dateLine('DTSTART', item.start));
    if (item.end) out.push(dateLine('DTEND', item.end));
  } else {
    if (item.start) out.push(dateLine('DTSTART', item.start));
    if (item.due) out.push(dateLine('DUE', item.due));
    out.push(`STATUS:${item.status.toUpperCase()}`);
  }
  if (item.recurrence) out.push(`RRULE:${ruleText(item.recurrence)}`);
  out.push(...markerLine, `END:${comp}`, 'END:VCALENDAR');
  return `${out.join('\r\n')}\r\n`;
}

function eventFrom(lines: string[]): EventItem {
  const start = dateOf(lines, 'DTSTART');
  if (!start) throw new InvalidItemError('VEVENT without DTSTART');
  const end = dateOf(lines, 'DTEND');
  const summary = textOf(lines, 'SUMMARY');
  const recurrence = ruleOf(lines);
  return {
    kind: 'event',
    uid: requireUid(lines),
    start,
    categories: [],
    attendees: [],
    reminders: [],
    attachments: [],
    recurrenceDates: [],
    excludedDates: [],
    exceptions: [],
    ...(end ? { end } : {}),
    ...(summary === undefined ? {} : { summary }),
    ...(recurrence ? { recurrence } : {}),
  };
}

function taskFrom(lines: string[]): TaskItem {
  const start = dateOf(lines, 'DTSTART');
  const due = dateOf(lines, 'DUE');
  const summary = textOf(lines, 'SUMMARY');
  const status = (textOf(lines, 'STATUS') ?? 'NEEDS-ACTION').toLowerCase() as TaskItem['status'];
  return {
    kind: 'task',
    uid: requireUid(lines),
    status,
    categories: [],
    reminders: [],
    ...(start ? { start } : {}),
    ...(due ? { due } : {}),
    ...(summary === undefined ? {} : { summary }),
  };
}

function contactFrom(lines: string[]): ContactItem {
  const fn = textOf(lines, 'FN');
  const [family, given, additional, prefix, suffix] = (rawValueOf(lines, 'N') ?? '').split(';').map(unescapeText);
  const name = Object.fromEntries(
    Object.entries({ family, given, additional, prefix, suffix }).filter(([, v]) => v !== undefined && v !== ''),
  );
  return {
    kind: 'contact',
    uid: requireUid(lines),
    ...(fn === undefined ? {} : { formattedName: fn }),
    name,
    emails: lines.filter((l) => nameOf(l) === 'EMAIL').map((l) => ({ value: lineValue(l), types: typesOf(l) })),
    phones: [],
    addresses: [],
    urls: [],
    impps: [],
    categories: [],
  };
}

function unfold(raw: string): string[] {
  return raw
    .replace(/\r?\n[ \t]/g, '')
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
}

function componentLines(lines: string[], name: string): string[] | undefined {
  const begin = lines.indexOf(`BEGIN:${name}`);
  if (begin < 0) return undefined;
  const end = lines.indexOf(`END:${name}`, begin);
  return lines.slice(begin + 1, end < 0 ? undefined : end);
}

function nameOf(line: string): string {
  return (/^[^:;]+/.exec(line)?.[0] ?? '').toUpperCase();
}

function lineValue(line: string): string {
  return unescapeText(line.slice(line.indexOf(':') + 1));
}

function rawValueOf(lines: string[], name: string): string | undefined {
  const line = lines.find((l) => nameOf(l) === name);
  return line === undefined ? undefined : line.slice(line.indexOf(':') + 1);
}

function textOf(lines: string[], name: string): string | undefined {
  const raw = rawValueOf(lines, name);
  return raw === undefined ? undefined : unescapeText(raw);
}

function typesOf(line: string): string[] {
  const params = line.slice(0, line.indexOf(':')).split(';').slice(1);
  return params
    .filter((p) => p.toUpperCase().startsWith('TYPE='))
    .flatMap((p) => p.slice(5).split(','))
    .map((t) => t.toLowerCase());
}

function requireUid(lines: string[]): string {
  const uid = textOf(lines, 'UID');
  if (!uid) throw new InvalidItemError('Object without UID');
  return uid;
}

function dateOf(lines: string[], name: string): DateValue | undefined {
  const raw = rawValueOf(lines, name);
  return raw === undefined ? undefined : parseDate(raw);
}

function parseDate(raw: string): DateValue {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(raw.trim());
  if (!m) throw new InvalidItemError(`Unreadable date ${raw}`);
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  if (m[4] === undefined) return { kind: 'date', date };
  const dateTime = `${date}T${m[4]}:${m[5]}:${m[6]}`;
  return m[7] ? { kind: 'utc', dateTime: `${dateTime}Z` } : { kind: 'floating', dateTime };
}

function dateLine(name: string, value: DateValue): string {
  if (value.kind === 'date') return `${name};VALUE=DATE:${value.date.replaceAll('-', '')}`;
  const compact = value.dateTime.replaceAll('-', '').replaceAll(':', '');
  if (value.kind === 'zoned') return `${name};TZID=${value.tzid}:${compact}`;
  return `${name}:${compact}`;
}

function ruleText(rule: RecurrenceRule): string {
  const parts = [`FREQ=${rule.freq}`];
  if (rule.interval) parts.push(`INTERVAL=${rule.interval}`);
  if (rule.count) parts.push(`COUNT=${rule.count}`);
  if (rule.until) parts.push(`UNTIL=${dateLine('X', rule.until).slice(rule.until.kind === 'date' ? 13 : 2)}`);
  return parts.join(';');
}

function ruleOf(lines: string[]): RecurrenceRule | undefined {
  const raw = rawValueOf(lines, 'RRULE');
  if (!raw) return undefined;
  const parts = new Map(raw.split(';').map((p) => p.split('=') as [string, string]));
  const freq = parts.get('FREQ') as RecurrenceRule['freq'];
  const interval = parts.get('INTERVAL');
  const count = parts.get('COUNT');
  const until = parts.get('UNTIL');
  return {
    freq,
    ...(interval ? { interval: Number(interval) } : {}),
    ...(count ? { count: Number(count) } : {}),
    ...(until ? { until: parseDate(until) } : {}),
  };
}

function escapeText(text: string): string {
  return text.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\r?\n/g, '\\n');
}

function unescapeText(text: string | undefined): string {
  return (text ?? '').replace(/\\([nN\\;,])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}
