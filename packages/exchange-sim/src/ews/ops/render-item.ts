import type { EventInstance, Item } from '../../store/types';
import type { EwsContext } from '../context';
import { calendarItemXml } from '../items/calendar';
import { contactXml, distributionListXml } from '../items/contact';
import { taskXml } from '../items/task';
import type { Shape } from '../shape';

/** One item (or calendar instance) in the requested shape, as its types.xsd element. */
export function itemXml(ctx: EwsContext, item: Item | EventInstance, shape: Shape): string {
  const rc = { store: ctx.store, shape };
  if ('master' in item || item.kind === 'event') return cachedCalendarXml(ctx, item as EventInstance, shape);
  switch (item.kind) {
    case 'contact':
      return contactXml(rc, item);
    case 'distributionList':
      return distributionListXml(rc, item);
    case 'task':
      return taskXml(rc, item);
  }
}

/**
 * Rendered calendar items, per item (or instance) object and shape, checked against what the XML is made of: the
 * item's ChangeKey (every write changes it, occurrence edits included — they also give the series master a new
 * one), the instance's own, and its folder's (ParentFolderId). A listing renders the same instances window after
 * window, and a client reads the same items again; each version is rendered once per shape.
 */
const rendered = new WeakMap<object, Map<string, Rendered>>();

interface Rendered {
  readonly changeKey: string;
  readonly masterChangeKey: string;
  readonly folderChangeKey: string | undefined;
  readonly xml: string;
}

function cachedCalendarXml(
  ctx: EwsContext,
  target: EventInstance | Extract<Item, { kind: 'event' }>,
  shape: Shape,
): string {
  const master = 'master' in target ? target.master : target;
  const folder = ctx.store.folderByKey(master.folderKey);
  const sig = shapeSignature(shape);
  let byShape = rendered.get(target);
  const hit = byShape?.get(sig);
  if (
    hit &&
    hit.changeKey === target.changeKey &&
    hit.masterChangeKey === master.changeKey &&
    hit.folderChangeKey === folder?.changeKey
  )
    return hit.xml;
  const xml = flattened(calendarItemXml({ store: ctx.store, shape }, target));
  if (!byShape) {
    byShape = new Map();
    rendered.set(target, byShape);
  }
  byShape.set(sig, {
    changeKey: target.changeKey,
    masterChangeKey: master.changeKey,
    folderChangeKey: folder?.changeKey,
    xml,
  });
  return xml;
}

/**
 * The same text as one flat string. A rendered item is a rope of a few dozen pieces (each `+=` adds a node), and
 * V8 copies a rope's pieces anew every time it is joined into an answer without flattening it: a warm listing
 * spent a third of its CPU joining the same kept items again. Converting the text to a number makes V8 flatten
 * it in place (the result is discarded; NaN for any XML).
 */
function flattened(s: string): string {
  Number(s);
  return s;
}

const signatures = new WeakMap<Shape, string>();

/** Everything in a shape that decides what is rendered, as one string (worked out once per request's shape). */
function shapeSignature(shape: Shape): string {
  let sig = signatures.get(shape);
  if (sig === undefined) {
    sig = `${shape.base}|${shape.bodyType ?? ''}|${[...shape.fields].sort().join(',')}|${[...shape.extended].sort().join(',')}`;
    signatures.set(shape, sig);
  }
  return sig;
}

export const ELEMENT_OF_KIND: Record<Item['kind'], string> = {
  event: 't:CalendarItem',
  contact: 't:Contact',
  distributionList: 't:DistributionList',
  task: 't:Task',
};
