import { AuthError, RetryableError, type RunReport } from '@exsync/core';
import { describe, expect, it } from 'vitest';
import { LOCKED_RETRY_MS, verdictOf } from './outcome';

const report = (patch: Partial<RunReport>): RunReport => ({
  outcome: 'success',
  counts: {},
  plan: [],
  needsReview: false,
  modes: { a: 'delta', b: 'delta' },
  parked: { a: [], b: [] },
  errors: [],
  ...patch,
});

describe('verdictOf: pair outcomes to the user state', () => {
  it('is active with no reason when every pair succeeded (or parked items for the next run)', () => {
    expect(verdictOf([{ report: report({}) }, { report: report({ outcome: 'partial' }) }])).toEqual({
      state: 'active',
      reason: null,
      retry: 'none',
    });
  });

  it('stops with auth_required when Nextcloud refused the app password, whatever else happened', () => {
    const v = verdictOf([
      { report: report({ outcome: 'throttled', retryAfterMs: 5000 }) },
      { report: report({ outcome: 'auth-failed' }), authSide: 'nextcloud' },
    ]);
    expect(v).toMatchObject({ state: 'auth_required', retry: 'none' });
    expect(v.reason).toMatch(/app password/);
  });

  it('reports refused Exchange credentials as an error of the connection, not of the user’s app password', () => {
    const v = verdictOf([{ error: new AuthError('401'), authSide: 'exchange' }]);
    expect(v).toMatchObject({ state: 'error', retry: 'none' });
    expect(v.reason).toMatch(/Exchange/);
  });

  it('is throttled, retrying after the longest Retry-After any pair was given', () => {
    const v = verdictOf([
      { report: report({ outcome: 'throttled', retryAfterMs: 5000 }) },
      { error: new RetryableError('busy', { retryAfterMs: 90_000 }) },
    ]);
    expect(v).toMatchObject({ state: 'throttled', retry: 'after', retryAfterMs: 90_000 });
    expect(v.reason).toMatch(/next attempt is at \d{4}-/);
  });

  it('is an error with back-off when a store was unavailable or the run failed unexpectedly', () => {
    expect(verdictOf([{ report: report({ outcome: 'unavailable', errors: ['EWS timed out'] }) }])).toMatchObject({
      state: 'error',
      retry: 'backoff',
      reason: 'Sync failed and will be retried: EWS timed out',
    });
    expect(verdictOf([{ error: new TypeError('bad') }]).reason).toContain('TypeError: bad');
  });

  it('flags needs_review when deletions were quarantined', () => {
    expect(verdictOf([{ report: report({ needsReview: true }) }])).toMatchObject({
      state: 'needs_review',
      retry: 'none',
    });
  });

  it('retries soon, without changing the state, when another run held a pair', () => {
    expect(verdictOf([{ report: report({ outcome: 'locked' }) }])).toEqual({
      state: 'active',
      reason: null,
      retry: 'after',
      retryAfterMs: LOCKED_RETRY_MS,
    });
  });
});
