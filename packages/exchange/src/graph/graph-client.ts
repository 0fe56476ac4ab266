import { AuthError, RetryableError, type StoreError } from '@exsync/core';
import {
  FailureLedger,
  httpFetch,
  isReplaySafe,
  pace,
  parseRetryAfter,
  type RetryPolicy,
  retryDelay,
  sleep,
} from '@exsync/net';
import { classifyGraphFailure, type GraphErrorBody } from './graph-errors';
import type { AccessTokenProvider } from './token-provider';

export interface GraphClientOptions {
  /** Graph root including the version, e.g. `https://graph.microsoft.com/v1.0` (a simulator may be http). */
  readonly baseUrl: string;
  readonly tokens: AccessTokenProvider;
  /** Per-request timeout. Default 30 s. */
  readonly timeoutMs?: number;
  /** How often a throttled or failed request is retried before the error reaches the engine. Default 2. */
  readonly retries?: number;
  /** A Retry-After longer than this is not waited out here: the engine gets a RetryableError. Default 30 s. */
  readonly maxRetryWaitMs?: number;
  /** Wait when the server gave no Retry-After. Default 1 s. */
  readonly defaultRetryWaitMs?: number;
  /**
   * Requests in flight at once. Exchange Online refuses the fifth concurrent request per app and mailbox with a
   * 429, so a client serving one mailbox keeps to 4 (the default).
   */
  readonly maxConcurrent?: number;
  /**
   * Injected for tests. Default: `httpFetch` (`@exsync/net`), the same request over `node:http` keep-alive without
   * the global fetch's web streams and WebIDL work (~0.6 ms CPU a request; a first sync sends one per 20 items and
   * one per series). It asks for no compression: Graph's JSON comes uncompressed, which costs bytes, not CPU.
   */
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface GraphRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** A path below the base URL (`/users/...`) or an absolute link the server gave (nextLink, deltaLink). */
  readonly url: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface GraphResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export interface BatchResult {
  readonly status: number;
  readonly body: unknown;
  /** Set when the inner request failed: the classified error. */
  readonly error?: StoreError;
}

/** Every request asks for immutable ids (stable across moves) and UTC date-times. */
/**
 * Immutable ids, times in UTC, and event bodies as text: Exchange Online keeps them as HTML and would otherwise
 * return a text body wrapped in HTML, which reads back as a different description.
 */
const DEFAULT_PREFER = ['IdType="ImmutableId"', 'outlook.timezone="UTC"', 'outlook.body-content-type="text"'];

/** Graph `$batch` takes at most 20 requests. */
const BATCH_LIMIT = 20;

/**
 * A small Microsoft Graph client on Node's fetch (the Graph SDK drops the Authorization header on non-Graph
 * hosts; see reference §3.10). One retry policy for everything: 429/503/504 honour Retry-After, timeouts and
 * resets are retried, and every other failure becomes a typed core error. After a 401 the client refuses to send
 * anything more with these credentials.
 */
export class GraphClient {
  readonly baseUrl: string;
  readonly #tokens: AccessTokenProvider;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #maxWait: number;
  readonly #defaultWait: number;
  readonly #policy: RetryPolicy;
  readonly #fetch: typeof fetch;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  #refused: AuthError | undefined;
  readonly #maxConcurrent: number;
  #inFlight = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(options: GraphClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#tokens = options.tokens;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#retries = options.retries ?? 2;
    this.#maxWait = options.maxRetryWaitMs ?? 30_000;
    this.#defaultWait = options.defaultRetryWaitMs ?? 1000;
    this.#policy = { retries: this.#retries, maxWaitMs: this.#maxWait, baseWaitMs: this.#defaultWait };
    this.#fetch = options.fetch ?? httpFetch;
    this.#sleep = options.sleep ?? sleep;
    this.#maxConcurrent = Math.max(1, options.maxConcurrent ?? 4);
  }

  /** True once a 401 was seen: no further request will be sent. */
  get refused(): boolean {
    return this.#refused !== undefined;
  }

  /** Whether `url` is a link on this client's Graph root (never follow a link to anywhere else). */
  owns(url: string): boolean {
    return url.startsWith(`${this.baseUrl}/`);
  }

