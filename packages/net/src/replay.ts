/**
 * Whether a request may be sent again after a failure that leaves open whether the server applied it (a timeout,
 * a reset connection, a 5xx). Sending it again must not apply it twice:
 *
 * - reads (GET, HEAD, PROPFIND, REPORT, OPTIONS) change nothing;
 * - PUT and DELETE are idempotent (RFC 9110 §9.2.2): the same body at the same URL, the same deletion. A
 *   conditional one (If-Match, or If-None-Match: * on a DAV create) applied the first time fails the second time
 *   with 412 (or 404) instead of applying again — the caller then checks by reading;
 * - PATCH only when conditional (If-Match): a replay of an applied one then fails with 412;
 * - a create (POST) only with an idempotency key the server honours (Graph events: `transactionId`); a create
 *   without one is never resent: the caller looks the item up by its marker instead.
 *
 * Protocol-neutral: each adapter says what its request is; only this rule decides.
 */
export interface ReplayShape {
  readonly method: string;
  /** Carries If-Match or If-None-Match, so a replay of an applied write fails instead of applying twice. */
  readonly conditional?: boolean;
  /** Carries an idempotency key the server is known to honour. */
  readonly idempotencyKey?: boolean;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PROPFIND', 'REPORT', 'PUT', 'DELETE']);

export function isReplaySafe(request: ReplayShape): boolean {
  const method = request.method.toUpperCase();
  if (IDEMPOTENT.has(method) || request.idempotencyKey === true) return true;
  if (method === 'PATCH') return request.conditional === true;
  return false; // POST without a key, MKCOL, anything unknown
}
