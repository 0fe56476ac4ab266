import type { Capabilities } from '../model/capabilities';
import { coupledFieldsOf, holdingOf, projectItem } from '../model/capabilities';
import type { PimItem } from '../model/item';
import { wallClockToUtc } from '../model/wall-clock';
import { sameValue } from './canonical';
import type { ConflictPolicy } from './policy';
import type { Side } from './types';

/** Fields that identify rather than describe an item: never merged field by field. */
const identityFields = new Set(['kind', 'uid']);

/** What each side's store holds (StoreCaps.holds); a side left out holds every field as written. */
export interface SideHoldings {
  readonly a?: Capabilities;
  readonly b?: Capabilities;
}

export interface MergeInput {
  /** The model both sides agreed on last time; absent when two items are first linked. */
  readonly base?: PimItem;
  readonly a: PimItem;
  readonly b: PimItem;
  /** Whether each side changed since the base (the planner's classification). An unchanged side edits nothing. */
  readonly changed: Readonly<Record<Side, boolean>>;
  readonly holds?: SideHoldings;
}

export interface FieldMerge {
  /** Top-level fields of the model after taking each side's non-overlapping edits. */
  readonly merged: Record<string, unknown>;
  /** Field units both sides edited to different values (or, without a base, that simply differ). */
  readonly conflicting: readonly string[];
}

/**
 * Three-way merge over the top-level fields of the model, through what each side holds. A side edited a field
 * when it changed, holds the field, and its value differs from what it would hold of the base (the base as the
 * store projects it: a store that keeps one reminder of three did not "delete" the other two). A field edited on
 * one side takes that side's value; a field nobody edited keeps the base's — so a field a side cannot hold is
 * never written from it. Edited on both sides to values that agree once projected is no conflict (the richer value
 * wins); otherwise it is a conflict, left to the policy. Coupled fields (an event's start, end and duration) move
 * as one unit: the side that edited any of them supplies all of them.
 */
export function mergeFields(input: MergeInput): FieldMerge {
  const { a, b, changed } = input;
  const holds = input.holds ?? {};
  const av = a as unknown as Record<string, unknown>;
  const bv = b as unknown as Record<string, unknown>;
  if (a.kind !== b.kind) {
    // Kinds differ (contact vs group): nothing field-wise is meaningful, the whole item conflicts.
    return { merged: { ...av }, conflicting: ['kind'] };
  }
  // One side unchanged and no base (a row from before bases were kept): that side is the base.
  const base = input.base ?? (changed.a && !changed.b ? b : !changed.a && changed.b ? a : undefined);
  const basev = base as unknown as Record<string, unknown> | undefined;
  const view = {
    a: av,
    b: bv,
    projectedBase: {
      a: base ? (projectItem(holds.a, base) as unknown as Record<string, unknown>) : undefined,
      b: base ? (projectItem(holds.b, base) as unknown as Record<string, unknown>) : undefined,
    },
    // How each side would hold the other's value: equal means they agree, the other being the richer one.
    projectedOther: {
      a: projectItem(holds.a, b) as unknown as Record<string, unknown>,
      b: projectItem(holds.b, a) as unknown as Record<string, unknown>,
    },
  };
  const merged: Record<string, unknown> = { kind: a.kind, uid: base?.uid ?? a.uid };
  const conflicting: string[] = [];
  const keys = new Set([...Object.keys(av), ...Object.keys(bv), ...Object.keys(basev ?? {})]);
  for (const unit of fieldUnits(
    a.kind,
    [...keys].filter((k) => !identityFields.has(k)),
  )) {
    const edited = (side: Side) =>
      changed[side] &&
      unit.some((f) => {
        if (holdingOf(holds[side], a.kind, f).held === 'not-held') return false;
        const was = view.projectedBase[side];
        return was === undefined || !sameValue(view[side][f], was[f]);
      });
    const take = (from: Record<string, unknown> | undefined) => {
      for (const f of unit) merged[f] = from?.[f];
    };
    // One side's edit of a structured field (a series' exceptions, an attendee) travels part by part: what the
    // side left as it holds it keeps the base's value, so a series renamed in Outlook keeps its exceptions' organizer.
    const takeEdits = (side: Side) => {
      if (unit.length > 1) return take(view[side]); // coupled fields come from one side, together
      const was = view.projectedBase[side];
      for (const f of unit) merged[f] = basev && was ? mergeEdited(basev[f], view[side][f], was[f]) : view[side][f];
    };
    const ea = edited('a');
    const eb = edited('b');
    if (ea && eb) {
      if (unit.every((f) => sameValue(av[f], bv[f]))) take(richer(holds, a.kind, unit, av, bv));
      else if (unit.every((f) => sameValue(av[f], view.projectedOther.a[f]))) take(bv);
      else if (unit.every((f) => sameValue(bv[f], view.projectedOther.b[f]))) take(av);
      else {
        conflicting.push(...unit);
        take(av);
      }
    } else if (ea) takeEdits('a');
    else if (eb) takeEdits('b');
    else take(basev ?? richer(holds, a.kind, unit, av, bv));
  }
  for (const f of Object.keys(merged)) if (merged[f] === undefined) delete merged[f];
  return { merged, conflicting };
}

