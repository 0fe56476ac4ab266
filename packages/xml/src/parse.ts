/**
 * The SOAP parser of both EWS sides (the simulator's requests, the EWS store's answers): well-formed XML 1.0 with
 * namespaces (Namespaces in XML 1.0) straight into namespace-resolved nodes, in one pass over the string. SOAP
 * messages are documents of elements, attributes, text, CDATA, comments and processing instructions; a
 * general-purpose parser followed by a second pass resolving prefixes cost more CPU than the simulator's operation
 * (issue 15) and than exsync's mapping of the items it read (issue 14). What it refuses, it refuses as malformed.
 */

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

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** Prefix bindings in force, innermost first (a chain: declaring one copies nothing). */
interface Scope {
  readonly prefix: string;
  readonly uri: string;
  readonly parent: Scope | undefined;
}

interface Open {
  readonly qname: string;
  readonly node: { ns: string; name: string; attrs: Record<string, string>; children: XNode[]; text: string };
  readonly scope: Scope | undefined;
}

const ROOT_SCOPE: Scope = { prefix: 'xml', uri: XML_NS, parent: undefined };
/** An XML Name (the ASCII productions exactly; every character past U+00B7 is let through as a name character). */
const NAME = /[A-Za-z_:\u00C0-\uFFFF][A-Za-z0-9_:.\-\u00B7-\uFFFF]*/y;
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function reject(message: string): never {
  throw new XmlRejected(`malformed XML: ${message}`);
}

