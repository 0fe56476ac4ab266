import { XhrApi } from '@ewsjs/xhr';
import { httpFetch, parseRetryAfter } from '@exsync/net';
import type { IXHRApi, IXHROptions, IXHRProgress } from 'ews-javascript-api';

/** The xhr-like object @ewsjs/xhr resolves with (the DOM type is not in our lib). */
type XhrResponse = Awaited<ReturnType<IXHRApi['xhr']>>;

/** What the HTTP layer saw for the last request: the facts ews-javascript-api drops on the floor. */
export interface TransportFacts {
  status?: number;
  /** A 5xx whose body was empty: the library would hang on it (exchange.md §2.3), so we refuse it here. */
  emptyServerError?: boolean;
  /** `Retry-After` of a 429/503, in ms. */
  retryAfterMs?: number;
  /** The connection failed before any answer (reset, refused, DNS). */
  network?: boolean;
  requests: number;
}

/** Raised in place of an empty 5xx response so the library's promise settles. */
class EmptyServerErrorResponse extends Error {
  /** Not `status`: the library would try to parse a 500's body again and hang. */
  readonly httpStatus: number;
  constructor(httpStatus: number) {
    super(`HTTP ${httpStatus} with an empty body`);
    this.httpStatus = httpStatus;
  }
}

/**
 * Wraps the @ewsjs/xhr transport of one ExchangeService. Calls of one store run one after another, so the facts of
 * "the last request" belong to the call in flight; the session reads them to classify a failure.
 */
export class RecordingXhr implements IXHRApi {
  readonly apiName = 'exsync-recording';
  facts: TransportFacts = { requests: 0 };

  constructor(
    private readonly inner: XhrApi,
    private readonly onResponse?: (status: number | undefined) => void,
    /** Whether `send` may go around @ewsjs/xhr (see `create`). */
    readonly direct = false,
  ) {}

  /**
   * `send` goes over node:http keep-alive (`httpFetch`) unless the connection uses NTLM, whose handshake lives in
   * @ewsjs/xhr, or an HTTP(S)_PROXY is set, which axios (under @ewsjs/xhr) honours and node:http does not.
   */
  static create(
    ntlm?: { username: string; password: string },
    onResponse?: (status: number | undefined) => void,
  ): RecordingXhr {
    const inner = new XhrApi({ rejectUnauthorized: true });
    if (ntlm) inner.useNtlmAuthentication(ntlm.username, ntlm.password);
    return new RecordingXhr(inner, onResponse, !ntlm && !proxyConfigured());
  }

  /**
   * Sends one of our own SOAP requests (the read path: GetItem, SyncFolderItems) as the library prepared it, and
   * resolves with the answer whatever its status, recording the same facts as `xhr`. Only when `direct`, over
   * `httpFetch`: @ewsjs/xhr builds an axios client per request and axios' request and answer handling was the largest
   * part of a quiet sync's CPU left in JavaScript (issue 14). Redirects are not followed, as @ewsjs/xhr does not
   * (`maxRedirects: 0` unless the library asks, which it does not for EWS calls).
   */
  async send(options: IXHROptions): Promise<{ status: number; body: string }> {
    if (!this.direct) throw new Error('RecordingXhr.send is for direct transports; use xhr');
    this.facts.requests++;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.headers ?? {})) {
      // httpFetch asks for no encoding and decodes none: the library's Accept-Encoding would get gzip back.
      if (v != null && k.toLowerCase() !== 'accept-encoding') headers[k] = String(v);
    }
    let seen: SeenResponse & { status: number };
    try {
      const response = await httpFetch(options.url, {
        method: options.type ?? 'POST',
        headers,
        body: options.data ?? '',
        redirect: 'manual',
      });
      const answerHeaders: Record<string, string> = {};
      response.headers.forEach((value, key) => {
        answerHeaders[key] = value;
      });
      seen = { status: response.status, body: await response.text(), headers: answerHeaders };
    } catch (error) {
      this.note({ body: '', headers: {} });
      throw error;
    }
    this.note(seen);
    return seen;
  }

  reset(): void {
    this.facts = { requests: 0 };
  }

  async xhr(options: IXHROptions, progress?: (data: IXHRProgress) => void): Promise<XhrResponse> {
    this.facts.requests++;
    let response: XhrResponse;
    try {
      response = await this.inner.xhr(options, progress);
    } catch (error) {
      this.note(asResponse(error));
      throw error;
    }
    this.note(asResponse(response));
    return response;
  }

  xhrStream(options: IXHROptions, progress: (data: IXHRProgress) => void): Promise<XhrResponse> {
    return this.inner.xhrStream(options, progress);
  }

  disconnect(): void {
    this.inner.disconnect();
  }

  private note(response: SeenResponse): void {
    this.onResponse?.(response.status);
    if (response.status === undefined) {
      this.facts.network = true;
      return;
    }
    this.facts.status = response.status;
    const retryAfter = response.headers['retry-after'];
    if (retryAfter !== undefined) this.facts.retryAfterMs = parseRetryAfter(retryAfter);
    if (response.status >= 500 && !response.body.trim()) {
      this.facts.emptyServerError = true;
      throw new EmptyServerErrorResponse(response.status);
    }
  }
}

/** An HTTP(S) proxy from the environment, as axios reads it (proxy-from-env: the lower-case name first). */
function proxyConfigured(): boolean {
  const env = process.env;
  return Boolean(
    env.https_proxy || env.HTTPS_PROXY || env.http_proxy || env.HTTP_PROXY || env.all_proxy || env.ALL_PROXY,
  );
}

interface SeenResponse {
  status?: number;
  body: string;
  headers: Record<string, string>;
}

/** @ewsjs/xhr resolves with an xhr-like object and rejects with an axios error dressed the same way. */
function asResponse(value: unknown): SeenResponse {
  const v = (value ?? {}) as Record<string, unknown>;
  const axiosResponse = (typeof v.responseText === 'object' && v.responseText ? v.responseText : v.response) as
    | Record<string, unknown>
    | undefined;
  const rawStatus = typeof v.status === 'number' ? v.status : axiosResponse?.status;
  const status = typeof rawStatus === 'number' && rawStatus > 0 ? rawStatus : undefined;
  const bodySource = typeof v.responseText === 'string' ? v.responseText : axiosResponse?.data;
  const body = typeof bodySource === 'string' ? bodySource : bodySource == null ? '' : String(bodySource);
  const headerSource = (v.headers ?? axiosResponse?.headers ?? {}) as Record<string, unknown>;
  const headers: Record<string, string> = {};
  for (const [k, h] of Object.entries(headerSource)) if (h != null) headers[k.toLowerCase()] = String(h);
  return { ...(status !== undefined ? { status } : {}), body, headers };
}
