/**
 * Graph delta for calendarView, contacts and To Do tasks, computed from the store's change journal.
 * A round = everything since the state's journal seq; it is cut into pages (nextLink) and ends with a deltaLink
 * naming a new state. States live in the simulator's DeltaRegistry, so evicting them forces a resync (410).
 */
import type { Simulator } from '../simulator';
import { toGraphId } from '../store/ids';
import type { Folder } from '../store/types';
import type { DeltaKind, DeltaResultEntry, DeltaState } from './delta-registry';
import { badRequest, GraphError } from './wire';

export interface DeltaLinkToken {
  /** State id (deltatoken) or round id (skiptoken). */
  s: string;
  /** Page index for skiptokens. */
  p?: number;
  k: DeltaKind;
  u: string;
  f?: string;
  st?: number;
  en?: number;
}

export const encodeToken = (t: DeltaLinkToken) => Buffer.from(JSON.stringify(t)).toString('base64url');

export function decodeToken(raw: string): DeltaLinkToken {
  try {
    const t = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as DeltaLinkToken;
    if (typeof t.s !== 'string' || typeof t.u !== 'string' || !['calendarView', 'contacts', 'tasks'].includes(t.k)) {
      throw new Error('shape');
    }
    return t;
  } catch {
    throw badRequest('The delta token is malformed. Do not edit delta links; follow them as given.', 'BadRequest');
  }
}

/** The path (after /v1.0) of the collection a chain was opened on. */
export function deltaPath(t: Pick<DeltaLinkToken, 'k' | 'u' | 'f'>): string {
  const u = encodeURIComponent(t.u);
  if (t.k === 'calendarView') {
    return t.f
      ? `/users/${u}/calendars/${encodeURIComponent(t.f)}/calendarView/delta`
      : `/users/${u}/calendarView/delta`;
  }
  if (t.k === 'contacts') {
    return t.f ? `/users/${u}/contactFolders/${encodeURIComponent(t.f)}/contacts/delta` : `/users/${u}/contacts/delta`;
  }
  return `/users/${u}/todo/lists/${encodeURIComponent(t.f ?? '')}/tasks/delta`;
}

export function initialUrl(origin: string, t: DeltaLinkToken): string {
  const q =
    t.k === 'calendarView' && t.st !== undefined && t.en !== undefined
      ? `?startDateTime=${new Date(t.st).toISOString()}&endDateTime=${new Date(t.en).toISOString()}`
      : '';
  return `${origin}/v1.0${deltaPath(t)}${q}`;
}

/** The error for a link whose state the token cache no longer holds. */
export function expiredError(sim: Simulator, origin: string, t: DeltaLinkToken): GraphError {
  if (sim.graph.expiredDeltaResponse === 'gone') {
    return new GraphError(
      410,
      'resyncRequired',
      'The sync state is no longer valid; restart with a full synchronization.',
      {
        Location: initialUrl(origin, t),
      },
    );
  }
  return new GraphError(
    400,
    'syncStateNotFound',
    'The sync state generation is not found. Restart with a full synchronization.',
  );
}

/** Compute one round since `base` (or the initial enumeration when `base.seq` is -1). */
export function computeRound(
  sim: Simulator,
  base: DeltaState,
  folder: Folder,
): { entries: DeltaResultEntry[]; next: DeltaState } {
  const store = sim.store;
  const seqNow = store.currentSeq();
  const entries: DeltaResultEntry[] = [];
  const known = new Map<number, Set<string>>([...base.known].map(([k, v]) => [k, new Set(v)]));
  const removed = (entityId: string, itemKey: number) =>
    entries.push({ id: toGraphId(entityId), removed: true, itemKey, entityId });

  if (base.kind === 'calendarView') {
    const w = base.window!;
    if (base.seq < 0) {
      for (const inst of store.calendarView(folder.id, w.start, w.end)) {
        entries.push({ id: inst.graphId, removed: false, itemKey: inst.master.key, entityId: inst.id });
        const set = known.get(inst.master.key) ?? new Set<string>();
        set.add(inst.id);
        known.set(inst.master.key, set);
      }
    } else {
      for (const ch of store.changesSince(folder.id, base.seq)) {
        const prev = known.get(ch.itemKey) ?? new Set<string>();
        if (ch.change === 'delete' || !ch.item || ch.item.kind !== 'event') {
          if (prev.size) for (const id of prev) removed(id, ch.itemKey);
          else if (sim.graph.removedForOutsideChanges) removed(ch.itemId, ch.itemKey);
          known.delete(ch.itemKey);
          continue;
        }
        const cur = store.instancesOf(ch.item.id, w.start, w.end);
        const ids = new Set(cur.map((i) => i.id));
        for (const inst of cur)
          entries.push({ id: inst.graphId, removed: false, itemKey: ch.itemKey, entityId: inst.id });
        for (const id of prev) if (!ids.has(id)) removed(id, ch.itemKey);
        if (cur.length === 0 && prev.size === 0 && sim.graph.removedForOutsideChanges) removed(ch.itemId, ch.itemKey);
        if (ids.size) known.set(ch.itemKey, ids);
        else known.delete(ch.itemKey);
      }
    }
  } else {
    const wanted = base.kind === 'contacts' ? 'contact' : 'task';
    if (base.seq < 0) {
      for (const it of store.listItems(folder.id)) {
        if (it.kind === wanted) entries.push({ id: it.graphId, removed: false, itemKey: it.key, entityId: it.id });
      }
    } else {
      for (const ch of store.changesSince(folder.id, base.seq)) {
        if (ch.item && ch.item.kind !== wanted) continue;
        if (ch.change === 'delete' || !ch.item) removed(ch.itemId, ch.itemKey);
        else entries.push({ id: ch.item.graphId, removed: false, itemKey: ch.itemKey, entityId: ch.item.id });
      }
    }
  }
  const n = sim.graph.duplicateEvery;
  if (n > 0 && base.seq >= 0) {
    const dupes = entries.filter((_, i) => i % n === n - 1);
    entries.push(...dupes);
  }
  const next: DeltaState = { ...base, id: sim.delta.newId(), seq: seqNow, known, createdAt: sim.clock.now() };
  delete next.pages;
  delete next.next;
  return { entries, next };
}

/** Split a round into pages of `size`, inserting an empty page every n-th page when configured. */
export function paginate<T>(entries: T[], size: number, emptyEvery: number): T[][] {
  const pages: T[][] = [];
  for (let i = 0; i < entries.length; i += size) {
    if (emptyEvery > 0 && pages.length % emptyEvery === emptyEvery - 1) pages.push([]);
    pages.push(entries.slice(i, i + size));
  }
  if (pages.length === 0) pages.push([]);
  return pages;
}
