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
import { applySelect } from './wire';

interface Rendered {
  readonly masterChangeKey: string;
  readonly changeKey: string;
  readonly json: string;
}

/** Per master object: instance and shape → rendered text. Dropped with the master (deleted, or the simulator). */
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
  const key = `${inst ? `${inst.type}:${inst.id}` : ''}|${shapeKey(o, select, prefix)}`;
  const changeKey = inst ? inst.changeKey : master.changeKey;
  let byShape = rendered.get(master);
  const hit = byShape?.get(key);
  if (hit && hit.masterChangeKey === master.changeKey && hit.changeKey === changeKey) return hit.json;
  const entity = applySelect(eventJson(master, inst, o), select as string[] | undefined);
  const text = JSON.stringify(entity);
  const json = prefix === undefined ? text : text === '{}' ? `{${prefix}}` : `{${prefix},${text.slice(1)}`;
  if (!byShape) {
    byShape = new Map();
    rendered.set(master, byShape);
  } else if (!hit && byShape.size >= MAX_SHAPES_PER_EVENT) byShape.clear();
  byShape.set(key, { masterChangeKey: master.changeKey, changeKey, json });
  return json;
}

/** Everything in the options that decides what is rendered, as one string. */
function shapeKey(o: RenderOptions, select: readonly string[] | undefined, prefix: string | undefined): string {
  return [
    o.zone ? `${o.zone.name}\u0002${o.zone.iana}` : '',
    o.immutable ? 'i' : '',
    o.bodyType ?? '',
    o.extendedPropertyIds ? o.extendedPropertyIds.join('\u0002') : '\u0003',
    select ? select.join(',') : '\u0003',
    prefix ?? '',
  ].join('\u0001');
}
