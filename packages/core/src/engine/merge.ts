import type { PimItem } from '../model/item';
import { sameValue } from './canonical';
import type { ConflictPolicy } from './policy';
import type { Side } from './types';

/** Fields that identify rather than describe an item: never merged field by field. */
const identityFields = new Set(['kind', 'uid']);

export interface FieldMerge {
  /** Top-level fields of the model after taking each side's non-overlapping changes. */
  readonly merged: Record<string, unknown>;
  /** Fields both sides changed to different values (or, without a base, that simply differ). */
  readonly conflicting: readonly string[];
}

/**
 * Three-way merge over the top-level fields of the model. A field changed on one side only takes that side's
 * value; changed on both to the same value is no conflict; changed on both differently is a conflict. Without a
 * base (first-run link) every differing field is a conflict.
 */
export function mergeFields(base: PimItem | undefined, a: PimItem, b: PimItem): FieldMerge {
  const av = a as unknown as Record<string, unknown>;
  const bv = b as unknown as Record<string, unknown>;
  const basev = base as unknown as Record<string, unknown> | undefined;
  const merged: Record<string, unknown> = { kind: a.kind, uid: base?.uid ?? a.uid };
  const conflicting: string[] = [];
  if (a.kind !== b.kind) {
    // Kinds differ (contact vs group): nothing field-wise is meaningful, the whole item conflicts.
    return { merged: { ...av }, conflicting: ['kind'] };
  }
  const keys = new Set([...Object.keys(av), ...Object.keys(bv), ...Object.keys(basev ?? {})]);
  for (const key of [...keys].sort()) {
    if (identityFields.has(key)) continue;
    const x = av[key];
    const y = bv[key];
    if (sameValue(x, y)) merged[key] = x;
    else if (basev !== undefined && sameValue(x, basev[key])) merged[key] = y;
    else if (basev !== undefined && sameValue(y, basev[key])) merged[key] = x;
    else {
      conflicting.push(key);
      merged[key] = x;
    }
  }
  return { merged, conflicting };
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
  for (const key of merge.conflicting) item[key] = from[key];
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
