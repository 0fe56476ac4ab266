/**
 * Thin, typed access to ical.js's jCal/jCard arrays. The mappers read and write these arrays directly (rather
 * than through ICAL.Component wrappers) so that an untouched property keeps its array identity, which is how the
 * serializer recognises it and re-emits its original bytes.
 */
export type JParams = Record<string, string | string[]>;
// biome-ignore lint/suspicious/noExplicitAny: jCal values are strings, numbers, objects or nested arrays
export type JValue = any;
/** `[name, params, type, ...values]` */
export type JProp = [string, JParams, string, ...JValue[]];
/** `[name, properties, subcomponents]` */
export type JComp = [string, JProp[], JComp[]];

export const props = (c: JComp, name?: string): JProp[] => (name ? c[1].filter((p) => p[0] === name) : c[1]);
export const prop = (c: JComp, name: string): JProp | undefined => c[1].find((p) => p[0] === name);
export const comps = (c: JComp, name?: string): JComp[] => (name ? c[2].filter((s) => s[0] === name) : c[2]);

/** First value of a property, as ical.js parsed it. */
export function value(p: JProp | undefined): JValue {
  return p === undefined ? undefined : p[3];
}

/** First value of the named property as a trimmed, non-empty string, else undefined. */
export function text(c: JComp, name: string): string | undefined {
  const v = value(prop(c, name));
  if (v === undefined || v === null) return undefined;
  const s = (Array.isArray(v) ? v.join(' ') : String(v)).trim();
  return s === '' ? undefined : s;
}

export function param(p: JProp, name: string): string | undefined {
  const v = p[1][name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}

/** A multi-valued parameter (vCard TYPE) as a flat list: `TYPE=a,b;TYPE=c` and `TYPE="a,b"` both give [a,b,c]. */
export function paramList(p: JProp, name: string): string[] {
  const v = p[1][name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function removeProps(c: JComp, name: string): void {
  c[1] = c[1].filter((p) => p[0] !== name);
}

/**
 * Sets a single-instance property: updates the first one in place (keeping its unmapped parameters), drops any
 * duplicates, or appends a new one. `undefined` removes it.
 */
export function setProp(c: JComp, name: string, type: string, v: JValue, params?: JParams): JProp | undefined {
  const existing = prop(c, name);
  if (v === undefined) {
    removeProps(c, name);
    return undefined;
  }
  if (existing) {
    c[1] = c[1].filter((p) => p[0] !== name || p === existing);
    existing.length = 3;
    existing[2] = type;
    existing.push(v);
    if (params) for (const [k, pv] of Object.entries(params)) existing[1][k] = pv;
    return existing;
  }
  const created: JProp = [name, { ...params }, type, v];
  c[1].push(created);
  return created;
}
