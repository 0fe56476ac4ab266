import { projectItem } from '../model/capabilities';
import type { PimItem } from '../model/item';
import type { FetchedItem, WrittenItem } from '../ports/collection-store';
import { sameValue } from './canonical';
import type { SideHoldings } from './merge';
import { mergeFields, resolveConflict } from './merge';
import type { ConflictRecord, ItemPlan, Write } from './plan-types';
import type { SyncPolicy } from './policy';
import type { Observation, Side, SideObservations, SideStatus, StatusRow } from './types';
import { otherSide, sameHash } from './types';

/** One item's inputs: its status row (if any) and what each side's feed or listing said about it this run. */
export interface ItemGroup {
  readonly ident: string;
  readonly row?: StatusRow;
  readonly a?: Observation;
  readonly b?: Observation;
}

/**
 * Assigns every observation to an ident. Known hrefs go to their row. Unknown items are matched before anything
 * is created: first to an existing row by our marker or by UID (a re-link after a crash or a lost status), then to
 * an unknown item on the other side by UID (incl. a series master's UID: the model's unit is the whole series) or
 * by marker, so items already on both sides are linked, never duplicated.
 */
export function groupObservations(rows: readonly StatusRow[], a: SideObservations, b: SideObservations): ItemGroup[] {
  const rowsByIdent = new Map(rows.map((r) => [r.ident, r]));
  const byHref = { a: new Map<string, StatusRow>(), b: new Map<string, StatusRow>() };
  for (const row of rows) {
    if (row.a) byHref.a.set(row.a.href, row);
    if (row.b) byHref.b.set(row.b.href, row);
  }
  const groups = new Map<string, { ident: string; row?: StatusRow; a?: Observation; b?: Observation }>();
  const groupOf = (row: StatusRow) => {
    let g = groups.get(row.ident);
    if (!g) {
      g = { ident: row.ident, row };
      groups.set(row.ident, g);
    }
    return g;
  };
  const unknown: Record<Side, FetchedItem[]> = { a: [], b: [] };
  for (const [side, observations] of [
    ['a', a],
    ['b', b],
  ] as const) {
    for (const [href, obs] of observations) {
      const row = byHref[side].get(href);
      if (row) groupOf(row)[side] = obs;
      else if (obs.type === 'present') unknown[side].push(obs.fetched);
      // A tombstone or "left the window" for an href we never linked says nothing we need.
    }
  }

  // Re-link to existing rows whose slot on that side is free (never synced, pending create, or just deleted).
  const slotFree = (row: StatusRow, side: Side) => {
    const g = groups.get(row.ident);
    if (g?.[side]?.type === 'present' && row[side]?.href !== hrefOf(g[side])) return false;
    return row[side] === undefined || row.pendingCreate === side || g?.[side]?.type === 'gone';
  };
  const rest: Record<Side, FetchedItem[]> = { a: [], b: [] };
  for (const side of ['a', 'b'] as const) {
    for (const f of unknown[side]) {
      const row = [f.marker, f.item.uid]
        .filter((k): k is string => k !== undefined)
        .map((k) => rowsByIdent.get(k))
        .find((r) => r !== undefined && slotFree(r, side));
      if (row) groupOf(row)[side] = { type: 'present', fetched: f };
      else rest[side].push(f);
    }
  }

  // Pair unknown items across sides: same UID, then our marker on either.
  const bByKey = new Map<string, FetchedItem>();
  for (const f of rest.b) {
    for (const key of keysOf(f)) if (!bByKey.has(key)) bByKey.set(key, f);
  }
  const usedB = new Set<FetchedItem>();
  const taken = new Set([...rowsByIdent.keys(), ...groups.keys()]);
  const freshIdent = (preferred: string) => {
    let ident = preferred;
    for (let n = 2; taken.has(ident); n++) ident = `${preferred}~${n}`;
    taken.add(ident);
    return ident;
  };
  for (const fa of rest.a) {
    const fb = keysOf(fa)
      .map((k) => bByKey.get(k))
      .find((f) => f !== undefined && !usedB.has(f));
    if (fb) usedB.add(fb);
    const ident = freshIdent(fa.marker ?? fb?.marker ?? fa.item.uid);
    groups.set(ident, {
      ident,
      a: { type: 'present', fetched: fa },
      ...(fb ? { b: { type: 'present', fetched: fb } as const } : {}),
    });
  }
  for (const fb of rest.b) {
    if (usedB.has(fb)) continue;
    const ident = freshIdent(fb.marker ?? fb.item.uid);
    groups.set(ident, { ident, b: { type: 'present', fetched: fb } });
  }
  // Rows nobody reported on still matter when a create is pending or a side is missing: they are retried.
  for (const row of rows) {
    if (!groups.has(row.ident) && (row.pendingCreate !== undefined || !row.a || !row.b)) groupOf(row);
  }
  return [...groups.values()];
}

