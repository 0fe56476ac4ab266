/** Minimal XML writer: responses are built as strings with the fixed m:/t: prefixes Exchange uses. */

const SPECIAL = /[&<>"]/;

export function esc(s: string): string {
  // Most values (ids, times, numbers, names) need no escaping: skip the replace and its allocation then.
  if (!SPECIAL.test(s)) return s;
  return s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

export type Attrs = Record<string, string | number | boolean | undefined>;

function attrs(a: Attrs | undefined): string {
  if (!a) return '';
  let s = '';
  for (const [k, v] of Object.entries(a)) if (v !== undefined) s += ` ${k}="${esc(String(v))}"`;
  return s;
}

/** An element; `content` is already-serialized XML (use `text()` to escape character data). */
export function el(name: string, a?: Attrs, ...content: (string | undefined | false)[]): string {
  let body = '';
  for (const c of content) if (typeof c === 'string') body += c;
  return body === '' ? `<${name}${attrs(a)}/>` : `<${name}${attrs(a)}>${body}</${name}>`;
}

/** An element holding escaped text, omitted when the value is undefined. */
export function tx(name: string, value: string | number | boolean | undefined | null, a?: Attrs): string {
  if (value === undefined || value === null) return '';
  return `<${name}${attrs(a)}>${esc(String(value))}</${name}>`;
}
