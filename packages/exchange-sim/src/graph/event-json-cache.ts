/**
 * Rendered Graph events as JSON text, kept per event version and shape, so that a listing, a delta page or a
 * `$batch` answer is assembled from strings instead of building and serializing every event again (a first sync
 * reads each event two or three times: calendarView, delta, `$batch`; ~8 KB of JSON each). The EWS face does the
 * same for its XML (`ews/ops/render-item.ts`).
 *
 * An entry is checked against what the JSON is made of: the series' (or single's) ChangeKey — every write changes
 * it, occurrence edits and cancellations included, and moves (which give a new id) too — and the instance's own.
 * Nothing else in a Graph event comes from outside the master (no folder id, unlike EWS's ParentFolderId).
 */
import type { CalendarEvent, EventInstance } from '../store/types';
import { eventJson, type RenderOptions } from './event-json';
import { applySelect, renderExtendedProperties } from './wire';

/**
 * One instance rendered for one base shape (zone, id spelling, body type): the entity and its text, and the
 * variants asked of it so far ($expand of extended properties, $select, a leading `@odata.type`), each derived
 * from the entity instead of rendering the event again — a first sync asks for three of them. Kept are the
 * `$select`ed texts (short) and the expanded-properties member; the leading `@odata.type` is put on when asked.
 */
interface Rendered {
  readonly masterChangeKey: string;
  readonly changeKey: string;
  readonly entity: Record<string, unknown>;
  readonly json: string;
  readonly variants: Map<string, string>;
}

/** Per master object: instance and base shape → rendered. Dropped with the master (deleted, or the simulator). */
const rendered = new WeakMap<CalendarEvent, Map<string, Rendered>>();

/** A client asks in a handful of shapes; more than this per event are not kept (a bound, not an expected size). */
const MAX_SHAPES_PER_EVENT = 32;

/**
 * `eventJson(master, inst, o)` with `$select` applied, as JSON text (what JSON.stringify of that object gives).
 * `prefix` (e.g. `"@odata.type":"#microsoft.graph.event"`) goes first in the object, as delta entries carry it.
 */
export function eventJsonText(
  master: CalendarEvent,
  inst: EventInstance | undefined,
  o: RenderOptions,
  select?: readonly string[] | undefined,
  prefix?: string,
): string {
  const base = renderedBase(master, inst, o);
  const ext = o.extendedPropertyIds;
  let json: string;
  if (select) {
    // A `$select`ed text is short and is kept whole.
    const key = `${ext ? ext.join('\u0002') : '\u0003'}\u0001${select.join(',')}`;
    const kept = base.variants.get(key);
    if (kept !== undefined) json = kept;
    else {
      const props = ext ? renderExtendedProperties(master.extendedProperties, ext) : undefined;
      const entity = props ? { ...base.entity, singleValueExtendedProperties: props } : base.entity;
      json = JSON.stringify(applySelect(entity, select as string[]));
      keep(base, key, json);
    }
  } else if (ext) {
    // eventJson adds the expanded properties last, after everything else: the same text is the base's plus that.
    // Only that member is kept: the whole text is put together when asked (a concatenation, not a copy), so a
    // read with `$expand` does not keep a second copy of every event.
    const key = ext.join('\u0002');
    let member = base.variants.get(key);
    if (member === undefined) {
      member = `,"singleValueExtendedProperties":${JSON.stringify(renderExtendedProperties(master.extendedProperties, ext))}}`;
      keep(base, key, member);
    }
    json = base.json.slice(0, -1) + member;
  } else json = base.json;
  if (prefix === undefined) return json;
  return json === '{}' ? `{${prefix}}` : `{${prefix},${json.slice(1)}`;
}

function keep(base: Rendered, key: string, text: string): void {
  if (base.variants.size >= MAX_SHAPES_PER_EVENT) base.variants.clear();
  base.variants.set(key, text);
}

/** The instance rendered in the request's base shape: kept while master and instance keep their ChangeKeys. */
function renderedBase(master: CalendarEvent, inst: EventInstance | undefined, o: RenderOptions): Rendered {
  const zone = o.zone ? `${o.zone.name}\u0002${o.zone.iana}` : '';
  const key = `${inst ? `${inst.type}:${inst.id}` : ''}\u0001${zone}\u0001${o.immutable ? 'i' : ''}\u0001${o.bodyType ?? ''}`;
  const changeKey = inst ? inst.changeKey : master.changeKey;
  let byShape = rendered.get(master);
  const hit = byShape?.get(key);
  if (hit && hit.masterChangeKey === master.changeKey && hit.changeKey === changeKey) return hit;
  const { extendedPropertyIds: _ext, ...baseOptions } = o;
  const entity = eventJson(master, inst, baseOptions);
  const entry: Rendered = {
    masterChangeKey: master.changeKey,
    changeKey,
    entity,
    json: JSON.stringify(entity),
    variants: new Map(),
  };
  if (!byShape) {
    byShape = new Map();
    rendered.set(master, byShape);
  } else if (!hit && byShape.size >= MAX_SHAPES_PER_EVENT) byShape.clear();
  byShape.set(key, entry);
  return entry;
}