const keysOf = (f: FetchedItem) => [f.item.uid, ...(f.marker !== undefined ? [f.marker] : [])];

const hrefOf = (obs: Observation) =>
  obs.type === 'present' ? obs.fetched.ref.href : obs.type === 'unchanged' ? obs.ref.href : obs.href;

/** How one side stands relative to its status row. */
type SideState =
  | { readonly s: 'absent' }
  | { readonly s: 'gone'; readonly was: SideStatus }
  /** Present and not changed in content; `status` may carry a new version (a ChangeKey bump, DTSTAMP churn). */
  | { readonly s: 'same'; readonly status: SideStatus; readonly fetched?: FetchedItem }
  | { readonly s: 'changed'; readonly status: SideStatus; readonly fetched: FetchedItem }
  /** Present, not linked on this side before. */
  | { readonly s: 'new'; readonly status: SideStatus; readonly fetched: FetchedItem };

export const statusOf = (f: WrittenItem): SideStatus => ({
  href: f.ref.href,
  version: f.ref.version,
  hash: f.hash,
  raw: f.raw,
});

/** The model without its identity: two sides may hold the same content under different UIDs (Graph's iCalUId). */
export function sameContent(x: PimItem | undefined, y: PimItem | undefined): boolean {
  if (x === undefined || y === undefined) return x === y;
  const { uid: _x, ...xs } = x;
  const { uid: _y, ...ys } = y;
  return sameValue(xs, ys);
}

/**
 * vdirsyncer's rule: a side changed only if its version changed and its normalized hash changed. A hash the side
 * did not give us (empty) cannot prove sameness, so then the model is compared with the base.
 */
function classify(was: SideStatus | undefined, obs: Observation | undefined, base: PimItem | undefined): SideState {
  // `base` here is the base as this side holds it (projected through its capabilities).
  if (!was) {
    if (obs?.type !== 'present') return { s: 'absent' };
    const f = obs.fetched;
    // Our own create, re-linked after a crash, holding what we wrote: not a change (so a later deletion wins).
    if (base !== undefined && sameContent(f.item, base)) return { s: 'same', status: statusOf(f), fetched: f };
    return { s: 'new', status: statusOf(f), fetched: f };
  }
  if (obs === undefined || obs.type === 'left-window') return { s: 'same', status: was };
  if (obs.type === 'unchanged') return { s: 'same', status: { ...was, version: obs.ref.version } };
  if (obs.type === 'gone') return { s: 'gone', was };
  const f = obs.fetched;
  const status = statusOf(f);
  if (f.ref.version === was.version) return { s: 'same', status: was, fetched: f };
  if (sameHash(f.hash, was.hash)) return { s: 'same', status, fetched: f };
  if (base !== undefined && sameContent(f.item, base)) return { s: 'same', status, fetched: f };
  return { s: 'changed', status, fetched: f };
}

const present = (st: SideState): st is Extract<SideState, { status: SideStatus }> =>
  st.s === 'same' || st.s === 'changed' || st.s === 'new';

