import type { TaskItem } from '../model/task';
import type { FetchedItem } from '../ports/collection-store';
import { canonical } from './canonical';
import { statusOf } from './planner';
import type { Observation, StatusRow } from './types';

/** Builders for the engine's own tests. Not exported from the package. */
export function task(uid: string, fields: Partial<TaskItem> = {}): TaskItem {
  return { kind: 'task', uid, status: 'needs-action', categories: [], reminders: [], ...fields };
}

export function fetched(href: string, version: string, item: TaskItem, extra: Partial<FetchedItem> = {}): FetchedItem {
  return { ref: { href, version }, raw: `raw:${canonical(item)}`, item, hash: `h:${canonical(item)}`, ...extra };
}

export function linked(
  ident: string,
  a: FetchedItem | undefined,
  b: FetchedItem | undefined,
  base?: TaskItem,
): StatusRow {
  return {
    ident,
    ...(a ? { a: statusOf(a) } : {}),
    ...(b ? { b: statusOf(b) } : {}),
    ...((base ?? a?.item ?? b?.item) ? { base: base ?? a?.item ?? b?.item } : {}),
  } as StatusRow;
}

export const present = (f: FetchedItem, outOfWindow?: boolean): Observation => ({
  type: 'present',
  fetched: f,
  ...(outOfWindow ? { outOfWindow } : {}),
});
export const gone = (href: string): Observation => ({ type: 'gone', href });
export const leftWindow = (href: string): Observation => ({ type: 'left-window', href });

export function obs(...entries: Observation[]): Map<string, Observation> {
  return new Map(
    entries.map((o) => [o.type === 'present' ? o.fetched.ref.href : o.type === 'unchanged' ? o.ref.href : o.href, o]),
  );
}
