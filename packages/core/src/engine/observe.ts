import type { SyncWindow } from '../model/temporal';
import type { Change, CollectionStore, FetchResult } from '../ports/collection-store';
import { InvalidItemError, InvalidSyncTokenError } from '../ports/errors';
import type { RunProgress } from './sync-pair';
import type { Observation, Side, StatusRow } from './types';

export interface SideRead {
  readonly observations: Map<string, Observation>;
  /** The token to store once every change read here is committed or parked. */
  readonly nextToken: string;
  readonly mode: 'delta' | 'reconcile';
  /** The stored token was refused, so this read fell back to a windowed reconcile. */
  readonly tokenInvalid: boolean;
  /** A reconcile listed nothing although the pair had live items on this side. */
  readonly emptied: boolean;
  /** Items that could not be read (malformed content): skipped and reported, never deleted. */
  /** Items that could not be read or mapped, with why: skipped until they change, never retried in a loop. */
  readonly unreadable: readonly { readonly href: string; readonly reason: string }[];
}

export interface ReadSideInput {
  readonly side: Side;
  readonly store: CollectionStore;
  /**
   * The pair's status rows, asked for only when needed: a delta that reports no change never loads them (a pair's
   * rows can be thousands; a no-change run of a quiet mailbox should cost its two token reads and little else).
   */
  readonly rows: () => Promise<readonly StatusRow[]>;
  readonly token: string | undefined;
  readonly retry: readonly string[];
  readonly window: SyncWindow;
  readonly reconcile: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: RunProgress) => void;
}

const BATCH = 50;

/**
 * Learns what changed on one side: the delta since its token, or, on a first run, a reconcile or a refused
 * token, the windowed listing. Absence from a listing is never taken as deletion: every linked item the listing
 * no longer names is read directly, and only a not-found there is evidence.
 */
export async function readSide(input: ReadSideInput): Promise<SideRead> {
  const { side, store, signal } = input;
  const progress = input.onProgress;
  progress?.({ phase: 'listing', side, done: 0, planned: null });
  const indexRows = async () => {
    const byHref = new Map<string, StatusRow>();
    for (const row of await input.rows()) {
      const s = row[side];
      if (s) byHref.set(s.href, row);
    }
    return byHref;
  };
  const observations = new Map<string, Observation>();
  const toFetch = new Set<string>();
  const unlisted = new Set<string>();
  let mode: SideRead['mode'] = 'delta';
  let tokenInvalid = false;
  let emptied = false;
  let nextToken: string | undefined;

  if (input.token !== undefined && store.caps.deltas && !input.reconcile) {
    try {
      const collapsed = new Map<string, Change>();
      let token = input.token;
      for (;;) {
        const page = await store.changesSince(token, signal);
        // Collapse: the last change of an href in the round wins (EWS may report Create, then Update).
        for (const change of page.changes) {
          const href = change.type === 'upsert' ? change.ref.href : change.href;
          collapsed.delete(href);
          collapsed.set(href, change);
        }
        token = page.nextToken;
        progress?.({ phase: 'listing', side, done: collapsed.size, planned: null });
        if (!page.more) break;
      }
      nextToken = token;
      const rowByHref = collapsed.size > 0 ? await indexRows() : new Map<string, StatusRow>();
      for (const [href, change] of collapsed) {
        if (change.type === 'delete') {
          observations.set(href, change.reason === 'deleted' ? { type: 'gone', href } : { type: 'left-window', href });
        } else if (change.fetched) {
          observations.set(href, { type: 'present', fetched: change.fetched });
        } else if (rowByHref.get(href)?.[side]?.version === change.ref.version) {
          observations.set(href, { type: 'unchanged', ref: change.ref });
        } else toFetch.add(href);
      }
    } catch (error) {
      if (!(error instanceof InvalidSyncTokenError)) throw error;
      tokenInvalid = true;
    }
  }
  if (nextToken === undefined) {
    mode = 'reconcile';
    // Read before listing, so a change made while we list is reported again next time rather than lost.
    nextToken = await store.startToken(input.window, signal);
    const rowByHref = await indexRows();
    const listed = new Set<string>();
    for await (const item of store.listWindow(input.window, signal)) {
      listed.add(item.href);
      progress?.({ phase: 'listing', side, done: listed.size, planned: null });
      if (rowByHref.get(item.href)?.[side]?.version === item.version) {
        observations.set(item.href, { type: 'unchanged', ref: { href: item.href, version: item.version } });
      } else toFetch.add(item.href);
    }
    let live = 0;
    for (const [href, row] of rowByHref) {
      if (row.dormant || listed.has(href)) continue;
      live += 1;
      unlisted.add(href);
      toFetch.add(href);
    }
    emptied = listed.size === 0 && live > 0;
  }
  for (const href of input.retry) {
    const seen = observations.get(href);
    if (seen?.type !== 'present' && seen?.type !== 'gone') toFetch.add(href);
  }

  const unreadable: { href: string; reason: string }[] = [];
  const hrefs = [...toFetch];
  progress?.({ phase: 'fetching', side, done: 0, planned: hrefs.length });
  for (let i = 0; i < hrefs.length; i += BATCH) {
    const batch = hrefs.slice(i, i + BATCH);
    for (const result of await fetchBatch(store, batch, unreadable, signal)) {
      if (result.found) {
        observations.set(result.href, {
          type: 'present',
          fetched: result.fetched,
          ...(unlisted.has(result.href) ? { outOfWindow: true } : {}),
        });
      } else observations.set(result.href, { type: 'gone', href: result.href });
    }
    progress?.({ phase: 'fetching', side, done: Math.min(hrefs.length, i + BATCH), planned: hrefs.length });
  }
  return { observations, nextToken, mode, tokenInvalid, emptied, unreadable };
}

/** One batch; when a malformed item spoils it, item by item so the rest still sync. */
async function fetchBatch(
  store: CollectionStore,
  hrefs: readonly string[],
  unreadable: { href: string; reason: string }[],
  signal: AbortSignal | undefined,
): Promise<FetchResult[]> {
  try {
    return await collect(store.getMany(hrefs, signal));
  } catch (error) {
    if (!(error instanceof InvalidItemError)) throw error;
  }
  const out: FetchResult[] = [];
  for (const href of hrefs) {
    try {
      out.push(...(await collect(store.getMany([href], signal))));
    } catch (error) {
      if (!(error instanceof InvalidItemError)) throw error;
      unreadable.push({ href, reason: error.message });
    }
  }
  return out;
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

/** Reads one href directly: the evidence the executor needs after a lost race. */
export async function readOne(store: CollectionStore, href: string, signal?: AbortSignal): Promise<Observation> {
  const [result] = await collect(store.getMany([href], signal));
  return result?.found ? { type: 'present', fetched: result.fetched } : { type: 'gone', href };
}
