export { canonicalComponent, contentHash } from './content-hash';
export { fetchedItemFrom, writtenItemFrom } from './fetched-item';
export { type FromModelOptions, fromModel, PRODID } from './from-model';
export { MARKER_PROPERTY, readMarker } from './marker';
export { patch } from './patch';
export { decodeText } from './text/decode';
export { type PimDocument, parseDocument } from './text/document';
export { serializeDocument } from './text/serialize';
export { splitObjects } from './text/split';
export { isIanaZone, utcToWallClock, wallClockToUtc } from './timezone/offsets';
export { resolveTzid } from './timezone/resolve';
export { buildVtimezone } from './timezone/vtimezone';
export { ianaToWindows, windowsToIana } from './timezone/windows';
export { kindOf, type ReadOptions, toModel } from './to-model';

import { parseDocument as parse } from './text/document';

/** Parses one VCALENDAR object (tolerantly; see repairText). Throws InvalidItemError for unreadable input. */
export const parseCalendar = (raw: string | Uint8Array) => parse(raw, 'vcalendar');
/** Parses one VCARD (3.0, 4.0, or 2.1 upgraded to 3.0). Throws InvalidItemError for unreadable input. */
export const parseVCard = (raw: string | Uint8Array) => parse(raw, 'vcard');
