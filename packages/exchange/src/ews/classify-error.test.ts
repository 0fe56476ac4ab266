import {
  AuthError,
  InvalidSyncTokenError,
  NotFoundError,
  PreconditionFailedError,
  RejectedError,
  RetryableError,
} from '@exsync/core';
import { ServiceError } from 'ews-javascript-api';
import { describe, expect, it } from 'vitest';
import { classifyEwsError } from './classify-error';

/** The shapes ews-javascript-api rejects with: ServiceResponseException (in-band) and SoapFaultDetails (fault). */
const inBand = (code: ServiceError) => ({ ErrorCode: code, Message: 'text that must not matter' });
const fault = (code: ServiceError, status = 500) => ({ ResponseCode: code, HttpStatusCode: status, message: 'x' });

describe('classifyEwsError', () => {
  it.each([
    [ServiceError.ErrorItemNotFound, NotFoundError],
    [ServiceError.ErrorIrresolvableConflict, PreconditionFailedError],
    [ServiceError.ErrorChangeKeyRequiredForWriteOperations, PreconditionFailedError],
    [ServiceError.ErrorStaleObject, PreconditionFailedError],
    [ServiceError.ErrorInvalidSyncStateData, InvalidSyncTokenError],
    [ServiceError.ErrorNonExistentMailbox, AuthError],
    [ServiceError.ErrorImpersonateUserDenied, AuthError],
    [ServiceError.ErrorImpersonationDenied, AuthError],
    [ServiceError.ErrorServerBusy, RetryableError],
    [ServiceError.ErrorMailboxMoveInProgress, RetryableError],
    [ServiceError.ErrorAccessDenied, RejectedError],
  ])('maps %s by its code, in-band or as a fault', (code, type) => {
    expect(classifyEwsError(inBand(code))).toBeInstanceOf(type);
    expect(classifyEwsError(fault(code))).toBeInstanceOf(type);
  });

  it.each([
    [ServiceError.ErrorNonExistentMailbox, 'mailbox-missing'],
    [ServiceError.ErrorImpersonateUserDenied, 'mailbox-access-denied'],
    [ServiceError.ErrorImpersonationDenied, 'mailbox-access-denied'],
  ])('names the real cause of %s: %s, not refused credentials', (code, refused) => {
    expect(classifyEwsError(fault(code))).toMatchObject({ refused });
    expect(classifyEwsError(inBand(code))).toMatchObject({ refused });
  });

  it('an HTTP 401 is refused credentials', () => {
    expect(classifyEwsError({ HttpStatusCode: 401 })).toMatchObject({ code: 'auth', refused: 'credentials' });
  });

  it.each([
    ServiceError.ErrorSchemaValidation,
    ServiceError.ErrorInvalidPropertyRequest,
    ServiceError.ErrorInvalidPropertySet,
    ServiceError.ErrorCalendarInvalidRecurrence,
    ServiceError.ErrorCalendarEndDateIsEarlierThanStartDate,
    ServiceError.ErrorInvalidValueForProperty,
  ])('refuses the item (not a retry) when Exchange says it cannot hold what was written: %s', (code) => {
    expect(classifyEwsError(inBand(code))).toMatchObject({ code: 'rejected', reason: 'unsupported' });
    expect(classifyEwsError(fault(code))).toMatchObject({ code: 'rejected', reason: 'unsupported' });
  });

  it('reads BackOffMilliseconds from the error details', () => {
    const details = new Map([['BackOffMilliseconds', '1234']]);
    const error = classifyEwsError({ ...fault(ServiceError.ErrorServerBusy), errorDetails: details });
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).retryAfterMs).toBe(1234);
  });

  it('treats HTTP 401 as AuthError whatever code the library filled in, and 503/429/no answer as retryable', () => {
    expect(classifyEwsError(fault(ServiceError.ErrorInternalServerError, 401))).toBeInstanceOf(AuthError);
    expect(classifyEwsError({}, { requests: 1, status: 503, retryAfterMs: 5000 })).toMatchObject({
      code: 'retryable',
      retryAfterMs: 5000,
    });
    expect(classifyEwsError({}, { requests: 1, status: 429 })).toBeInstanceOf(RetryableError);
    expect(classifyEwsError(new Error('socket hang up'), { requests: 1, network: true })).toBeInstanceOf(
      RetryableError,
    );
  });

  it('never looks at message text: the same message with another code classifies differently', () => {
    const message = 'The specified object was not found in the store.';
    expect(classifyEwsError({ ErrorCode: ServiceError.ErrorServerBusy, Message: message })).toBeInstanceOf(
      RetryableError,
    );
  });
});

describe('classifyEwsError keeps secrets out of the error it returns', () => {
  it('does not carry the raw rejection (which may hold the Authorization header) as cause', () => {
    const raw = { status: 500, config: { headers: { Authorization: 'Basic c2VjcmV0' } }, responseText: '<html/>' };
    const error = classifyEwsError(raw, { requests: 1, status: 500 });
    expect(error).toBeInstanceOf(RetryableError);
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('c2VjcmV0');
    expect(String((error.cause as Error).stack)).not.toContain('c2VjcmV0');
    expect(JSON.stringify(error.cause)).not.toContain('c2VjcmV0');
  });
});
