import { RetryableError } from '@exsync/core';
import { parseXml as parseNodes, XmlRejected, type XNode } from '@exsync/xml';
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
const ALWAYS_ARRAY = new Set(['response', 'propstat', 'href', 'comp', 'privilege', 'report', 'supported-report']);
const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
  isArray: (name) => ALWAYS_ARRAY.has(name),
});

/** A body that is not the XML DAV promised (a proxy's error page, a cut-off response): worth another try. */
export class DavXmlError extends RetryableError {}

/**
 * A DAV body as fast-xml-parser shapes it with the options above (what every reader here expects). Most bodies are
 * read by the one-pass parser of `@exsync/xml` and shaped the same (`shaped`, checked against fast-xml-parser in
 * multistatus.test.ts): fast-xml-parser's generic passes were the largest part of a quiet sync's two PROPFINDs
 * (issue 14). Both read a literal CR LF as LF (`&#13;` stays a CR). A body the one-pass parser refuses (HTML
 * entities, a DTD, an undeclared prefix, a repeated attribute) goes to fast-xml-parser and is read, or refused, as
 * before. One difference is left: an attribute value's literal tab or line break is read as a space (XML 1.0
 * §3.3.3), where fast-xml-parser kept it; the one attribute read here is a component's name.
 */
export function parseXml(xml: string): Record<string, unknown> {
  try {
    const root = parseNodes(xml);
    return { [ownName(root.name)]: shaped(root) };
  } catch (error) {
    if (!(error instanceof XmlRejected || error instanceof NotShapedHere)) throw error;
  }
  return parseWithFastXmlParser(xml);
}

/** The general parser alone: what `parseXml` falls back to, and the reference its fast path is tested against. */
export function parseWithFastXmlParser(xml: string): Record<string, unknown> {
  try {
    return parser.parse(xml) as Record<string, unknown>;
  } catch (cause) {
    throw new DavXmlError('The server sent XML that cannot be read', { cause });
  }
}

/**
 * Element names fast-xml-parser refuses (`__proto__`, `constructor`, `prototype`) or renames (`toString` as
 * `__toString`, …) so that no object key shadows a built-in: left to it, to be refused or renamed as before.
 */
const NOT_OWN_NAMES = new Set([
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

class NotShapedHere extends Error {}

function ownName(name: string): string {
  if (NOT_OWN_NAMES.has(name)) throw new NotShapedHere(name);
  return name;
}

/**
 * An element as fast-xml-parser gives it: its text alone when it has neither children nor attributes; otherwise
 * an object of its children by local name (an array when repeated or always-array), `#text` when it holds any
 * text (white space between children included, as `trimValues: false` keeps it) and `@name` for its attributes.
 */
function shaped(node: XNode): unknown {
  const attributes = Object.keys(node.attrs);
  if (node.children.length === 0 && attributes.length === 0) return node.text;
  const out: Record<string, unknown> = {};
  for (const c of node.children) {
    ownName(c.name);
    const value = shaped(c);
    const seen = Object.hasOwn(out, c.name) ? out[c.name] : undefined;
    // `shaped` never returns an array itself: an array here is one this loop made.
    if (Array.isArray(seen)) seen.push(value);
    else if (ALWAYS_ARRAY.has(c.name)) out[c.name] = [value];
    else out[c.name] = seen === undefined ? value : [seen, value];
  }
  if (node.text !== '') out['#text'] = node.text;
  for (const a of attributes) out[`@${a}`] = node.attrs[a];
  return out;
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
