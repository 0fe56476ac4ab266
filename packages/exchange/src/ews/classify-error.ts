import {
  AuthError,
  InvalidSyncTokenError,
  isStoreError,
  NotFoundError,
  PreconditionFailedError,
  RejectedError,
  RetryableError,
  type StoreError,
} from '@exsync/core';
import { ServiceError } from 'ews-javascript-api';
import { EwsAnswerError } from './soap-answer';
import type { TransportFacts } from './transport';

/**
 * The one place EWS failures become the core's typed errors, by HTTP status and EWS ResponseCode — never by message
 * text. Unknown failures are retryable: a retry costs little, giving up on a transient fault loses a run.
 */
export function classifyEwsError(raw: unknown, facts: TransportFacts = { requests: 0 }): StoreError {
  if (isStoreError(raw)) return raw;
  const error = safeCause(raw);
  const status = httpStatusOf(raw) ?? facts.status;
  // An HTTP 401 carries no EWS code worth reading (the library fills in a default one).
  if (status === 401) return new AuthError('Exchange refused the credentials (HTTP 401); renew them', { cause: error });
  const code = responseCodeOf(raw);
  const backOff = backOffOf(raw);
  if (code) {
    const typed = byCode(code, error, backOff ?? facts.retryAfterMs);
    if (typed) return typed;
  }
  if (status === 403)
    return new AuthError('Exchange forbade the request (HTTP 403); check the account', { cause: error });
  if (status === 429 || status === 503 || facts.emptyServerError || facts.network || (status && status >= 500)) {
    return new RetryableError(`Exchange is unavailable (${describe(status, facts)}); try again later`, {
      cause: error,
      ...(facts.retryAfterMs !== undefined ? { retryAfterMs: facts.retryAfterMs } : {}),
    });
  }
  return new RetryableError(`EWS call failed (${code ?? describe(status, facts)})`, { cause: error });
}

/**
 * Exchange refused the call before carrying it out (HTTP 429/503, ErrorServerBusy, too many connections): resending
 * it cannot apply it twice. Anything else retryable (a timeout, a reset, a 500) may have been applied.
 */
export function refusedUnapplied(raw: unknown, facts: TransportFacts = { requests: 0 }): boolean {
  const status = httpStatusOf(raw) ?? facts.status;
  const code = responseCodeOf(raw);
  return status === 429 || status === 503 || code === 'ErrorServerBusy' || code === 'ErrorExceededConnectionCount';
}

function describe(status: number | undefined, facts: TransportFacts): string {
  if (facts.emptyServerError) return `HTTP ${status ?? 500} with an empty body`;
  if (facts.network || status === undefined) return 'no answer';
  return `HTTP ${status}`;
}

const TRANSIENT = new Set([
  'ErrorServerBusy',
  'ErrorMailboxMoveInProgress',
  'ErrorMailboxStoreUnavailable',
  'ErrorInternalServerTransientError',
  'ErrorTimeoutExpired',
  'ErrorExceededConnectionCount',
  'ErrorExceededFindCountLimit',
  'ErrorConnectionFailed',
  'ErrorInternalServerError',
]);

