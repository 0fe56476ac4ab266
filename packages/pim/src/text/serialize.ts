import ICAL from 'ical.js';
import { foldLine } from './content-lines';
import type { PimDocument } from './document';
import type { JComp, JProp } from './jcal';

type DesignSet = Parameters<typeof ICAL.stringify.property>[1];

/**
 * Writes a document back. Properties and components that still hold the values they were parsed with are
 * emitted from their original bytes (folding, parameter case and order, line endings untouched); only changed
 * or new ones go through ical.js's stringifier. New properties go after the last one of the same name.
 */
export function serializeDocument(doc: PimDocument): string {
  return doc.origin.lead + writeComponent(doc, doc.root, designFor(doc.root));
}

/** Serializes a component without any memory of original bytes (new items). */
export function serializeFresh(root: JComp): string {
  const origin = { lead: '', props: new WeakMap(), comps: new WeakMap() };
  return serializeDocument({ root, text: '', repairs: [], newline: '\r\n', origin });
}

function designFor(root: JComp): DesignSet {
  if (root[0] !== 'vcard') return ICAL.design.getDesignSet(root[0]);
  const first = root[1][0];
  const v4 = first !== undefined && first[0] === 'version' && first[3] === '4.0';
  return ICAL.design.getDesignSet(v4 ? 'vcard' : 'vcard3');
}

function writeComponent(doc: PimDocument, comp: JComp, design: DesignSet): string {
  const nl = doc.newline;
  const layout = doc.origin.comps.get(comp);
  const name = comp[0].toUpperCase();
  const ordered: (JProp | JComp)[] = layout
    ? layout.slots.filter((s) => (isComp(s) ? comp[2].includes(s) : comp[1].includes(s)))
    : [];
  const known = new Set<JProp | JComp>(ordered);
  for (const p of comp[1]) {
    if (known.has(p)) continue;
    let at = lastIndex(ordered, (s) => !isComp(s) && s[0] === p[0]);
    if (at === -1) at = lastIndex(ordered, (s) => !isComp(s));
    ordered.splice(at + 1, 0, p);
    known.add(p);
  }
  for (const c of comp[2]) {
    if (known.has(c)) continue;
    let at = lastIndex(ordered, (s) => isComp(s) && s[0] === c[0]);
    if (at === -1) at = ordered.length - 1;
    ordered.splice(at + 1, 0, c);
  }
  let out = layout?.begin ?? `BEGIN:${name}${nl}`;
  for (const slot of ordered) {
    if (isComp(slot)) out += writeComponent(doc, slot, design);
    else out += writeProperty(doc, slot, design);
  }
  const end = layout?.end ?? `END:${name}${nl}`;
  // The original END may have been the file's last line without a newline; keep it so when it stays last.
  return out + end;
}

function writeProperty(doc: PimDocument, p: JProp, design: DesignSet): string {
  const origin = doc.origin.props.get(p);
  if (origin && origin.snapshot === JSON.stringify(p)) return ensureNewline(origin.raw, doc.newline);
  const line = stringifyProperty(p, design);
  return (doc.newline === '\r\n' ? line : line.replace(/\r\n/g, doc.newline)) + doc.newline;
}

/**
 * ical.js escapes commas in vCard 4 URI values (turning `data:image/png;base64,…` into an invalid URI); URIs
 * are never escaped, so a single URI value is written as is.
 */
function stringifyProperty(p: JProp, design: DesignSet): string {
  if (p[2] !== 'uri' || p.length !== 4 || typeof p[3] !== 'string') {
    // ical.js leaves a property without value unfolded, and folds every other line.
    const line = ICAL.stringify.property(p, design, true);
    return p.length === 3 ? line : foldLikeIcal(line);
  }
  const head = ICAL.stringify.property([p[0], p[1], p[2], ''], design, true);
  return foldLine(head + p[3], '\r\n').replace(/\r\n$/, '');
}

/**
 * ical.js's folding (`ICAL.helpers.foldline`), which walks every character of every line: a line that cannot
 * reach the fold length in UTF-8 octets (all ASCII, or too short for its characters to) is returned as it is,
 * exactly what foldline returns for it; any other goes to foldline itself.
 */
export function foldLikeIcal(line: string): string {
  const limit = ICAL.foldLength;
  if (line.length * 3 <= limit || (line.length <= limit && ASCII.test(line))) return line;
  return ICAL.helpers.foldline(line);
}

/** No code unit above 0x7f (written without control-character ranges, which the linter refuses). */
const ASCII = /^[^\u0080-\uffff]*$/;

function ensureNewline(raw: string, nl: string): string {
  return /\n$/.test(raw) ? raw : raw + nl;
}

function isComp(s: JProp | JComp): s is JComp {
  return Array.isArray(s[1]);
}

function lastIndex<T>(list: readonly T[], test: (t: T) => boolean): number {
  for (let i = list.length - 1; i >= 0; i--) if (test(list[i]!)) return i;
  return -1;
}
