import {
  AuthError,
  InvalidSyncTokenError,
  NotFoundError,
  PreconditionFailedError,
  RejectedError,
  RetryableError,
  type StoreError,
} from '@exsync/core';

/** The `error` member of a Graph error body; only `code` is ever used to decide anything. */
export interface GraphErrorBody {
  readonly code?: string;
  readonly message?: string;
}

/** 403 codes that mean "this app may not touch this mailbox" (missing role, RAOP / RBAC scope): an admin must act. */
const ACCESS_DENIED_CODES = new Set(['ErrorAccessDenied', 'Authorization_RequestDenied', 'AccessDenied']);

/**
 * 404 codes that mean "this user has no mailbox Graph can reach": unknown user (`ErrorInvalidUser`), no Exchange
 * Online mailbox or licence, or one hosted on-premises (`MailboxNotEnabledForRESTAPI`), no mailbox behind the
 * address (`ErrorNonExistentMailbox`). Unlike an item's 404 (`ErrorItemNotFound`), nothing in it can be synced.
 */
const MAILBOX_MISSING_CODES = new Set(['ErrorInvalidUser', 'MailboxNotEnabledForRESTAPI', 'ErrorNonExistentMailbox']);

/**
 * Translates one Graph answer (outer or a `$batch` inner response) into the core's typed errors, by HTTP status and
 * error `code` only — never by message text. The message names the request but never a header or token.
 */
export function classifyGraphFailure(
  status: number,
  error: GraphErrorBody | undefined,
  retryAfterMs: number | undefined,
  what: string,
): StoreError {
  const code = error?.code ?? '';
  const detail = `${what}: HTTP ${status}${code ? ` ${code}` : ''}`;
  if (code === 'syncStateNotFound' || code === 'resyncRequired' || status === 410) {
    return new InvalidSyncTokenError(`${detail} — the delta token expired; run a windowed reconcile`);
  }
  if (code === 'ErrorIrresolvableConflict' || status === 412) {
    return new PreconditionFailedError(`${detail} — the item changed since it was read`);
  }
  switch (status) {
    case 401:
      return new AuthError(`${detail} — the app's credentials were refused; renew them`);
    case 403:
      return ACCESS_DENIED_CODES.has(code)
        ? new AuthError(`${detail} — the app may not access this mailbox (role or access policy); ask an admin`, {
            refused: 'mailbox-access-denied',
          })
        : new RejectedError(`${detail} — the write is forbidden`, 'forbidden');
    case 404:
      return MAILBOX_MISSING_CODES.has(code)
        ? new AuthError(`${detail} — the user has no mailbox Graph can reach; check the address`, {
            refused: 'mailbox-missing',
          })
        : new NotFoundError(`${detail} — not found`);
    case 409:
      return new PreconditionFailedError(`${detail} — conflicting change`);
    case 413:
      return new RejectedError(`${detail} — too large`, 'too-large');
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return new RetryableError(`${detail} — try again later`, retryAfterMs !== undefined ? { retryAfterMs } : {});
    default:
      return status >= 500
        ? new RetryableError(`${detail} — server error`, retryAfterMs !== undefined ? { retryAfterMs } : {})
        : new RejectedError(`${detail} — request refused`, 'unsupported');
  }
}

/** `Retry-After` in seconds (Graph) or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
