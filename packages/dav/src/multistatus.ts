import { RetryableError } from '@exsync/core';
import { XMLParser } from 'fast-xml-parser';

/** One `<response>` of a 207 Multi-Status, flattened: props of its 200 propstat, status of the rest. */
export interface DavResponse {
  readonly href: string;
  /** The response's own `<status>` (sync-collection tombstones, missing multiget hrefs) or the 200 propstat's. */
  readonly status: number;
  /** Properties reported with 200, by local name (namespaces dropped: DAV property names do not collide here). */
  readonly props: Readonly<Record<string, unknown>>;
}

export interface Multistatus {
  readonly responses: readonly DavResponse[];
  readonly syncToken?: string;
}

// Namespace prefixes are dropped; the names used here (getetag, calendar-data, address-data, sync-token, …) are
// unique across DAV:, CalDAV and CardDAV. External entities are refused by the parser.
const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
  isArray: (name) => ['response', 'propstat', 'href', 'comp', 'privilege', 'report', 'supported-report'].includes(name),
});

/** A body that is not the XML DAV promised (a proxy's error page, a cut-off response): worth another try. */
export class DavXmlError extends RetryableError {}

export function parseXml(xml: string): Record<string, unknown> {
  try {
    return parser.parse(xml) as Record<string, unknown>;
  } catch (cause) {
    throw new DavXmlError('The server sent XML that cannot be read', { cause });
  }
}

export function parseMultistatus(xml: string): Multistatus {
  const parsed = parseXml(xml);
  // An empty `<multistatus/>` parses as an empty string.
  const root = parsed.multistatus === '' ? {} : parsed.multistatus;
  if (!isRecord(root)) throw new DavXmlError('Expected a DAV:multistatus body');
  const responses = asArray(root.response).flatMap((r): DavResponse[] => {
    if (!isRecord(r)) return [];
    const href = firstText(r.href);
    if (href === undefined) return [];
    const own = statusOf(r.status);
    let props: Record<string, unknown> = {};
    let propStatus: number | undefined;
    for (const ps of asArray(r.propstat)) {
      if (!isRecord(ps)) continue;
      const status = statusOf(ps.status) ?? 200;
      if (status >= 200 && status < 300 && isRecord(ps.prop)) {
        props = { ...props, ...ps.prop };
        propStatus = status;
      } else {
        propStatus ??= status;
      }
    }
    return [{ href: href.trim(), status: own ?? propStatus ?? 200, props }];
  });
  const syncToken = textOf(root['sync-token'])?.trim();
  return syncToken ? { responses, syncToken } : { responses };
}

/** Whether an error body (`<d:error>`) names the given precondition element. */
export function errorNames(xml: string, element: string): boolean {
  if (!xml.includes(element)) return false;
  try {
    const error = parseXml(xml).error;
    return isRecord(error) && element in error;
  } catch {
    return false;
  }
}

/** Text of an element that may hold text directly or in `#text` (when attributes are present). */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (isRecord(value) && typeof value['#text'] === 'string') return value['#text'];
  return undefined;
}

export function firstText(value: unknown): string | undefined {
  return textOf(asArray(value)[0]);
}

export function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function statusOf(value: unknown): number | undefined {
  const text = textOf(value);
  const match = text ? /HTTP\/[\d.]+\s+(\d{3})/.exec(text) : null;
  return match ? Number(match[1]) : undefined;
}

/** Escapes text for an XML body. */
export function xmlEscape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[c]};`);
}
