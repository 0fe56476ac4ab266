import type { RunReport } from '@exsync/core';
import { AuthError, RetryableError } from '@exsync/core';
import type { UserState } from '@exsync/db';

/** How one pair's run ended, as the user's sync saw it. */
export type PairResult =
  | { readonly report: RunReport; readonly authSide?: AuthSide }
  /** The run could not start (discovery, pairing, a store that could not be built) or failed unexpectedly. */
  | { readonly error: unknown; readonly authSide?: AuthSide };

/** Whose credentials were refused: the user's Nextcloud app password, or the tenant's Exchange account. */
export type AuthSide = 'nextcloud' | 'exchange';

/** What the user's sync ended in: the state to record and whether (and when) the job should run again. */
export interface Verdict {
  readonly state: UserState;
  readonly reason: string | null;
  /** `none`: wait for the schedule; `after`: run again in `retryAfterMs`; `backoff`: the queue's own back-off. */
  readonly retry: 'none' | 'after' | 'backoff';
  readonly retryAfterMs?: number;
}

/** Used when another run holds a pair: try again soon, the holder finishes first. */
export const LOCKED_RETRY_MS = 30_000;

/**
 * Folds the pairs' results into one user state. Order matters: refused Nextcloud credentials beat everything
 * (they must not be tried again: Nextcloud's brute-force protection would lock out every user of this host),
 * then refused Exchange credentials, throttling, failures, a held lock, and review.
 */
export function verdictOf(results: readonly PairResult[]): Verdict {
  const auth = results.filter(isAuthFailure);
  if (auth.some((r) => r.authSide === 'nextcloud')) {
    return {
      state: 'auth_required',
      reason: 'Nextcloud refused the app password. Re-enrol the user to issue a new one; sync is stopped until then.',
      retry: 'none',
    };
  }
  if (auth.length > 0) {
    return {
      state: 'error',
      reason:
        'Exchange refused the service account (or app) credentials. Fix the Exchange connection; sync resumes on the next scheduled run.',
      retry: 'none',
    };
  }
  const throttled = results.map(throttleMs).filter((ms): ms is number => ms !== undefined);
  if (throttled.length > 0) {
    const retryAfterMs = Math.max(...throttled);
    return {
      state: 'throttled',
      reason: `The server asked to slow down; the next attempt is at ${new Date(Date.now() + retryAfterMs).toISOString()}.`,
      retry: 'after',
      retryAfterMs,
    };
  }
  const failures = results.flatMap(failureText);
  if (failures.length > 0) {
    return { state: 'error', reason: `Sync failed and will be retried: ${failures[0]}`, retry: 'backoff' };
  }
  const review = results.some((r) => 'report' in r && r.report.needsReview);
  if (results.some((r) => 'report' in r && r.report.outcome === 'locked')) {
    return {
      state: review ? 'needs_review' : 'active',
      reason: null,
      retry: 'after',
      retryAfterMs: LOCKED_RETRY_MS,
    };
  }
  if (review) {
    return {
      state: 'needs_review',
      reason: 'Deletions were held back for review (more than the deletion policy allows, or a side looked empty).',
      retry: 'none',
    };
  }
  return { state: 'active', reason: null, retry: 'none' };
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
