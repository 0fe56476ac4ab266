import type { PimItem } from '@exsync/core';
import { calendarContext } from './mapping/calendar-context';
import { writeEvent } from './mapping/event';
import { writeTask } from './mapping/task';
import { defaultType, writeContact, writeGroup } from './mapping/vcard';
import { setMarker } from './marker';
import type { JComp } from './text/jcal';
import { serializeFresh } from './text/serialize';

export interface FromModelOptions {
  /** Our marker (status row ident), written as X-EXSYNC-ID. */
  readonly marker?: string;
  /** DTSTAMP / REV instant, ISO 8601 UTC; defaults to now. */
  readonly now?: string;
  /** vCard version for contacts and groups; Nextcloud stores both, 3.0 is what most clients read best. */
  readonly vcardVersion?: '3.0' | '4.0';
}

export const PRODID = '-//exsync//exsync pim//EN';

/** Builds a new raw object for an item that does not exist on this side yet. */
export function fromModel(item: PimItem, options: FromModelOptions = {}): string {
  const now = (options.now ?? new Date().toISOString()).replace(/\.\d+Z$/, 'Z');
  let root: JComp;
  if (item.kind === 'contact' || item.kind === 'group') {
    const version = options.vcardVersion ?? '3.0';
    root = [
      'vcard',
      [
        ['version', {}, 'text', version],
        ['prodid', {}, defaultType('prodid', version), PRODID],
      ],
      [],
    ];
    if (item.kind === 'contact') writeContact(root, undefined, item);
    else writeGroup(root, undefined, item);
    root[1].push(['rev', {}, defaultType('rev', version), now]);
  } else {
    root = [
      'vcalendar',
      [
        ['version', {}, 'text', '2.0'],
        ['prodid', {}, 'text', PRODID],
      ],
      [],
    ];
    const ctx = calendarContext(root);
    if (item.kind === 'event') writeEvent(root, undefined, item, ctx);
    else writeTask(root, undefined, item, ctx);
    for (const c of root[2]) if (c[0] !== 'vtimezone') c[1].splice(1, 0, ['dtstamp', {}, 'date-time', now]);
  }
  if (options.marker) setMarker(root, options.marker);
  return serializeFresh(root);
}