/** Decides what to do with one item: vdirsyncer's table, plus merge, policies and directions. */
export function planItem(group: ItemGroup, policy: SyncPolicy, holds: SideHoldings = {}): ItemPlan {
  const { ident, row } = group;
  const base = row?.base;
  const heldBase = (side: Side) => (base === undefined ? undefined : projectItem(holds[side], base));
  let sa = classify(row?.a, group.a, heldBase('a'));
  let sb = classify(row?.b, group.b, heldBase('b'));
  const sources = {
    ...(group.a ? { a: hrefOf(group.a) } : {}),
    ...(group.b ? { b: hrefOf(group.b) } : {}),
  };
  const dormant = dormancy(row, group);
  const cell = `a-${sa.s}/b-${sb.s}`;
  const plan = (next: StatusRow | undefined, writes: Write[] = [], conflict?: ConflictRecord): ItemPlan => ({
    ident,
    cell,
    ...(row ? { old: row } : {}),
    ...(next ? { next } : {}),
    writes,
    ...(conflict ? { conflict } : {}),
    quarantine: [],
    sources,
  });
  const rowWith = (a: SideState, b: SideState, newBase: PimItem | undefined): StatusRow => ({
    ident,
    ...(present(a) ? { a: a.status } : {}),
    ...(present(b) ? { b: b.status } : {}),
    ...(newBase ? { base: newBase } : {}),
    ...(dormant ? { dormant } : {}),
  });

  // One-way: the read-only side's own edits are ignored (the link is kept) or reverted.
  let revert: Side | undefined;
  if (policy.direction.type === 'one-way') {
    const ro = otherSide(policy.direction.from);
    const st = ro === 'a' ? sa : sb;
    const ignore = policy.direction.readOnlyEdits === 'ignore';
    if (st.s === 'changed') {
      const same: SideState = { s: 'same', status: st.status, fetched: st.fetched };
      if (ro === 'a') sa = same;
      else sb = same;
      if (!ignore) revert = ro;
    } else if (st.s === 'gone' && ignore) {
      return plan(undefined); // the user removed the mirror copy; forget the link rather than fight them
    } else if (st.s === 'gone') {
      if (ro === 'a') sa = { s: 'absent' };
      else sb = { s: 'absent' };
    } else if (st.s === 'new' && (ro === 'a' ? sb : sa).s === 'absent') {
      return plan(row ? rowWith({ s: 'absent' }, { s: 'absent' }, base) : undefined); // not ours to copy
    }
  }
  const writable = (side: Side) => policy.direction.type === 'two-way' || policy.direction.from !== side;

  const modelOf = (st: SideState, side: Side): PimItem | undefined =>
    st.s === 'same' || st.s === 'changed' || st.s === 'new' ? (st.fetched?.item ?? heldBase(side)) : undefined;

  // Neither side holds it: forget.
  if (!present(sa) && !present(sb)) return plan(undefined);

  // Present on one side only.
  if (!present(sa) || !present(sb)) {
    const has: Side = present(sa) ? 'a' : 'b';
    const lacks = otherSide(has);
    const st = has === 'a' ? sa : sb;
    const other = has === 'a' ? sb : sa;
    // An untouched side re-created elsewhere carries the whole base, not only what this side could hold of it.
    const item = st.s === 'same' && base !== undefined ? base : modelOf(st, has);
    if (other.s === 'gone' && st.s === 'same' && writable(has)) {
      // Deleted on one side, untouched on the other: the deletion propagates.
      return plan(rowWith(sa, sb, base), [{ type: 'delete', side: has }]);
    }
    // New, re-created after a lost create, or modified on one side while deleted on the other: modification wins.
    if (!item || !writable(lacks)) return plan(rowWith(sa, sb, base));
    return plan({ ...rowWith(sa, sb, item), pendingCreate: lacks }, [{ type: 'create', side: lacks, item }]);
  }

  const ma = modelOf(sa, 'a')!;
  const mb = modelOf(sb, 'b')!;
  const da = sa.s !== 'same';
  const db = sb.s !== 'same';
  const current = { a: ma, b: mb };
  // A side is written only when what it would hold of the target differs from what it holds.
  const writesFor = (target: PimItem): Write[] =>
    (['a', 'b'] as const)
      .filter((side) => writable(side))
      .filter((side) => !sameContent(projectItem(holds[side], target), projectItem(holds[side], current[side])))
      .map((side) => update(side, target, current[side]));

  if (!da && !db) {
    const target = revert ? (base ?? modelOf(revert === 'a' ? sb : sa, otherSide(revert))!) : (base ?? ma);
    return plan(rowWith(sa, sb, target), revert ? writesFor(target) : []);
  }

  // One or both changed (or first seen on both): merge field by field through what each side holds — the fields a
  // side edited travel, every other field keeps the base's value — and settle the rest by policy.
  const merge = mergeFields({ ...(base ? { base } : {}), a: ma, b: mb, changed: { a: da, b: db }, holds });
  const conflictPolicy =
    policy.direction.type === 'one-way' ? { type: 'side-wins' as const, side: policy.direction.from } : policy.conflict;
  const fa = (sa as { fetched?: FetchedItem }).fetched;
  const fb = (sb as { fetched?: FetchedItem }).fetched;
  const modifiedAt = {
    ...(fa?.modifiedAt ? { a: fa.modifiedAt } : {}),
    ...(fb?.modifiedAt ? { b: fb.modifiedAt } : {}),
  };
  const resolution = resolveConflict(conflictPolicy, merge, ma, mb, modifiedAt);
  const conflict: ConflictRecord | undefined =
    merge.conflicting.length === 0
      ? undefined
      : {
          ident,
          fields: merge.conflicting,
          policy: conflictPolicy.type,
          winner: resolution.winner,
          ...(fa ? { aRaw: fa.raw } : row?.a ? { aRaw: row.a.raw } : {}),
          ...(fb ? { bRaw: fb.raw } : row?.b ? { bRaw: row.b.raw } : {}),
          aItem: ma,
          bItem: mb,
        };
  return plan(rowWith(sa, sb, resolution.item), writesFor(resolution.item), conflict);
}

