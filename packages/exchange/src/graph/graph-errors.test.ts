import {
  AuthError,
  InvalidSyncTokenError,
  NotFoundError,
  PreconditionFailedError,
  RejectedError,
  RetryableError,
} from '@exsync/core';
import { describe, expect, it } from 'vitest';
import { classifyGraphFailure, parseRetryAfter } from './graph-errors';

describe('classifyGraphFailure', () => {
  const cases = [
    [401, 'InvalidAuthenticationToken', AuthError],
    [403, 'ErrorAccessDenied', AuthError],
    [403, 'ErrorSomethingElse', RejectedError],
    [404, 'ErrorItemNotFound', NotFoundError],
    [404, 'ErrorInvalidUser', AuthError],
    [404, 'MailboxNotEnabledForRESTAPI', AuthError],
    [410, 'resyncRequired', InvalidSyncTokenError],
    [400, 'syncStateNotFound', InvalidSyncTokenError],
    [412, 'ErrorIrresolvableConflict', PreconditionFailedError],
    [409, 'ErrorIrresolvableConflict', PreconditionFailedError],
    [429, 'ApplicationThrottled', RetryableError],
    [503, '', RetryableError],
    [504, '', RetryableError],
    [500, 'InternalServerError', RetryableError],
    [400, 'ErrorInvalidRequest', RejectedError],
  ] as const;
  for (const [status, code, type] of cases) {
    it(`maps ${status} ${code || '(no code)'} to ${type.name}`, () => {
      expect(classifyGraphFailure(status, { code, message: 'ignored' }, undefined, 'GET /x')).toBeInstanceOf(type);
    });
  }

  it('names the real cause: a missing mailbox, an access policy, refused credentials', () => {
    const refused = (status: number, code: string) =>
      (classifyGraphFailure(status, { code }, undefined, 'GET /users/x/calendar') as AuthError).refused;
    expect(refused(404, 'ErrorInvalidUser')).toBe('mailbox-missing');
    expect(refused(404, 'MailboxNotEnabledForRESTAPI')).toBe('mailbox-missing');
    expect(refused(404, 'ErrorNonExistentMailbox')).toBe('mailbox-missing');
    expect(refused(403, 'ErrorAccessDenied')).toBe('mailbox-access-denied');
    expect(refused(401, 'InvalidAuthenticationToken')).toBe('credentials');
  });

  it('decides by code, never by message text', () => {
    const error = classifyGraphFailure(400, { code: 'Other', message: 'syncStateNotFound' }, undefined, 'GET /x');
    expect(error).not.toBeInstanceOf(InvalidSyncTokenError);
  });

  it('carries the server’s Retry-After on retryable errors', () => {
    const error = classifyGraphFailure(429, { code: 'ApplicationThrottled' }, parseRetryAfter('3'), 'GET /x');
    expect((error as RetryableError).retryAfterMs).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2030 00:00:10 GMT', Date.parse('2030-01-01T00:00:00Z'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
