/**
 * Canonical JSON of model values: keys sorted, `undefined` and empty arrays dropped, so two adapters that spell
 * "nothing" differently still compare equal. Only for comparing models, never for hashing raw objects (each side
 * hashes its own normalized raw form; those hashes are not comparable across sides).
 */
export function canonical(value: unknown): string {
  return JSON.stringify(normalize(value)) ?? 'null';
}

function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
      out[key] = normalize(v);
    }
    return out;
  }
  return value;
}

export function sameValue(x: unknown, y: unknown): boolean {
  return canonical(x) === canonical(y);
}
