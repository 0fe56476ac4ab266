import type { Side, SyncPolicy, SyncWindow } from '@exsync/core';
import { defaultGuard } from '@exsync/core';
import type { ItemKindName, SyncSettings } from '../settings';

/** The composition root's one decision about sides: Exchange is side a, Nextcloud side b. */
export const EXCHANGE_SIDE: Side = 'a';
export const NEXTCLOUD_SIDE: Side = 'b';

const DAY_MS = 86_400_000;

/** The engine's policy for one item kind, from the tenant's settings (README "Sync settings"). */
export function policyFor(settings: SyncSettings, kind: ItemKindName): SyncPolicy {
  return {
    conflict: conflictOf(settings.conflictPolicy.kind),
    direction: directionOf(settings.itemKinds[kind].direction),
    deletions: settings.deletionPolicy.kind === 'never' ? { type: 'quarantine' } : { type: 'propagate' },
    guard:
      settings.deletionPolicy.kind === 'propagate'
        ? {
            ...defaultGuard,
            maxRatio: settings.deletionPolicy.maxPercent / 100,
            maxCount: settings.deletionPolicy.maxCount,
          }
        : defaultGuard,
  };
}

function conflictOf(kind: SyncSettings['conflictPolicy']['kind']): SyncPolicy['conflict'] {
  switch (kind) {
    case 'exchange-wins':
      return { type: 'side-wins', side: EXCHANGE_SIDE };
    case 'nextcloud-wins':
      return { type: 'side-wins', side: NEXTCLOUD_SIDE };
    // Unknown or equal times go to Exchange, the side that owns scheduling.
    case 'newest':
      return { type: 'newest', fallback: EXCHANGE_SIDE };
    case 'keep-both':
      return { type: 'keep-both', keep: EXCHANGE_SIDE };
  }
}

function directionOf(direction: SyncSettings['itemKinds'][ItemKindName]['direction']): SyncPolicy['direction'] {
  switch (direction) {
    case 'two-way':
      return { type: 'two-way' };
    // A one-way mirror leaves the read-only side's own edits alone rather than overwriting a person's work.
    case 'exchange-to-nextcloud':
      return { type: 'one-way', from: EXCHANGE_SIDE, readOnlyEdits: 'ignore' };
    case 'nextcloud-to-exchange':
      return { type: 'one-way', from: NEXTCLOUD_SIDE, readOnlyEdits: 'ignore' };
  }
}

/**
 * The window from the settings, on whole UTC days: a window recomputed every run would "slide" every run, and
 * the engine reconciles whenever the window moves.
 */
export function windowFor(settings: SyncSettings, now: Date): SyncWindow {
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  return {
    start: new Date(today - settings.window.daysBack * DAY_MS).toISOString(),
    end: new Date(today + (settings.window.daysAhead + 1) * DAY_MS).toISOString(),
  };
}