/**
 * A value one side edited, merged into the base part by part: where the edited value equals the base as that side
 * holds it, the base's (fuller) value stays; records of one shape merge key by key, lists whose items name
 * themselves item by item (`mergeKeyedList`); any other difference takes the edited value whole.
 */
export function mergeEdited(base: unknown, edited: unknown, projectedBase: unknown): unknown {
  if (sameValue(edited, projectedBase)) return base;
  if (isRecord(edited) && isRecord(base) && isRecord(projectedBase) && sameShape(base, projectedBase, edited)) {
    const out: Record<string, unknown> = {};
    for (const key of new Set([...Object.keys(base), ...Object.keys(edited), ...Object.keys(projectedBase)])) {
      const value = mergeEdited(base[key], edited[key], projectedBase[key]);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }
  if (Array.isArray(edited) && Array.isArray(base) && Array.isArray(projectedBase)) {
    const keyed = mergeKeyedList(base, edited, projectedBase);
    if (keyed) return keyed;
  }
  return edited;
}

/**
 * A list whose items name themselves (exceptions by RECURRENCE-ID, attendees by address), merged item by item: an
 * item the editing side holds and changed is merged part by part; one it removed is gone; one it added is added; one
 * it never held (a base item its projection leaves out, e.g. an exception on no real occurrence) stays. Undefined
 * when the items do not all name themselves: then the edited list stands whole (slot-based lists such as phones,
 * which stores reorder, say nothing by position).
 */
function mergeKeyedList(base: unknown[], edited: unknown[], projected: unknown[]): unknown[] | undefined {
  if (![...base, ...edited, ...projected].every(hasIdentity)) return undefined;
  const find = (list: unknown[], item: unknown) => list.find((other) => sameIdentity(item, other));
  const out: unknown[] = [];
  for (const item of base) {
    const held = find(projected, item);
    const now = find(edited, item);
    if (held === undefined)
      out.push(item); // never visible to the editing side: it could not have removed it
    else if (now !== undefined) out.push(mergeEdited(item, now, held));
  }
  for (const item of edited) if (find(base, item) === undefined) out.push(item);
  return out;
}

/** An item names itself when its RECURRENCE-ID resolves to an occurrence, or it has an address. */
function hasIdentity(x: unknown): boolean {
  if (!isRecord(x)) return false;
  if ('recurrenceId' in x) return occurrenceKey(x.recurrenceId) !== undefined;
  return typeof x.email === 'string';
}

/**
 * List items are merged one by one only when each names itself the same way in all three versions: an exception
 * by its RECURRENCE-ID, an attendee by address. Stores reorder slot-based lists (phones, e-mails), where a position
 * says nothing.
 */
function sameIdentity(x: unknown, y: unknown): boolean {
  if (!isRecord(x) || !isRecord(y)) return false;
  if ('recurrenceId' in x) return sameOccurrence(x.recurrenceId, y.recurrenceId);
  if (typeof x.email === 'string' && typeof y.email === 'string')
    return x.email.toLowerCase() === y.email.toLowerCase();
  return false;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Whether three versions of a record are one shape, so that merging them key by key makes sense: the same variant
 * of a union (`kind`: a date is not merged into a date-time).
 */
function sameShape(base: Record<string, unknown>, projected: Record<string, unknown>, edited: Record<string, unknown>) {
  return base.kind === projected.kind && edited.kind === projected.kind;
}

/** Two RECURRENCE-IDs name one occurrence when they are the same instant, however each side spells it. */
function sameOccurrence(x: unknown, y: unknown): boolean {
  const kx = occurrenceKey(x);
  return kx !== undefined && kx === occurrenceKey(y);
}

/**
 * The occurrence a RECURRENCE-ID names, as one string: its instant for a UTC or zoned time, its date or floating
 * time as written. Undefined for a zone that cannot be resolved: such an id names nothing that can be compared.
 */
function occurrenceKey(v: unknown): string | undefined {
  if (!isRecord(v)) return undefined;
  try {
    if (v.kind === 'utc' && typeof v.dateTime === 'string') return `@${Date.parse(v.dateTime)}`;
    if (v.kind === 'zoned' && typeof v.dateTime === 'string' && typeof v.tzid === 'string') {
      return `@${wallClockToUtc(v.dateTime, v.tzid)}`;
    }
  } catch {
    return undefined;
  }
  if (v.kind === 'date' && typeof v.date === 'string') return `date ${v.date}`;
  if (v.kind === 'floating' && typeof v.dateTime === 'string') return `floating ${v.dateTime}`;
  return undefined;
}

/** The value of the side that holds the unit as written, when the two agree or nobody edited it. */
function richer(
  holds: SideHoldings,
  kind: PimItem['kind'],
  unit: readonly string[],
  av: Record<string, unknown>,
  bv: Record<string, unknown>,
): Record<string, unknown> {
  const holdsAll = (side: Side) => unit.every((f) => holdingOf(holds[side], kind, f).held === 'held');
  return holdsAll('a') || !holdsAll('b') ? av : bv;
}

/** Groups the item's fields into merge units: coupled fields together, every other field on its own. */
function fieldUnits(kind: PimItem['kind'], fields: readonly string[]): string[][] {
  const units: string[][] = [];
  const seen = new Set<string>();
  for (const group of coupledFieldsOf(kind)) {
    units.push([...group]);
    for (const f of group) seen.add(f);
  }
  for (const f of [...fields].sort()) if (!seen.has(f)) units.push([f]);
  return units;
}

export interface Resolution {
  /** The item both sides should hold. */
  readonly item: PimItem;
  /** With keep-both: the losing side's whole version, to be created as a separate item. */
  readonly copy?: PimItem;
  /** Whose value the conflicting fields took. */
  readonly winner: Side;
}

/** Resolves the conflicting fields of a merge by policy. */
export function resolveConflict(
  policy: ConflictPolicy,
  merge: FieldMerge,
  a: PimItem,
  b: PimItem,
  modifiedAt: { readonly a?: string; readonly b?: string },
): Resolution {
  const winner = pickWinner(policy, modifiedAt);
  const from = (winner === 'a' ? a : b) as unknown as Record<string, unknown>;
  if (merge.conflicting.includes('kind')) return { item: winner === 'a' ? a : b, winner };
  const item: Record<string, unknown> = { ...merge.merged };
  for (const key of merge.conflicting) {
    if (from[key] === undefined) delete item[key];
    else item[key] = from[key];
  }
  if (policy.type === 'keep-both' && merge.conflicting.length > 0) {
    const loser = winner === 'a' ? b : a;
    return { item: item as unknown as PimItem, copy: loser, winner };
  }
  return { item: item as unknown as PimItem, winner };
}

function pickWinner(policy: ConflictPolicy, modifiedAt: { readonly a?: string; readonly b?: string }): Side {
  switch (policy.type) {
    case 'side-wins':
      return policy.side;
    case 'keep-both':
      return policy.keep;
    case 'newest': {
      const ta = modifiedAt.a === undefined ? Number.NaN : Date.parse(modifiedAt.a);
      const tb = modifiedAt.b === undefined ? Number.NaN : Date.parse(modifiedAt.b);
      if (Number.isNaN(ta) || Number.isNaN(tb) || ta === tb) return policy.fallback;
      return ta > tb ? 'a' : 'b';
    }
  }
}
