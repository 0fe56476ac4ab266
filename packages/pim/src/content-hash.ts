import { createHash } from 'node:crypto';
import { type CalendarContext, calendarContext } from './mapping/calendar-context';
import { MARKER_PROPERTY } from './marker';
import { type PimDocument, parseDocument, READ_ONLY } from './text/document';
import type { JComp, JProp } from './text/jcal';

/**
 * Properties that change without the item changing: timestamps, producer, revision counters, client
 * bookkeeping, and our own marker. SEQUENCE is dropped entirely: a bump alone is no change, and a bump that
 * comes with a real change is caught by that change.
 */
const VOLATILE = new Set([
  'dtstamp',
  'prodid',
  'last-modified',
  'created',
  'sequence',
  'rev',
  'x-moz-generation',
  'x-moz-lastack',
  'x-lic-error',
  // Dismissing or snoozing a reminder is no edit of the item.
  'acknowledged',
  'x-moz-snooze-time',
  MARKER_PROPERTY.toLowerCase(),
]);

/** Parameters servers add or we add on write (Nextcloud's SCHEDULE-STATUS, our SCHEDULE-AGENT=CLIENT). */
const VOLATILE_PARAMS = new Set(['schedule-status', 'schedule-agent']);
/** Parameters whose value is free text, compared as written; the others are case-insensitive tokens. */
const TEXT_PARAMS = new Set(['cn', 'label', 'altrep', 'dir', 'sent-by', 'filename', 'x-filename', 'language']);

/**
 * sha256 over a canonical form of the object: volatile properties removed, VTIMEZONE blocks replaced by the IANA
 * zone each TZID resolves to, properties and subcomponents sorted, parameters sorted and case-normalised, folding
 * and line endings gone. Two objects that mean the same thing hash the same; any semantic change changes it.
 */
export function contentHash(raw: string | Uint8Array | PimDocument): string {
  const doc = typeof raw === 'object' && 'root' in raw ? raw : parseDocument(raw, undefined, READ_ONLY);
  const ctx = doc.root[0] === 'vcalendar' ? calendarContext(doc.root) : undefined;
  return createHash('sha256').update(canonicalComponent(doc.root, ctx)).digest('hex');
}

export function canonicalComponent(c: JComp, ctx: CalendarContext | undefined): string {
  // Loops rather than filter/flatMap/map: this runs for every property of every item hashed (each one written).
  const lines: string[] = [];
  for (const p of c[1]) {
    if (VOLATILE.has(p[0]) || p[0].startsWith('x-moz-snooze-time-')) continue;
    if (LIST_PROPERTIES.has(p[0]) && p.length > 4) {
      for (const v of p.slice(3)) lines.push(canonicalProperty([p[0], p[1], p[2], v] as JProp, ctx));
    } else lines.push(canonicalProperty(p, ctx));
  }
  lines.sort();
  const subs: string[] = [];
  for (const s of c[2]) if (s[0] !== 'vtimezone') subs.push(canonicalComponent(s, ctx));
  subs.sort();
  return `BEGIN:${c[0]}\n${lines.join('\n')}\n${subs.join('')}END:${c[0]}\n`;
}

/** `CATEGORIES:a,b` means the same as `CATEGORIES:a` plus `CATEGORIES:b`. */
const LIST_PROPERTIES = new Set(['categories', 'resources']);

function canonicalProperty(p: JProp, ctx: CalendarContext | undefined): string {
  const params: string[] = [];
  for (const k in p[1]) {
    if (VOLATILE_PARAMS.has(k) || k === 'group') continue;
    params.push(`${k}=${canonicalParam(k, p[1][k]!, ctx)}`);
  }
  params.sort();
  return `${p[0]};${params.join(';')}:${p[2]}:${JSON.stringify(p.slice(3))}`;
}

function canonicalParam(name: string, v: string | string[], ctx: CalendarContext | undefined): string {
  if (name === 'tzid' && typeof v === 'string' && ctx) {
    try {
      return ctx.ianaFor(v);
    } catch {
      return v;
    }
  }
  if (TEXT_PARAMS.has(name)) return Array.isArray(v) ? v.join(',') : v;
  const list = (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim().toUpperCase());
  return list.sort().join(',');
}