function update(side: Side, target: PimItem, current: PimItem): Write {
  // The side keeps its own UID: adapters patch the raw object, and some sides (Graph) cannot change it anyway.
  return { type: 'update', side, item: { ...target, uid: current.uid } as PimItem };
}

function dormancy(row: StatusRow | undefined, group: ItemGroup): boolean {
  const obs = [group.a, group.b].filter((o): o is Observation => o !== undefined);
  if (obs.some((o) => o.type === 'left-window' || (o.type === 'present' && o.outOfWindow))) return true;
  if (obs.some((o) => o.type === 'present' || o.type === 'unchanged')) return false;
  return row?.dormant ?? false;
}

/** The keep-both policy's copy: the losing version as a new item of its own, created on both sides. */
export function keepBothCopy(plan: ItemPlan, policy: SyncPolicy, takenIdents: Set<string>): ItemPlan | undefined {
  if (policy.conflict.type !== 'keep-both' || !plan.conflict || policy.direction.type === 'one-way') return undefined;
  const loser = plan.conflict.winner === 'a' ? plan.conflict.bItem : plan.conflict.aItem;
  let ident = `${plan.ident}~copy`;
  for (let n = 2; takenIdents.has(ident); n++) ident = `${plan.ident}~copy${n}`;
  takenIdents.add(ident);
  const item = { ...loser, uid: ident } as PimItem;
  return {
    ident,
    cell: 'keep-both-copy',
    next: { ident, base: item },
    writes: [
      { type: 'create', side: 'a', item },
      { type: 'create', side: 'b', item },
    ],
    quarantine: [],
    sources: {},
  };
}

/** Plans a whole run: group, decide each item, add keep-both copies. Pure. */
export function planRun(
  rows: readonly StatusRow[],
  a: SideObservations,
  b: SideObservations,
  policy: SyncPolicy,
  holds: SideHoldings = {},
): ItemPlan[] {
  return planGroups(rows, groupObservations(rows, a, b), policy, holds).map((x) => x.plan);
}

/** Plans grouped items, keeping each plan beside its group (the executor replans a group after a lost race). */
export function planGroups(
  rows: readonly StatusRow[],
  groups: readonly ItemGroup[],
  policy: SyncPolicy,
  holds: SideHoldings = {},
): { group: ItemGroup; plan: ItemPlan }[] {
  const planned = groups.map((group) => ({ group, plan: planItem(group, policy, holds) }));
  const taken = new Set([...rows.map((r) => r.ident), ...planned.map((p) => p.plan.ident)]);
  return planned.map(({ group, plan }) => {
    const copy = keepBothCopy(plan, policy, taken);
    return { group, plan: copy ? { ...plan, copy } : plan };
  });
}
