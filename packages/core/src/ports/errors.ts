/**
 * The failures a store may report. Adapters translate their protocol's errors into these; the engine decides
 * what to do; only the HTTP edge turns them into status codes. Nothing is ever recognised by its message text:
 * switch on `code`.
 */
export abstract class StoreError extends Error {
  abstract readonly code: StoreErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export type StoreErrorCode =
  | 'precondition-failed'
  | 'not-found'
  | 'retryable'
  | 'auth'
  | 'invalid-sync-token'
  | 'invalid-item'
  | 'rejected';

/** A conditional write lost the race: the item changed since we read it (HTTP 412, stale ChangeKey). */
export class PreconditionFailedError extends StoreError {
  readonly code = 'precondition-failed';
}

/** The item is gone (HTTP 404, ErrorItemNotFound): positive evidence of a deletion. */
export class NotFoundError extends StoreError {
  readonly code = 'not-found';
}

/** Try again later: throttling, 5xx, timeouts, resets. `retryAfterMs` is the peer's own advice when it gave one. */
export class RetryableError extends StoreError {
  readonly code = 'retryable';
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/**
 * What exactly was refused, so a person is told what to fix: the credentials themselves, a mailbox that does not
 * exist (or has no Exchange Online mailbox), or an account that may not reach this mailbox (impersonation or an
 * application access policy refused).
 */
export type AuthCause = 'credentials' | 'mailbox-missing' | 'mailbox-access-denied';

/**
 * Credentials were refused, or the mailbox cannot be reached with them. Fatal for this user until an admin acts:
 * no further request may be sent. `refused` names what to fix.
 */
export class AuthError extends StoreError {
  readonly code = 'auth';
  readonly refused: AuthCause;
  constructor(message: string, options?: { cause?: unknown; refused?: AuthCause }) {
    super(message, options);
    this.refused = options?.refused ?? 'credentials';
  }
}

/** The sync token is unknown or expired (DAV 403 valid-sync-token, EWS ErrorInvalidSyncStateData, Graph 410). */
export class InvalidSyncTokenError extends StoreError {
  readonly code = 'invalid-sync-token';
}

/** The item's content cannot be read (malformed iCalendar/vCard). It is skipped and reported, never deleted. */
export class InvalidItemError extends StoreError {
  readonly code = 'invalid-item';
}

/** The peer refused this one write for good (too large, duplicate UID, read-only collection). */
export class RejectedError extends StoreError {
  readonly code = 'rejected';
  readonly reason: 'too-large' | 'uid-conflict' | 'read-only' | 'forbidden' | 'unsupported';
  constructor(message: string, reason: RejectedError['reason'], options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

export function isStoreError(error: unknown): error is StoreError {
  return error instanceof StoreError;
}
