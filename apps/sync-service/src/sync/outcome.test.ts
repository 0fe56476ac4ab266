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
  it('is active with no reason when every pair succeeded', () => {
    expect(verdictOf([{ report: report({}) }, { report: report({}) }])).toEqual({
      state: 'active',
      code: null,
      reason: null,
      retry: 'none',
    });
  });

  it('says so when items failed (a partial run): error with the reason, retried with back-off, not at the next interval', () => {
    const v = verdictOf([
      { report: report({}) },
      {
        report: report({
          outcome: 'partial',
          parked: { a: [], b: ['/b/1', '/b/2'] },
          errors: ['t1: RetryableError: Nextcloud is unavailable (HTTP 503)', 't2: RetryableError: HTTP 503'],
        }),
      },
    ]);
    expect(v).toMatchObject({ state: 'error', code: 'items_failed', retry: 'backoff' });
    expect(v.reason).toContain('2 items');
    expect(v.reason).toContain('HTTP 503');
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
    expect(v).toMatchObject({ state: 'error', code: 'exchange_credentials_refused', retry: 'none' });
    expect(v.reason).toMatch(/Exchange/);
  });

  it('names a missing mailbox and a refused impersonation as what they are, not as refused credentials', () => {
    const missing = verdictOf([
      { report: report({ outcome: 'auth-failed', refused: 'mailbox-missing' }), authSide: 'exchange' },
    ]);
    expect(missing).toMatchObject({ state: 'error', code: 'exchange_mailbox_not_found', retry: 'none' });
    expect(missing.reason).toMatch(/mailbox/);
    expect(missing.reason).not.toMatch(/credentials/);
    const denied = verdictOf([
      { error: new AuthError('no', { refused: 'mailbox-access-denied' }), authSide: 'exchange' },
    ]);
    expect(denied).toMatchObject({ state: 'error', code: 'exchange_mailbox_access_denied', retry: 'none' });
    expect(denied.reason).toMatch(/impersonat/);
    expect(denied.reason).not.toMatch(/credentials/);
  });

  it('a programming error is named an internal error, with its text', () => {
    expect(verdictOf([{ error: new TypeError('x is not a function') }])).toMatchObject({
      state: 'error',
      code: 'internal_error',
      reason: expect.stringContaining('TypeError: x is not a function'),
    });
  });

  it('is throttled, retrying after the longest Retry-After any pair was given', () => {
    const v = verdictOf([
      { report: report({ outcome: 'throttled', retryAfterMs: 5000 }) },
      { error: new RetryableError('busy', { retryAfterMs: 90_000 }) },
    ]);
    expect(v).toMatchObject({ state: 'throttled', code: 'throttled', retry: 'after', retryAfterMs: 90_000 });
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
      code: null,
      reason: null,
      retry: 'after',
      retryAfterMs: LOCKED_RETRY_MS,
    });
  });
});
