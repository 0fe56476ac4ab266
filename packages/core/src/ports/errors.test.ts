import { describe, expect, it } from 'vitest';
import {
  AuthError,
  InvalidItemError,
  InvalidSyncTokenError,
  isStoreError,
  NotFoundError,
  PreconditionFailedError,
  RejectedError,
  RetryableError,
} from './errors';

/**
 * The port's errors are a contract: adapters raise them, the engine and the service switch on `code` (never on the
 * message), logs show the class name.
 */
describe('store errors', () => {
  it('each names its class and carries its stable code', () => {
    const errors = [
      new PreconditionFailedError('x'),
      new NotFoundError('x'),
      new RetryableError('x'),
      new AuthError('x'),
      new InvalidSyncTokenError('x'),
      new InvalidItemError('x'),
      new RejectedError('x', 'too-large'),
    ];
    expect(errors.map((e) => [e.name, e.code])).toEqual([
      ['PreconditionFailedError', 'precondition-failed'],
      ['NotFoundError', 'not-found'],
      ['RetryableError', 'retryable'],
      ['AuthError', 'auth'],
      ['InvalidSyncTokenError', 'invalid-sync-token'],
      ['InvalidItemError', 'invalid-item'],
      ['RejectedError', 'rejected'],
    ]);
    expect(errors.every(isStoreError)).toBe(true);
    expect(isStoreError(new Error('x'))).toBe(false);
  });

  it('a refused login names the credentials unless the adapter knows better', () => {
    expect(new AuthError('x').refused).toBe('credentials');
    expect(new AuthError('x', { refused: 'mailbox-missing' }).refused).toBe('mailbox-missing');
  });

  it('a retryable error keeps the peer’s advice and the cause', () => {
    const cause = new Error('reset');
    const e = new RetryableError('x', { retryAfterMs: 1500, cause });
    expect([e.retryAfterMs, e.cause]).toEqual([1500, cause]);
    expect(new RetryableError('x').retryAfterMs).toBeUndefined();
    expect(new RejectedError('x', 'uid-conflict').reason).toBe('uid-conflict');
  });
});
