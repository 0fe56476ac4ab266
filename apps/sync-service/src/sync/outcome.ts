import type { AuthCause, RunReport } from '@exsync/core';
import { AuthError, isStoreError, RetryableError } from '@exsync/core';
import type { UserState } from '@exsync/db';

/** How one pair's run ended, as the user's sync saw it. */
export type PairResult =
  | { readonly report: RunReport; readonly authSide?: AuthSide }
  /** The run could not start (discovery, pairing, a store that could not be built) or failed unexpectedly. */
  | { readonly error: unknown; readonly authSide?: AuthSide };

/** Whose credentials were refused: the user's Nextcloud app password, or the tenant's Exchange account. */
export type AuthSide = 'nextcloud' | 'exchange';

/**
 * Why the user is in their state, as a stable code a client may branch on (README "How users are synced"); the
 * reason says the same in words. Null when there is nothing to say (active).
 */
export type StateCode =
  | 'nextcloud_app_password_refused'
  | 'exchange_credentials_refused'
  | 'exchange_mailbox_not_found'
  | 'exchange_mailbox_access_denied'
  | 'throttled'
  | 'sync_failed'
  | 'internal_error'
  | 'items_failed'
  | 'deletions_held_for_review';

/** What the user's sync ended in: the state to record and whether (and when) the job should run again. */
export interface Verdict {
  readonly state: UserState;
  readonly code: StateCode | null;
  readonly reason: string | null;
  /** `none`: wait for the schedule; `after`: run again in `retryAfterMs`; `backoff`: the queue's own back-off. */
  readonly retry: 'none' | 'after' | 'backoff';
  readonly retryAfterMs?: number;
}

/** Used when another run holds a pair: try again soon, the holder finishes first. */
export const LOCKED_RETRY_MS = 30_000;

/** What a person must fix when Exchange refused, by what it refused. */
const EXCHANGE_REFUSED: Record<AuthCause, { code: StateCode; reason: string }> = {
  credentials: {
    code: 'exchange_credentials_refused',
    reason:
      'Exchange refused the service account (or app) credentials. Fix the Exchange connection; sync resumes on the next scheduled run.',
  },
  'mailbox-missing': {
    code: 'exchange_mailbox_not_found',
    reason:
      "Exchange has no mailbox for this user's address (or none Graph can reach: no Exchange Online mailbox or licence). Correct the user's mailbox address; sync resumes on the next scheduled run.",
  },
  'mailbox-access-denied': {
    code: 'exchange_mailbox_access_denied',
    reason:
      "Exchange refused the service account access to this user's mailbox (impersonation or an application access policy). Grant it access; sync resumes on the next scheduled run.",
  },
};

/**
 * Folds the pairs' results into one user state. Order matters: refused Nextcloud credentials beat everything
 * (they must not be tried again: Nextcloud's brute-force protection would lock out every user of this host),
 * then what Exchange refused, throttling, failures, items that failed, a held lock, and review.
 */
export function verdictOf(results: readonly PairResult[]): Verdict {
  const auth = results.filter(isAuthFailure);
  if (auth.some((r) => r.authSide === 'nextcloud')) {
    return {
      state: 'auth_required',
      code: 'nextcloud_app_password_refused',
      reason: 'Nextcloud refused the app password. Re-enrol the user to issue a new one; sync is stopped until then.',
      retry: 'none',
    };
  }
  const [refused] = auth;
  if (refused) return { state: 'error', ...EXCHANGE_REFUSED[refusedOf(refused)], retry: 'none' };
  const throttled = results.map(throttleMs).filter((ms): ms is number => ms !== undefined);
  if (throttled.length > 0) {
    const retryAfterMs = Math.max(...throttled);
    return {
      state: 'throttled',
      code: 'throttled',
      reason: `The server asked to slow down; the next attempt is at ${new Date(Date.now() + retryAfterMs).toISOString()}.`,
      retry: 'after',
      retryAfterMs,
    };
  }
  const failures = results.flatMap(failureText);
  if (failures.length > 0) {
    const internal = results.some((r) => 'error' in r && !isStoreError(r.error) && isProgrammingError(r.error));
    return internal
      ? {
          state: 'error',
          code: 'internal_error',
          reason: `An internal error stopped the sync (logged with its details); it will be retried: ${failures[0]}`,
          retry: 'backoff',
        }
      : {
          state: 'error',
          code: 'sync_failed',
          reason: `Sync failed and will be retried: ${failures[0]}`,
          retry: 'backoff',
        };
  }
  const parked = results.reduce(
    (n, r) =>
      n + ('report' in r && r.report.outcome === 'partial' ? r.report.parked.a.length + r.report.parked.b.length : 0),
    0,
  );
  if (parked > 0) {
    const first = results.flatMap((r) => ('report' in r && r.report.outcome === 'partial' ? r.report.errors : []))[0];
    return {
      state: 'error',
      code: 'items_failed',
      reason: `${parked} item${parked === 1 ? '' : 's'} could not be synced and will be retried within minutes${first ? `: ${first}` : '.'}`,
      retry: 'backoff',
    };
  }
  const review = results.some((r) => 'report' in r && r.report.needsReview);
  if (results.some((r) => 'report' in r && r.report.outcome === 'locked')) {
    return {
      state: review ? 'needs_review' : 'active',
      code: review ? 'deletions_held_for_review' : null,
      reason: null,
      retry: 'after',
      retryAfterMs: LOCKED_RETRY_MS,
    };
  }
  if (review) {
    return {
      state: 'needs_review',
      code: 'deletions_held_for_review',
      reason: 'Deletions were held back for review (more than the deletion policy allows, or a side looked empty).',
      retry: 'none',
    };
  }
  return { state: 'active', code: null, reason: null, retry: 'none' };
}

function refusedOf(r: PairResult): AuthCause {
  if ('report' in r) return r.report.refused ?? 'credentials';
  return r.error instanceof AuthError ? r.error.refused : 'credentials';
}

/** A bug in our code rather than a peer's or a setting's fault. */
function isProgrammingError(error: unknown): boolean {
  return (
    error instanceof TypeError ||
    error instanceof RangeError ||
    error instanceof ReferenceError ||
    error instanceof SyntaxError
  );
}

function isAuthFailure(r: PairResult): boolean {
  return 'report' in r ? r.report.outcome === 'auth-failed' : r.error instanceof AuthError;
}

function throttleMs(r: PairResult): number | undefined {
  if ('report' in r) return r.report.outcome === 'throttled' ? (r.report.retryAfterMs ?? 60_000) : undefined;
  return r.error instanceof RetryableError && r.error.retryAfterMs !== undefined && r.error.retryAfterMs > 0
    ? r.error.retryAfterMs
    : undefined;
}

function failureText(r: PairResult): string[] {
  if ('report' in r) {
    return r.report.outcome === 'unavailable' ? [r.report.errors[0] ?? 'a server could not be reached'] : [];
  }
  return [describeError(r.error)];
}

/** A message safe to store and show: the error's own text, never a request with credentials in it. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 500);
  return String(error).slice(0, 500);
}
