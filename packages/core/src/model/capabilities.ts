import type { ContactGroupItem, ContactItem } from './contact';
import type { EventItem } from './event';
import type { ItemKind, PimItem } from './item';
import type { TaskItem } from './task';

/**
 * How one store holds one top-level field of the model (DESIGN §4: "each store declares what it holds").
 *
 * - `held`: written and read back unchanged.
 * - `normalised`: written, but read back in the store's own form; `normalise` says which (e.g. EWS keeps one
 *   reminder of several, Graph turns CLASS:PUBLIC into "normal" and back into no CLASS at all). It must be exactly
 *   what a write followed by a read gives, or the engine takes the difference for an edit made on that side.
 * - `not-held`: the store cannot hold it; what it reads is always the `empty` form of the field.
 *
 * The engine uses this in both directions: a field a side does not hold (or that it only reports in normalised
 * form, unchanged) is never written from that side to the other, so one subject edit in Outlook cannot erase a
 * URL, a second alarm or an attendee's PARTSTAT in Nextcloud.
 */
export type FieldHolding<T, I> =
  | { readonly held: 'held' }
  | { readonly held: 'normalised'; readonly how: string; readonly normalise: (value: T, item: I) => T }
  | { readonly held: 'not-held'; readonly why: string };

/** Fields that identify rather than describe an item: every store holds them, they are never merged. */
export type IdentityField = 'kind' | 'uid';

export type FieldCapabilities<I> = {
  readonly [F in Exclude<keyof I, IdentityField>]-?: FieldHolding<I[F], I>;
};

/** What one store holds, per item kind it stores. A kind left out is held whole (a DAV store holds everything). */
export interface Capabilities {
  readonly event?: FieldCapabilities<EventItem>;
  readonly task?: FieldCapabilities<TaskItem>;
  readonly contact?: FieldCapabilities<ContactItem>;
  readonly group?: FieldCapabilities<ContactGroupItem>;
}

const held = { held: 'held' } as const;

/** Shorthand for tables: the field is written and read back unchanged. */
export function heldField(): { readonly held: 'held' } {
  return held;
}

/** Shorthand for tables: the field is held in a normalised form. */
export function normalisedField<T, I>(how: string, normalise: (value: T, item: I) => T): FieldHolding<T, I> {
  return { held: 'normalised', how, normalise };
}

/** Shorthand for tables: the field cannot be held; `why` is printed in the docs. */
export function notHeldField(why: string): { readonly held: 'not-held'; readonly why: string } {
  return { held: 'not-held', why };
}

/** The holding of one field of one kind; `held` when the store declares nothing for that kind. */
export function holdingOf(
  caps: Capabilities | undefined,
  kind: ItemKind,
  field: string,
): FieldHolding<unknown, PimItem> {
  const table = caps?.[kind] as Record<string, FieldHolding<unknown, PimItem>> | undefined;
  return table?.[field] ?? held;
}

/**
 * The item as the store would hold it after writing it and reading it back: fields it does not hold dropped,
 * normalised fields in its form. The identity of the item is untouched.
 */
export function projectItem<I extends PimItem>(caps: Capabilities | undefined, item: I): I {
  const table = caps?.[item.kind] as Record<string, FieldHolding<unknown, PimItem>> | undefined;
  if (!table) return item;
  const out: Record<string, unknown> = { ...item };
  for (const [field, holding] of Object.entries(table)) {
    if (holding.held === 'not-held') {
      // A field the store cannot hold reads as its empty form: an empty list for the model's list fields.
      if (Array.isArray(out[field])) out[field] = [];
      else delete out[field];
    } else if (holding.held === 'normalised') {
      const projected = holding.normalise((item as unknown as Record<string, unknown>)[field], item);
      if (projected === undefined) delete out[field];
      else out[field] = projected;
    }
  }
  return out as unknown as I;
}

/**
 * Fields that only make sense together, so a merge takes them from one side as a unit: an event's end follows
 * from its start and its DURATION, and a store that holds an end but no DURATION (Exchange) would otherwise leave
 * a moved event with its old duration beside its new end.
 */
const coupledFields: Readonly<Record<ItemKind, readonly (readonly string[])[]>> = {
  event: [['start', 'end', 'duration']],
  task: [],
  contact: [],
  group: [],
};

export function coupledFieldsOf(kind: ItemKind): readonly (readonly string[])[] {
  return coupledFields[kind];
}
