import type { JComp } from '../text/jcal';
import type { CalendarContext } from './calendar-context';

/**
 * One model field's mapping: how to read it from a component and how to write it back onto one. Patching writes
 * only the fields whose values differ, which is what keeps everything else in the raw object untouched.
 */
export interface FieldMapping<M, K extends keyof M = keyof M> {
  read(c: JComp, ctx: CalendarContext): M[K];
  write(c: JComp, value: M[K], ctx: CalendarContext): void;
}

export type FieldMappings<M> = { [K in keyof M]?: FieldMapping<M, K> };

/** Reads every mapped field, leaving out undefined ones so that models compare structurally. */
export function readFields<M>(mappings: FieldMappings<M>, c: JComp, ctx: CalendarContext): Partial<M> {
  const out: Record<string, unknown> = {};
  for (const [key, m] of Object.entries(mappings) as [string, FieldMapping<M>][]) {
    const v = m.read(c, ctx);
    if (v !== undefined) out[key] = v;
  }
  return out as Partial<M>;
}

/** Writes the fields whose values differ between `before` (undefined: all) and `after`. */
export function writeFields<M>(
  mappings: FieldMappings<M>,
  c: JComp,
  before: M | undefined,
  after: M,
  ctx: CalendarContext,
): void {
  for (const [key, m] of Object.entries(mappings) as [keyof M & string, FieldMapping<M>][]) {
    if (before && deepEqual(before[key], after[key])) continue;
    m.write(c, after[key], ctx);
  }
}

/** Structural equality where a missing property equals an undefined one. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
