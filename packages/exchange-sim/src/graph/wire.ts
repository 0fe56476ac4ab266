/** Graph wire helpers shared by the resource modules: errors, Prefer, dateTimeTimeZone, OData query options. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { graphErrorBody } from '../http/fault-responses';
import { toIanaZone, toWindowsZone } from '../recurrence/windows-zones';
import { utcToWall, wallToUtc } from '../recurrence/zoned-time';
import { extendedPropertyKey, parseGraphPropertyId } from '../store/extended-properties';
import type { ExtendedProperty } from '../store/types';

export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, code = 'ErrorInvalidRequest') => new GraphError(400, code, message);
export const notFound = (message = 'The specified object was not found in the store.') =>
  new GraphError(404, 'ErrorItemNotFound', message);

export function sendGraphError(reply: FastifyReply, request: FastifyRequest, e: GraphError): FastifyReply {
  for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
  return reply
    .code(e.status)
    .type('application/json; charset=utf-8')
    .send(graphErrorBody(request, e.code, e.message));
}

export interface PreferOptions {
  maxPageSize: number | undefined;
  /** The zone name exactly as the client wrote it (echoed back in responses). */
  timeZoneName: string | undefined;
  timeZone: string | undefined;
  immutableIds: boolean;
  /** outlook.body-content-type: the form event bodies are returned in (Graph's default is HTML). */
  bodyContentType: 'text' | 'html' | undefined;
  applied: string[];
}

/**
 * Query options and headers a client sends the same way on every request, parsed once each: a sync sends the same
 * Prefer header and `$expand` on a thousand (batched) reads. Bounded: cleared when full.
 */
function memo<T>(parse: (raw: string) => T): (raw: string) => T {
  const seen = new Map<string, T>();
  return (raw) => {
    let v = seen.get(raw);
    if (v === undefined) {
      v = parse(raw);
      if (seen.size >= 256) seen.clear();
      seen.set(raw, v);
    }
    return v;
  };
}

/** Parses every Prefer header (they may repeat or be comma-joined). Unknown zones are ignored, like Graph does. */
export function parsePrefer(headers: FastifyRequest['headers']): PreferOptions {
  const raw = headers.prefer;
  const parsed = parsePreferText(Array.isArray(raw) ? raw.join('\n') : (raw ?? ''));
  return { ...parsed, applied: [...parsed.applied] };
}

const parsePreferText = memo((text: string): PreferOptions => {
  const parts = text ? text.split('\n').flatMap((h) => h.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)) : [];
  const out: PreferOptions = {
    maxPageSize: undefined,
    timeZoneName: undefined,
    timeZone: undefined,
    immutableIds: false,
    bodyContentType: undefined,
    applied: [],
  };
  for (const p of parts.map((s) => s.trim()).filter(Boolean)) {
    const [k, ...rest] = p.split('=');
    const key = k!.trim().toLowerCase();
    const value = rest.join('=').trim().replace(/^"|"$/g, '');
    if (key === 'odata.maxpagesize' && /^\d+$/.test(value)) {
      out.maxPageSize = Number(value);
      out.applied.push(`odata.maxpagesize=${value}`);
    } else if (key === 'outlook.timezone') {
      try {
        out.timeZone = toIanaZone(value);
        out.timeZoneName = value;
        out.applied.push(`outlook.timezone="${value}"`);
      } catch {
        // Graph silently falls back to UTC for unknown zones.
      }
    } else if (key === 'outlook.body-content-type' && (value === 'text' || value === 'html')) {
      out.bodyContentType = value;
      out.applied.push(`outlook.body-content-type="${value}"`);
    } else if (key === 'idtype' && value.toLowerCase() === 'immutableid') {
      out.immutableIds = true;
      out.applied.push('IdType="ImmutableId"');
    }
  }
  return out;
});

export interface DateTimeTimeZone {
  dateTime: string;
  timeZone: string;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `{"dateTime":"2026-01-05T09:00:00.0000000","timeZone":"UTC"}` or in the zone the client preferred. */
export function toDateTimeTimeZone(ms: number, zone: { iana: string; name: string } | undefined): DateTimeTimeZone {
  const iana = zone?.iana ?? 'UTC';
  const w = utcToWall(ms, iana);
  return {
    dateTime: `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}.0000000`,
    timeZone: zone?.name ?? 'UTC',
  };
}

export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Reads a dateTimeTimeZone. A dateTime with Z/offset is absolute; otherwise it is wall time in `timeZone`. */
export function fromDateTimeTimeZone(v: unknown, field: string): { ms: number; timeZone: string } {
  const o = v as Partial<DateTimeTimeZone> | undefined;
  if (!o || typeof o.dateTime !== 'string') throw badRequest(`${field}.dateTime is required`);
  let iana: string;
  try {
    iana = toIanaZone(o.timeZone ?? 'UTC');
  } catch {
    throw badRequest(
      `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${o.timeZone}'.`,
      'TimeZoneNotSupportedException',
    );
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(o.dateTime);
  if (!m) throw badRequest(`${field}.dateTime "${o.dateTime}" is not a valid date-time`);
  if (m[7]) return { ms: Date.parse(o.dateTime), timeZone: iana };
  const wall = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6] ?? 0),
  };
  return { ms: wallToUtc(wall, iana), timeZone: iana };
}

export const windowsZone = toWindowsZone;

/* ---------------- OData query options ---------------- */

/** `$expand=singleValueExtendedProperties($filter=id eq '...')` → the requested property ids (undefined: none). */
export function expandedExtendedProperties(expand: string | undefined): string[] | undefined {
  return expand ? expandedIds(expand) : undefined;
}