function byCode(code: string, cause: unknown, retryAfterMs: number | undefined): StoreError | undefined {
  if (TRANSIENT.has(code)) {
    return new RetryableError(`Exchange asked us to back off (${code})`, {
      cause,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
  switch (code) {
    case 'ErrorItemNotFound':
    case 'ErrorCalendarOccurrenceIsDeletedFromRecurrence':
      return new NotFoundError(`The item no longer exists in Exchange (${code})`, { cause });
    case 'ErrorIrresolvableConflict':
    case 'ErrorChangeKeyRequiredForWriteOperations':
    case 'ErrorStaleObject':
      return new PreconditionFailedError(`The item changed in Exchange since it was read (${code})`, { cause });
    case 'ErrorInvalidSyncStateData':
    case 'ErrorInvalidSyncStateDataType':
      return new InvalidSyncTokenError(`Exchange no longer accepts this sync state (${code})`, { cause });
    // A mailbox that does not exist or may not be impersonated is fatal for this user until an admin acts, like
    // refused credentials: AuthError stops every further request for the user (a RejectedError would only skip
    // one item and let the run hammer the server with the same misconfiguration).
    case 'ErrorNonExistentMailbox':
      return new AuthError(`The mailbox does not exist in Exchange (${code}); check the user's SMTP address`, {
        cause,
        refused: 'mailbox-missing',
      });
    case 'ErrorImpersonateUserDenied':
    case 'ErrorImpersonationDenied':
    case 'ErrorInvalidExchangeImpersonationHeaderData':
      return new AuthError(
        `The service account may not impersonate this mailbox (${code}); grant ApplicationImpersonation`,
        { cause, refused: 'mailbox-access-denied' },
      );
    case 'ErrorAccessDenied':
      return new RejectedError(`Exchange denied access (${code})`, 'forbidden', { cause });
    // Exchange cannot hold what was written (a field, a value, a recurrence): the same write fails every time, so
    // retrying only repeats it; the engine skips the item and reports it.
    case 'ErrorSchemaValidation':
    case 'ErrorInvalidPropertyRequest':
    case 'ErrorInvalidPropertySet':
    case 'ErrorInvalidRecurrence':
    case 'ErrorInvalidValueForProperty':
    case 'ErrorCalendarInvalidRecurrence':
    case 'ErrorCalendarInvalidPropertyValue':
    case 'ErrorCalendarEndDateIsEarlierThanStartDate':
      return new RejectedError(`Exchange cannot hold this item as written (${code})`, 'unsupported', { cause });
    case 'ErrorQuotaExceeded':
    case 'ErrorMessageSizeExceeded':
      return new RejectedError(`Exchange refused the item as too large (${code})`, 'too-large', { cause });
    default:
      return undefined;
  }
}

/**
 * The EWS ResponseCode of a ServiceResponseException (in-band) or SoapFaultDetails (fault), as its name; our own read
 * path's EwsAnswerError carries it as `responseCode`.
 */
function responseCodeOf(error: unknown): string | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const e = error as Record<string, unknown>;
  const candidates = [e.ErrorCode, e.ResponseCode, e.responseCode, e.errorCode];
  for (const c of candidates) {
    if (typeof c === 'number' && c !== ServiceError.NoError) {
      const name = (ServiceError as unknown as Record<number, string>)[c];
      if (name) return name;
    }
    if (typeof c === 'string' && c && c !== 'NoError') return c;
  }
  return undefined;
}

function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof EwsAnswerError) return error.httpStatus;
  const s = (error as { HttpStatusCode?: unknown } | null)?.HttpStatusCode;
  return typeof s === 'number' && s > 0 ? s : undefined;
}

/** BackOffMilliseconds from the fault's or the response message's MessageXml. */
function backOffOf(error: unknown): number | undefined {
  if (error instanceof EwsAnswerError) return error.backOffMs;
  const e = error as Record<string, unknown> | null;
  const details = [
    e?.errorDetails,
    e?.ErrorDetails,
    (e?.Response as Record<string, unknown> | undefined)?.ErrorDetails,
  ];
  for (const d of details) {
    const value = dictionaryGet(d, 'BackOffMilliseconds');
    if (value !== undefined) {
      const ms = Number(value);
      if (Number.isFinite(ms) && ms >= 0) return ms;
    }
  }
  return undefined;
}

function dictionaryGet(dict: unknown, key: string): unknown {
  if (!dict || typeof dict !== 'object') return undefined;
  const d = dict as { get?: (k: string) => unknown; containsKey?: (k: string) => boolean };
  try {
    if (typeof d.containsKey === 'function' && !d.containsKey(key)) return undefined;
    if (typeof d.get === 'function') return d.get(key);
  } catch {
    return undefined;
  }
  return (dict as Record<string, unknown>)[key];
}

/**
 * What we keep of a library failure as `cause`: its type, code, status and message. Never the object itself — on
 * some paths it is the raw axios error, whose request config carries the Authorization header.
 */
class EwsFailure extends Error {
  readonly responseCode: string | undefined;
  readonly httpStatus: number | undefined;
  constructor(raw: unknown) {
    const message =
      raw instanceof Error ? raw.message : typeof raw === 'object' && raw ? 'non-error rejection' : String(raw);
    super(message.slice(0, 500));
    this.name = 'EwsFailure';
    this.responseCode = responseCodeOf(raw);
    this.httpStatus = httpStatusOf(raw);
  }
}

function safeCause(raw: unknown): EwsFailure {
  return new EwsFailure(raw);
}
