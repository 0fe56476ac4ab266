/**
 * A sync's outcome in the admin's words: the last success and the last attempt apart, a partial sync named as such,
 * each item kind's writes per direction, and for every item that failed what to do about it (by the service's code).
 */
import type { ItemError, ItemKind, KindRun, Outcome, RunCounts, ServiceUser } from './api';
import { n, t } from './l10n';

export function kindLabel(kind: ItemKind | null | undefined): string {
  if (kind === 'event') return t('Calendar');
  if (kind === 'contact') return t('Contacts');
  if (kind === 'task') return t('Tasks');
  return t('Before syncing');
}

export function outcomeLabel(outcome: Outcome): string {
  switch (outcome) {
    case 'running':
      return t('Running');
    case 'success':
      return t('Succeeded');
    case 'partial':
      return t('Partly succeeded');
    case 'failed':
      return t('Failed');
    case 'cancelled':
      return t('Cancelled');
  }
}

export function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : t('never');
}

/**
 * The last sync of a list row was partial: every kind ran, some items failed. The list does not carry the last run,
 * so the row reads the service's stateCode, which says exactly that (items_failed is only set when no kind failed
 * as a whole); a user's own record (lastRun) says it directly.
 */
export function lastSyncPartial(user: Pick<ServiceUser, 'stateCode' | 'lastRun'>): boolean {
  if (user.lastRun) return user.lastRun.outcome === 'partial';
  return user.stateCode === 'items_failed';
}

/** The last attempt is worth showing apart when it did not succeed: it is newer than the last success. */
export function attemptDiffers(user: Pick<ServiceUser, 'lastSuccessAt' | 'lastAttemptAt'>): boolean {
  if (!user.lastAttemptAt) return false;
  return !user.lastSuccessAt || Date.parse(user.lastAttemptAt) > Date.parse(user.lastSuccessAt);
}

function actionLabel(action: string, count: number): string {
  if (action === 'create') return n('{count} created', '{count} created', count, { count });
  if (action === 'update') return n('{count} updated', '{count} updated', count, { count });
  if (action === 'delete') return n('{count} deleted', '{count} deleted', count, { count });
  return `${action}: ${count}`;
}

/** One direction's writes, e.g. "2 created, 1 updated"; "none" when it wrote nothing. */
export function directionLabel(counts: RunCounts, direction: 'exchange_to_nextcloud' | 'nextcloud_to_exchange') {
  const parts = Object.entries(counts[direction] ?? {})
    .filter(([, count]) => count > 0)
    .map(([action, count]) => actionLabel(action, count));
  return parts.length > 0 ? parts.join(', ') : t('none');
}

/**
 * Items that failed, all of them: the failed writes the counts keep (itemErrors lists only the first 100), or the
 * listed items when more (an item that could not be read is listed but was never a write).
 */
export function failedCount(run: Pick<KindRun, 'counts' | 'itemErrors'>): number {
  const writes = Object.values(run.counts.failed ?? {}).reduce((a, b) => a + b, 0);
  return Math.max(writes, run.itemErrors.length);
}

export function requestsLabel(requests: KindRun['requests']): string {
  if (!requests) return t('not counted');
  return t('Exchange {exchange}, Nextcloud {nextcloud}', requests);
}

export function durationLabel(ms: number | null): string {
  if (ms === null) return '';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function sideLabel(side: ItemError['side']): string {
  if (side === 'exchange') return 'Exchange';
  if (side === 'nextcloud') return 'Nextcloud';
  return t('unknown');
}

/** What the admin (or the item's owner) does about one failed item, by the service's code and the side it names. */
export function itemAdvice(error: Pick<ItemError, 'code' | 'side'>): string {
  const side = error.side === null ? t('The server') : sideLabel(error.side);
  switch (error.code) {
    case 'rejected':
      return t(
        '{side} refused this item for good (too large, a duplicate or a read-only folder). Shorten it or remove large attachments where it was made, or make the folder in {side} writable; it is tried again when the item changes.',
        { side },
      );
    case 'invalid-item':
      return t(
        'The item cannot be read (malformed calendar or contact data). Open and save it again in {side}, or recreate it; it is skipped, never deleted.',
        { side },
      );
    case 'retryable':
      return t(
        'Nothing to do: {side} failed for a moment (busy, timeout or a server error); it is retried within minutes.',
        {
          side,
        },
      );
    case 'not-found':
      return t('Nothing to do: the item was deleted in {side} while the sync ran; the next sync settles it.', { side });
    case 'precondition-failed':
      return t(
        'Nothing to do: the item changed in {side} while the sync wrote it; the next sync takes the newer version.',
        {
          side,
        },
      );
    default:
      return t('The reason says what happened. If it repeats, send the service log to its operator.');
  }
}
