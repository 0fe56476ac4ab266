/**
 * The one way out to the network for a backend (rclone's pacer): every request goes through `pace`, which applies
 * the shared retry rule. The adapter classifies each failure — whether it is worth another try, whether the
 * server may have applied the request, and the peer's Retry-After — and never decides the retry itself.
 */

/** An adapter's verdict on one failure. */
export interface FailureVerdict {
  /** Another try may succeed (throttling, 5xx, timeout, reset). */
  readonly retryable: boolean;
  /**
   * The server may have applied the request (a timeout, a reset, a 500/502/504). False when it answered that it did
   * not (429 throttled, 503 unavailable, a refused connection).
   */
  readonly mayHaveApplied: boolean;
  /** The peer's own wait, in ms. */
  readonly retryAfterMs?: number;
}

export interface RetryPolicy {
  /** Further tries after the first. */
  readonly retries: number;
  /** A Retry-After longer than this is not waited out here: the failure goes back to the caller. */
  readonly maxWaitMs: number;
  /** The first wait when the peer gave none; doubled on each further try (capped by `maxWaitMs`). */
  readonly baseWaitMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 2, maxWaitMs: 30_000, baseWaitMs: 1000 };

/**
 * How long to wait before try `attempt + 1` (attempt 0 is the first try), or undefined to give up: the peer's
 * Retry-After when it gave one, else exponential back-off from `baseWaitMs`; never more than `maxWaitMs`.
 */
export function retryDelay(policy: RetryPolicy, attempt: number, retryAfterMs: number | undefined): number | undefined {
  if (attempt >= policy.retries) return undefined;
  const wait = retryAfterMs ?? policy.baseWaitMs * 2 ** attempt;
  if (retryAfterMs !== undefined) return wait <= policy.maxWaitMs ? wait : undefined;
  return Math.min(wait, policy.maxWaitMs);
}

export interface PacedCall<T> {
  /** One try: resolves with the answer or rejects with the adapter's own (typed) error. */
  readonly send: () => Promise<T>;
  /** The adapter's verdict on a rejection of `send`. */
  readonly classify: (error: unknown) => FailureVerdict;
  /** May `send` run again after a failure that may have been applied? (`isReplaySafe`) */
  readonly replaySafe: boolean;
  /**
   * For a request that is not replay-safe: after a failure that may have been applied, finds what the first try
   * did (a create: the item carrying our marker). Resolves undefined when it was not applied: then one more try
   * is safe.
   */
  readonly recover?: () => Promise<T | undefined>;
}

export interface PaceOptions {
  readonly policy?: RetryPolicy;
  readonly signal?: AbortSignal;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export async function pace<T>(call: PacedCall<T>, options: PaceOptions = {}): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const wait = options.sleep ?? sleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call.send();
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const verdict = call.classify(error);
      if (!verdict.retryable) throw error;
      if (verdict.mayHaveApplied && !call.replaySafe) {
        // Resending could apply it twice: ask the server what the first try did instead.
        const found = call.recover ? await call.recover() : undefined;
        if (found !== undefined) return found;
        if (!call.recover) throw error;
      }
      const delay = retryDelay(policy, attempt, verdict.retryAfterMs);
      if (delay === undefined) throw error;
      await wait(delay, options.signal);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * An adapter's memory of failures the server answered without carrying the request out (429, 503, a refused
 * connection): resending those cannot apply a write twice. Every adapter classifies its errors into one retryable
 * type; `verdict` turns that into the pacer's `FailureVerdict`.
 */
export class FailureLedger<E extends object & { readonly retryAfterMs?: number }> {
  readonly #notApplied = new WeakSet<object>();

  constructor(private readonly isRetryable: (error: unknown) => error is E) {}

  /** The server refused `error`'s request before carrying it out. */
  notApplied(error: object): void {
    this.#notApplied.add(error);
  }

  verdict = (error: unknown): FailureVerdict => {
    if (!this.isRetryable(error)) return { retryable: false, mayHaveApplied: false };
    return {
      retryable: true,
      mayHaveApplied: !this.#notApplied.has(error),
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    };
  };
}