const expandedIds = memo((expand: string): string[] | undefined => {
  const m = /singleValueExtendedProperties\s*\(\s*\$filter\s*=\s*(.+)\)\s*$/i.exec(expand.trim());
  if (!m) {
    if (/singleValueExtendedProperties/i.test(expand)) {
      throw badRequest('Extended properties can only be expanded with a $filter on id.', 'ErrorInvalidProperty');
    }
    return undefined;
  }
  const ids = [...m[1]!.matchAll(/id\s+eq\s+'((?:[^']|'')*)'/gi)].map((x) => x[1]!.replace(/''/g, "'"));
  if (ids.length === 0) throw badRequest(`Unsupported $filter in $expand: ${m[1]}`);
  return ids;
});

/**
 * The property keys an `$expand` asks for, by the ids array `expandedIds` keeps per `$expand` text: a sync's
 * `$batch` reads ask for the same two properties a thousand times, and parsing their ids was most of the work.
 */
const wantedByIds = new WeakMap<readonly string[], Map<string, string>>();
function wantedKeys(ids: readonly string[]): Map<string, string> {
  let wanted = wantedByIds.get(ids);
  if (!wanted) {
    wanted = new Map(ids.map((id) => [extendedPropertyKey({ ...parseGraphPropertyId(id) }), id]));
    wantedByIds.set(ids, wanted);
  }
  return wanted;
}

export function renderExtendedProperties(props: ExtendedProperty[], ids: string[]): { id: string; value: string }[] {
  const out: { id: string; value: string }[] = [];
  if (props.length === 0) return out;
  const wanted = wantedKeys(ids);
  for (const p of props) {
    const asked = wanted.get(extendedPropertyKey(p));
    if (asked !== undefined && !Array.isArray(p.value)) out.push({ id: asked, value: p.value });
  }
  return out;
}

/** `$filter=singleValueExtendedProperties/Any(ep: ep/id eq '...' and ep/value eq '...')` → a predicate. */
export function extendedPropertyFilter(
  filter: string | undefined,
): ((props: ExtendedProperty[]) => boolean) | undefined {
  if (!filter) return undefined;
  const m =
    /^singleValueExtendedProperties\/any\(\s*(\w+)\s*:\s*\1\/id\s+eq\s+'((?:[^']|'')*)'(?:\s+and\s+\1\/value\s+eq\s+'((?:[^']|'')*)')?\s*\)$/i.exec(
      filter.trim(),
    );
  if (!m)
    throw badRequest(`The simulator supports $filter=singleValueExtendedProperties/Any(...) only; got: ${filter}`);
  const key = extendedPropertyKey(parseGraphPropertyId(m[2]!.replace(/''/g, "'")));
  const value = m[3]?.replace(/''/g, "'");
  return (props) => props.some((p) => extendedPropertyKey(p) === key && (value === undefined || p.value === value));
}

/** Input `singleValueExtendedProperties: [{id, value}]` → store properties. */
export function parseExtendedPropertiesInput(v: unknown): ExtendedProperty[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw badRequest('singleValueExtendedProperties must be an array');
  return v.map((x: { id?: unknown; value?: unknown }) => {
    if (typeof x?.id !== 'string' || typeof x.value !== 'string') {
      throw badRequest('Each singleValueExtendedProperty needs a string id and a string value');
    }
    try {
      return { ...parseGraphPropertyId(x.id), value: x.value };
    } catch (e) {
      throw badRequest((e as Error).message, 'ErrorInvalidProperty');
    }
  });
}

/**
 * Navigation properties present only because `$expand` asked for them: Graph returns them beside the `$select`ed
 * properties (`$select=id,subject&$expand=singleValueExtendedProperties(...)` gives all three).
 */
const EXPANDED = new Set(['singleValueExtendedProperties', 'multiValueExtendedProperties']);

/** `$select=a,b` applied to an entity (id, @odata.* and expanded navigation properties always kept). */
export function applySelect(entity: Record<string, unknown>, select: string[] | undefined): Record<string, unknown> {
  if (!select || select.length === 0) return entity;
  const wanted = selectedSet(select);
  const out: Record<string, unknown> = {};
  for (const k in entity) {
    if (k === 'id' || k.charCodeAt(0) === 64 /* @ */ || EXPANDED.has(k) || wanted.has(k)) out[k] = entity[k];
  }
  return out;
}

/** `$select` lists as sets, per list (`parseSelect` gives one list per distinct text). */
const selectedSets = new WeakMap<readonly string[], Set<string>>();
function selectedSet(select: readonly string[]): Set<string> {
  let set = selectedSets.get(select);
  if (!set) {
    set = new Set(select);
    selectedSets.set(select, set);
  }
  return set;
}

/** `$select=a,b` as a list: the same (frozen) list for the same text, parsed once. */
export function parseSelect(select: string | undefined): string[] | undefined {
  return select ? parsedSelect(select) : undefined;
}

const parsedSelect = memo(
  (select: string): string[] =>
    Object.freeze(
      select
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ) as string[],
);

export const etagOf = (changeKey: string) => `W/"${changeKey}"`;

/** If-Match: `*`, a W/"..." ETag or a bare ChangeKey. Returns the ChangeKey to check, or undefined. */
export function ifMatchChangeKey(headers: FastifyRequest['headers']): string | undefined {
  const v = headers['if-match'];
  if (typeof v !== 'string' || v.trim() === '*' || v.trim() === '') return undefined;
  return v.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
}
