import type { PimItem } from '@exsync/core';
import { InvalidItemError } from '@exsync/core';
import { calendarContext } from './mapping/calendar-context';
import { writeEvent } from './mapping/event';
import { deepEqual } from './mapping/fields';
import { markClientScheduled } from './mapping/people';
import { writeTask } from './mapping/task';
import { writeContact, writeGroup } from './mapping/vcard';
import { parseDocument } from './text/document';
import type { JComp } from './text/jcal';
import { serializeDocument } from './text/serialize';
import { modelOf } from './to-model';

/**
 * Applies `item` onto the last-seen raw object: only the model fields that differ from what `base` maps to are
 * written, every other line keeps its bytes, and what the model does not hold (a second VALARM, X- properties,
 * more e-mails than the other side has slots for, VTIMEZONEs) survives. Returns `base` itself when nothing
 * differs, so an untouched item is never rewritten.
 */
export function patch(base: string, item: PimItem): string {
  const doc = parseDocument(base);
  const before = modelOf(doc);
  if (before.kind !== item.kind) {
    throw new InvalidItemError(`Cannot patch a ${before.kind} with a ${item.kind}.`);
  }
  if (deepEqual(before, item)) return base;
  const root = doc.root;
  if (before.kind === 'contact' && item.kind === 'contact') writeContact(root, before, item);
  else if (before.kind === 'group' && item.kind === 'group') writeGroup(root, before, item);
  else {
    const ctx = calendarContext(root);
    if (before.kind === 'event' && item.kind === 'event') writeEvent(root, before, item, ctx);
    if (before.kind === 'task' && item.kind === 'task') writeTask(root, before, item, ctx);
    // Any write of an object with attendees may make the server send iTIP mail; Exchange owns scheduling.
    for (const c of root[2]) markScheduling(c);
  }
  return serializeDocument(doc);
}

function markScheduling(c: JComp): void {
  for (const p of c[1]) if (p[0] === 'organizer' || p[0] === 'attendee') markClientScheduled(p);
}