function lookup(scope: Scope | undefined, prefix: string): string | undefined {
  for (let s = scope; s; s = s.parent) if (s.prefix === prefix) return s.uri;
  return undefined;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Character and predefined entity references; anything else after `&` is not well-formed (no DTD declares it). */
function decode(t: string): string {
  let amp = t.indexOf('&');
  if (amp < 0) return t;
  let out = '';
  let from = 0;
  while (amp >= 0) {
    const semi = t.indexOf(';', amp + 1);
    if (semi < 0) reject('an entity reference has no ";"');
    const ref = t.slice(amp + 1, semi);
    let value: string | undefined;
    if (ref.charCodeAt(0) === 0x23 /* # */) {
      const cp = /^x[0-9a-fA-F]+$/.test(ref.slice(1))
        ? Number.parseInt(ref.slice(2), 16)
        : /^[0-9]+$/.test(ref.slice(1))
          ? Number(ref.slice(1))
          : Number.NaN;
      if (!(cp >= 1 && cp <= 0x10ffff) || (cp >= 0xd800 && cp <= 0xdfff)) reject(`bad character reference &${ref};`);
      value = String.fromCodePoint(cp);
    } else value = PREDEFINED[ref];
    if (value === undefined) reject(`undeclared entity &${ref};`);
    out += t.slice(from, amp) + value;
    from = semi + 1;
    amp = t.indexOf('&', from);
  }
  return out + t.slice(from);
}

/** End-of-line handling (XML 1.0 §2.11): a literal CR LF or lone CR is read as LF; `&#13;` stays a CR. */
function lineEnds(raw: string): string {
  return raw.indexOf('\r') < 0 ? raw : raw.replace(/\r\n?/g, '\n');
}

/**
 * Attribute-value normalisation (XML 1.0 §3.3.3, CDATA attributes): each literal white-space character becomes a
 * space; a character reference (`&#10;`) keeps its character.
 */
function attributeValue(raw: string): string {
  if (raw.indexOf('<') >= 0) reject('"<" in an attribute value');
  const literal = lineEnds(raw);
  return decode(/[\t\n]/.test(literal) ? literal.replace(/[\t\n]/g, ' ') : literal);
}

/**
 * Parses a SOAP message into namespace-resolved nodes. A DOCTYPE is refused outright: EWS messages never carry
 * one, and refusing it is the simplest way to be immune to external entities and entity expansion.
 */
export function parseXml(source: string): XNode {
  const s = source;
  const n = s.length;
  let i = s.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: Open[] = [];
  let root: XNode | undefined;
  let seenContent = false;
  while (i < n) {
    const lt = s.indexOf('<', i);
    const end = lt < 0 ? n : lt;
    if (end > i) {
      const top = stack[stack.length - 1];
      const text = s.slice(i, end);
      if (top) top.node.text += decode(lineEnds(text));
      else if (!/^[ \t\r\n]*$/.test(text)) reject('text outside the root element');
    }
    if (lt < 0) break;
    const c = s.charCodeAt(lt + 1);
    if (c === 0x2f /* / */) {
      const gt = s.indexOf('>', lt + 2);
      if (gt < 0) reject('an end tag is not closed');
      const qname = s.slice(lt + 2, gt).trimEnd();
      const open = stack.pop();
      if (!open || open.qname !== qname) reject(`end tag </${qname}> does not match`);
      finish(open.node);
      i = gt + 1;
    } else if (c === 0x21 /* ! */) {
      if (s.startsWith('<!--', lt)) {
        const e = s.indexOf('-->', lt + 4);
        if (e < 0) reject('a comment is not closed');
        i = e + 3;
      } else if (s.startsWith('<![CDATA[', lt)) {
        const e = s.indexOf(']]>', lt + 9);
        const top = stack[stack.length - 1];
        if (e < 0 || !top) reject('a CDATA section is not closed or outside the root element');
        top.node.text += lineEnds(s.slice(lt + 9, e));
        i = e + 3;
      } else throw new XmlRejected('DTDs and entity declarations are not allowed');
    } else if (c === 0x3f /* ? */) {
      const e = s.indexOf('?>', lt + 2);
      if (e < 0) reject('a processing instruction is not closed');
      // The XML declaration only before any other markup; other processing instructions are skipped.
      if (seenContent && /^<\?xml[\s?]/i.test(s.slice(lt, lt + 6))) reject('an XML declaration after other markup');
      i = e + 2;
    } else {
      i = openTag(lt + 1);
    }
    seenContent = true;
  }
  if (stack.length > 0) reject(`<${stack[stack.length - 1]!.qname}> is not closed`);
  if (!root) throw new XmlRejected('expected exactly one root element');
  return root;

  function finish(node: XNode): void {
    const parent = stack[stack.length - 1];
    if (parent) parent.node.children.push(node);
    else if (root) throw new XmlRejected('expected exactly one root element');
    else root = node;
  }

  /** Reads a start tag from `j` (just after `<`); returns the position after its `>`. */
  function openTag(start: number): number {
    NAME.lastIndex = start;
    const m = NAME.exec(s);
    if (!m) reject('a "<" that starts no tag');
    const qname = m[0];
    let j = start + qname.length;
    let scope = stack.length ? stack[stack.length - 1]!.scope : ROOT_SCOPE;
    const raw: [string, string][] = [];
    let selfClosing = false;
    for (;;) {
      const before = j;
      while (j < n && isSpace(s.charCodeAt(j))) j++;
      const ch = s.charCodeAt(j);
      if (ch === 0x3e /* > */) {
        j++;
        break;
      }
      if (ch === 0x2f /* / */ && s.charCodeAt(j + 1) === 0x3e) {
        selfClosing = true;
        j += 2;
        break;
      }
      if (j === before || j >= n) reject(`the tag <${qname}> is malformed`);
      NAME.lastIndex = j;
      const a = NAME.exec(s);
      if (!a) reject(`an attribute of <${qname}> is malformed`);
      j += a[0].length;
      while (j < n && isSpace(s.charCodeAt(j))) j++;
      if (s.charCodeAt(j) !== 0x3d /* = */) reject(`the attribute ${a[0]} has no value`);
      j++;
      while (j < n && isSpace(s.charCodeAt(j))) j++;
      const quote = s[j];
      if (quote !== '"' && quote !== "'") reject(`the value of ${a[0]} is not quoted`);
      const close = s.indexOf(quote, j + 1);
      if (close < 0) reject(`the value of ${a[0]} is not closed`);
      const value = attributeValue(s.slice(j + 1, close));
      j = close + 1;
      const name = a[0];
      if (name === 'xmlns') scope = { prefix: '', uri: value, parent: scope };
      else if (name.startsWith('xmlns:')) scope = { prefix: name.slice(6), uri: value, parent: scope };
      else raw.push([name, value]);
    }
    const attrs: Record<string, string> = {};
    if (raw.length > 0) {
      const seen = new Set<string>();
      for (const [k, v] of raw) {
        if (seen.has(k)) reject(`the attribute ${k} repeats`);
        seen.add(k);
        // Unprefixed attributes have no namespace; prefixed ones (xsi:type, xml:lang) are kept by local name.
        const colon = k.indexOf(':');
        attrs[colon < 0 ? k : k.slice(colon + 1)] = v;
      }
    }
    const colon = qname.indexOf(':');
    const prefix = colon < 0 ? '' : qname.slice(0, colon);
    const ns = lookup(scope, prefix);
    if (ns === undefined && prefix !== '') throw new XmlRejected(`undeclared namespace prefix "${prefix}"`);
    const node = { ns: ns ?? '', name: colon < 0 ? qname : qname.slice(colon + 1), attrs, children: [], text: '' };
    if (selfClosing) finish(node);
    else stack.push({ qname, node, scope });
    return j;
  }
}

export function child(n: XNode | undefined, ns: string, name: string): XNode | undefined {
  if (!n) return undefined;
  for (const c of n.children) if (c.name === name && c.ns === ns) return c;
  return undefined;
}

export function childrenOf(n: XNode | undefined, ns: string, name: string): XNode[] {
  return n ? n.children.filter((c) => c.ns === ns && c.name === name) : [];
}

export function childText(n: XNode | undefined, ns: string, name: string): string | undefined {
  return child(n, ns, name)?.text;
}
