import type { ItemKind, PimItem } from '@exsync/core';
import { InvalidItemError } from '@exsync/core';
import { calendarContext } from './mapping/calendar-context';
import { readEvent } from './mapping/event';
import { readTask } from './mapping/task';
import { readContactOrGroup } from './mapping/vcard';
import { type PimDocument, parseDocument, READ_ONLY } from './text/document';

/** The kind a parsed object holds: VEVENT → event, VTODO → task, VCARD → contact or group. */
export function kindOf(doc: PimDocument): ItemKind {
  if (doc.root[0] === 'vcard') return readContactOrGroup(doc.root).kind;
  if (doc.root[2].some((c) => c[0] === 'vevent')) return 'event';
  if (doc.root[2].some((c) => c[0] === 'vtodo')) return 'task';
  throw new InvalidItemError('The calendar object holds neither a VEVENT nor a VTODO.');
}

/** What the caller knows about where the object came from. */
export interface ReadOptions {
  /** The DAV href of the resource: the stable identity a vCard without UID gets its UID from. */
  readonly href?: string;
}

export function modelOf(doc: PimDocument, kind?: ItemKind, options: ReadOptions = {}): PimItem {
  try {
    return mapDocument(doc, kind, options);
  } catch (error) {
    if (error instanceof InvalidItemError) throw error;
    // A shape no rule above anticipated is still bad input, not a reason to stop the sync: report it typed.
    const message = error instanceof Error ? error.message : String(error);
    throw new InvalidItemError(`The item could not be mapped: ${message}`, { cause: error });
  }
}

function mapDocument(doc: PimDocument, kind: ItemKind | undefined, options: ReadOptions): PimItem {
  const actual = kindOf(doc);
  if (kind && kind !== actual) throw new InvalidItemError(`Expected a ${kind} but the object holds a ${actual}.`);
  if (doc.root[0] === 'vcard') return readContactOrGroup(doc.root, options.href);
  const ctx = calendarContext(doc.root);
  return actual === 'event' ? readEvent(doc.root, ctx) : readTask(doc.root, ctx);
}

/** Maps one raw iCalendar/vCard object to the model. Throws InvalidItemError for anything unreadable. */
export function toModel(raw: string | Uint8Array, kind?: ItemKind, options?: ReadOptions): PimItem {
  return modelOf(parseDocument(raw, undefined, READ_ONLY), kind, options);
}