  /**
   * Sends one request through the shared pacer (`@exsync/net`); resolves with 2xx answers only. What may be
   * resent is decided there: reads, PUT/DELETE, a PATCH with If-Match, a POST with a transactionId (events) or a
   * `$batch` of such requests. A create without a key is never resent after a failure that may have been applied
   * (timeout, reset, 500/502/504): `recover` looks the item up instead (by our marker), and only if it is not
   * there is the create sent again.
   */
  async request<T = unknown>(
    req: GraphRequest,
    signal?: AbortSignal,
    options: { readonly recover?: () => Promise<GraphResponse<T> | undefined> } = {},
  ): Promise<GraphResponse<T>> {
    return pace<GraphResponse<T>>(
      {
        send: async () => {
          const outcome = await this.#once(req, signal);
          if (outcome.ok) return outcome.response as GraphResponse<T>;
          throw outcome.error;
        },
        classify: failures.verdict,
        replaySafe: replaySafe(req),
        ...(options.recover ? { recover: options.recover } : {}),
      },
      { policy: this.#policy, ...(signal ? { signal } : {}), sleep: this.#sleep },
    );
  }

  /**
   * Runs up to any number of requests through `$batch`, 20 per call, and returns one result per request in the
   * given order (Graph answers in any order; results are matched by id). Throttled inner requests are resent.
   */
  async batch(requests: readonly GraphRequest[], signal?: AbortSignal): Promise<BatchResult[]> {
    const results: BatchResult[] = new Array(requests.length);
    for (let offset = 0; offset < requests.length; offset += BATCH_LIMIT) {
      const chunk = requests.slice(offset, offset + BATCH_LIMIT);
      let pending = chunk.map((_, i) => i);
      for (let attempt = 0; pending.length > 0; attempt++) {
        const body = {
          requests: pending.map((i) => {
            const r = chunk[i] as GraphRequest;
            const headers: Record<string, string> = { Prefer: DEFAULT_PREFER.join(', '), ...r.headers };
            if (r.body !== undefined) headers['Content-Type'] = 'application/json';
            return {
              id: String(i + 1),
              method: r.method,
              url: r.url,
              headers,
              ...(r.body !== undefined ? { body: r.body } : {}),
            };
          }),
        };
        const res = await this.request<{ responses?: InnerResponse[] }>(
          { method: 'POST', url: '/$batch', body },
          signal,
        );
        const byId = new Map((res.body.responses ?? []).map((r) => [String(r.id), r]));
        const retry: number[] = [];
        let waitMs = 0;
        for (const i of pending) {
          const inner = byId.get(String(i + 1));
          const what = `${chunk[i]?.method} (batched)`;
          if (!inner) {
            results[offset + i] = {
              status: 0,
              body: undefined,
              error: new RetryableError(`${what}: the batch answer left this request out`),
            };
            continue;
          }
          if (inner.status >= 200 && inner.status < 300) {
            results[offset + i] = { status: inner.status, body: inner.body };
            continue;
          }
          const retryAfter = parseRetryAfter(headerOf(inner.headers, 'retry-after'));
          const error = classifyGraphFailure(inner.status, errorOf(inner.body), retryAfter, what);
          if (error.code === 'auth' && inner.status === 401) this.#refused = error as AuthError;
          results[offset + i] = { status: inner.status, body: inner.body, error };
          const wait = this.#retryWait(error, attempt);
          if (wait !== undefined && isThrottle(inner.status)) {
            retry.push(i);
            waitMs = Math.max(waitMs, wait);
          }
        }
        pending = retry;
        if (pending.length > 0) await this.#sleep(waitMs, signal);
      }
    }
    return results;
  }

  /** Follows `@odata.nextLink` to the end, yielding each page's `value`. */
  async *pages<T>(first: GraphRequest, signal?: AbortSignal): AsyncIterable<T[]> {
    let req: GraphRequest | undefined = first;
    while (req) {
      const res: GraphResponse<{ value?: T[]; '@odata.nextLink'?: string }> = await this.request(req, signal);
      yield res.body.value ?? [];
      const next: string | undefined = res.body['@odata.nextLink'];
      req = next
        ? { method: 'GET', url: this.#checkedLink(next), ...(first.headers ? { headers: first.headers } : {}) }
        : undefined;
    }
  }

  #checkedLink(link: string): string {
    if (!this.owns(link))
      throw new RetryableError('Graph returned a paging link outside its own root; refusing to follow it');
    return link;
  }

  /** Inner requests of a batch that were throttled are resent under the same rule as everything else. */
  #retryWait(error: StoreError, attempt: number): number | undefined {
    if (!(error instanceof RetryableError)) return undefined;
    return retryDelay(this.#policy, attempt, error.retryAfterMs);
  }

  async #once(req: GraphRequest, signal?: AbortSignal): Promise<Outcome> {
    if (this.#inFlight >= this.#maxConcurrent) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#inFlight += 1;
    try {
      return await this.#send(req, signal);
    } finally {
      this.#inFlight -= 1;
      this.#waiting.shift()?.();
    }
  }

  async #send(req: GraphRequest, signal?: AbortSignal): Promise<Outcome> {
    if (this.#refused) throw this.#refused;
    signal?.throwIfAborted();
    const token = await this.#tokens.getToken(signal);
    const url = /^https?:/i.test(req.url) ? req.url : `${this.baseUrl}${req.url}`;
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token}`,
      Accept: 'application/json',
      Prefer: DEFAULT_PREFER.join(', '),
      ...req.headers,
    };
    if (req.body !== undefined) headers['Content-Type'] = 'application/json';
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const what = `${req.method} ${describe(url)}`;
    let res: Response;
    let text: string;
    try {
      res = await this.#fetch(url, {
        method: req.method,
        headers,
        ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
        signal: combined,
        // Graph's API answers are never redirects; one is an answer to classify, not a hop to follow with a token.
        redirect: 'manual',
      });
      text = await res.text();
    } catch (cause) {
      if (signal?.aborted) throw cause;
      // Timeouts, resets, refused connections: the request may or may not have been applied; retrying is safe
      // for reads and for creates (transactionId), and conditional for updates and deletes.
      return {
        ok: false,
        error: new RetryableError(`${what}: no answer (${timeout.aborted ? 'timeout' : 'network error'})`, { cause }),
      };
    }
    const body = parseJson(text);
    if (res.ok) return { ok: true, response: { status: res.status, body, headers: res.headers } };
    const error = classifyGraphFailure(
      res.status,
      errorOf(body),
      parseRetryAfter(res.headers.get('retry-after')),
      what,
    );
    if (res.status === 401 && error instanceof AuthError) this.#refused = error;
    // Throttled or unavailable: Graph refused the request before carrying it out.
    if (res.status === 429 || res.status === 503) failures.notApplied(error);
    return { ok: false, error };
  }
}

/** Failures Graph answered without carrying the request out (429, 503): resending them cannot apply it twice. */
const failures = new FailureLedger((e): e is RetryableError => e instanceof RetryableError);

function replaySafe(req: GraphRequest): boolean {
  const body = req.body as { transactionId?: unknown; requests?: GraphRequest[] } | undefined;
  if (req.method === 'POST' && req.url === '/$batch') return (body?.requests ?? []).every(replaySafe);
  const conditional = Object.keys(req.headers ?? {}).some((h) => h.toLowerCase() === 'if-match');
  // Graph honours transactionId on events only; the store sets it there and nowhere else.
  return isReplaySafe({ method: req.method, conditional, idempotencyKey: typeof body?.transactionId === 'string' });
}

type Outcome = { ok: true; response: GraphResponse } | { ok: false; error: StoreError };

interface InnerResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

function isThrottle(status: number): boolean {
  return status === 429 || status === 503 || status === 504;
}

function headerOf(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

function errorOf(body: unknown): GraphErrorBody | undefined {
  if (body && typeof body === 'object' && 'error' in body) {
    const e = (body as { error?: unknown }).error;
    if (e && typeof e === 'object') return e as GraphErrorBody;
  }
  return undefined;
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The path of a URL without its query (delta tokens and filters stay out of error messages). */
function describe(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '(invalid url)';
  }
}

/** Percent-encodes one path segment (Graph ids contain `=`, `-`, `_`, and EWS-format ids `/` and `+`). */
export const seg = (id: string): string => encodeURIComponent(id);
