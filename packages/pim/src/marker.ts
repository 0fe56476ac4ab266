import { parseDocument, READ_ONLY } from './text/document';
import type { JComp } from './text/jcal';
import { prop, setProp } from './text/jcal';

/**
 * Our marker: the status-row ident of an item exsync created, stored on the VEVENT/VTODO/VCARD so that a create
 * whose status row was lost is re-linked rather than duplicated. An X- property survives every CalDAV/CardDAV
 * server and client we know of; the content hash ignores it.
 */
export const MARKER_PROPERTY = 'X-EXSYNC-ID';
const NAME = MARKER_PROPERTY.toLowerCase();

/** The component that carries the marker: the VCARD itself, or the calendar's first VEVENT/VTODO master. */
export function markerHolder(root: JComp): JComp | undefined {
  if (root[0] === 'vcard') return root;
  const items = root[2].filter((c) => c[0] === 'vevent' || c[0] === 'vtodo');
  return items.find((c) => !prop(c, 'recurrence-id')) ?? items[0];
}

export function markerOf(root: JComp): string | undefined {
  const holder = markerHolder(root);
  const v = holder ? prop(holder, NAME)?.[3] : undefined;
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

export function setMarker(root: JComp, marker: string): void {
  const holder = markerHolder(root);
  if (holder) setProp(holder, NAME, 'unknown', marker);
}

/** Reads the marker from raw text; undefined when absent. Throws InvalidItemError for unreadable input. */
export function readMarker(raw: string | Uint8Array): string | undefined {
  return markerOf(parseDocument(raw, undefined, READ_ONLY).root);
}
