import { XMLParser } from 'fast-xml-parser';

/** A namespace-resolved XML element: prefixes are gone, only namespace URIs and local names remain. */
export interface XNode {
  readonly ns: string;
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XNode[];
  /** Concatenated text content directly inside this element. */
  readonly text: string;
}

export class XmlRejected extends Error {
  override readonly name = 'XmlRejected';
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  allowBooleanAttributes: false,
});

type Raw = Record<string, unknown>;

/**
 * Parses a request body into namespace-resolved nodes. A DOCTYPE is refused outright: EWS requests never carry
 * one, and refusing it is the simplest way to be immune to external entities and entity expansion.
 */
export function parseXml(source: string): XNode {
  if (/<!DOCTYPE|<!ENTITY/i.test(source)) throw new XmlRejected('DTDs and entity declarations are not allowed');
  let raw: unknown;
  try {
    raw = parser.parse(source, true);
  } catch (e) {
    throw new XmlRejected(`malformed XML: ${(e as Error).message}`);
  }
  if (!Array.isArray(raw)) throw new XmlRejected('malformed XML');
  const roots = (raw as Raw[]).filter((r) => elementName(r) !== undefined && !elementName(r)?.startsWith('?'));
  const root = roots[0];
  if (!root || roots.length !== 1) throw new XmlRejected('expected exactly one root element');
  return build(root, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]));
}

function elementName(r: Raw): string | undefined {
  return Object.keys(r).find((k) => k !== ':@' && k !== '#text');
}

function build(r: Raw, scope: ReadonlyMap<string, string>): XNode {
  const qname = elementName(r) as string;
  const rawAttrs = (r[':@'] ?? {}) as Record<string, string>;
  let local = scope;
  for (const [k, v] of Object.entries(rawAttrs)) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) {
      if (local === scope) local = new Map(scope);
      (local as Map<string, string>).set(k === 'xmlns' ? '' : k.slice(6), v);
    }
  }
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawAttrs)) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
    // Unprefixed attributes have no namespace; prefixed ones (xsi:type, xml:lang) are kept by local name.
    const i = k.indexOf(':');
    attrs[i < 0 ? k : k.slice(i + 1)] = v;
  }
  const [prefix, name] = splitQName(qname);
  const ns = local.get(prefix);
  if (ns === undefined && prefix !== '') throw new XmlRejected(`undeclared namespace prefix "${prefix}"`);
  const children: XNode[] = [];
  let text = '';
  for (const c of (r[qname] ?? []) as Raw[]) {
    if ('#text' in c) text += String(c['#text']);
    else if (elementName(c) !== undefined) children.push(build(c, local));
  }
  return { ns: ns ?? '', name, attrs, children, text };
}

function splitQName(q: string): [string, string] {
  const i = q.indexOf(':');
  return i < 0 ? ['', q] : [q.slice(0, i), q.slice(i + 1)];
}

export function child(n: XNode | undefined, ns: string, name: string): XNode | undefined {
  return n?.children.find((c) => c.ns === ns && c.name === name);
}

export function childrenOf(n: XNode | undefined, ns: string, name: string): XNode[] {
  return n ? n.children.filter((c) => c.ns === ns && c.name === name) : [];
}

export function childText(n: XNode | undefined, ns: string, name: string): string | undefined {
  return child(n, ns, name)?.text;
}
