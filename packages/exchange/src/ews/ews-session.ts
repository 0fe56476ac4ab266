import { AuthError, RetryableError, type StoreError } from '@exsync/core';
import { DEFAULT_RETRY_POLICY, FailureLedger, isReplaySafe, pace, type RetryPolicy } from '@exsync/net';
import {
  ConnectingIdType,
  ExchangeService,
  ExchangeVersion,
  ImpersonatedUserId,
  OAuthCredentials,
  Uri,
  WebCredentials,
} from 'ews-javascript-api';
import { classifyEwsError, refusedUnapplied } from './classify-error';
import type { EwsConnectionConfig } from './connection-config';
import { credentialKey, refuseCredential, refusedCredential } from './credential-circuit';
import { OAuthTokenSource } from './oauth-token-source';
import type { ResponseMessage } from './soap-answer';
import { soapCall } from './soap-call';
import { RecordingXhr } from './transport';

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * How each operation behaves when sent again after a failure that may have been applied (`@exsync/net`): reads
 * change nothing; our UpdateItem and DeleteItem compare the ChangeKey first, so a replay of an applied one fails
 * as stale instead of applying twice; CreateItem has no idempotency key in EWS and is never resent blindly.
 */
const REPLAY: Record<string, { method: string; conditional?: boolean }> = {
  FindItem: { method: 'GET' },
  GetItem: { method: 'GET' },
  SyncFolderItems: { method: 'GET' },
  UpdateItem: { method: 'PATCH', conditional: true },
  DeleteItem: { method: 'DELETE', conditional: true },
  CreateItem: { method: 'POST' },
};

export interface CallOptions<T> {
  /** After a CreateItem that may have been applied: find what it created (by our marker), else undefined. */
  readonly recover?: () => Promise<T | undefined>;
}

/**
 * One impersonated mailbox over one ExchangeService. Every library call goes through `call`, and `call` through
 * the shared pacer (`@exsync/net`): a timeout (some failures never settle), the caller's abort signal, error
 * classification, the retry rule, and an auth circuit — after a refused credential no further request is sent
 * for it. Calls run one at a time so transport facts belong to the call.
 */
export class EwsSession {
  readonly service: ExchangeService;
  private readonly xhr: RecordingXhr;
  private readonly tokens: OAuthTokenSource | undefined;
  private readonly timeoutMs: number;
  private authFailure: StoreError | undefined;
  private readonly credential: string;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly policy: RetryPolicy;
  private readonly mailbox: string;
  /** Failures Exchange answered without carrying the call out (throttled, busy): safe to resend. */
  private readonly failures = new FailureLedger((e): e is RetryableError => e instanceof RetryableError);

  constructor(config: EwsConnectionConfig, options: { retry?: RetryPolicy } = {}) {
    this.policy = options.retry ?? DEFAULT_RETRY_POLICY;
    this.timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.credential = credentialKey(config);
    this.mailbox = config.mailbox;
    const auth = config.auth;
    this.xhr = RecordingXhr.create(auth.kind === 'ntlm' ? auth : undefined, config.onResponse);
    const svc = new ExchangeService(ExchangeVersion.Exchange2013_SP1);
    svc.Url = new Uri(config.url);
    svc.XHRApi = this.xhr;
    if (auth.kind === 'basic' || auth.kind === 'ntlm')
      svc.Credentials = new WebCredentials(auth.username, auth.password);
    this.tokens = auth.kind === 'oauth' ? new OAuthTokenSource(auth) : undefined;
    svc.ImpersonatedUserId = new ImpersonatedUserId(ConnectingIdType.SmtpAddress, config.mailbox);
    // Without the anchor Exchange routes impersonated calls badly (exchange.md §1.8); the library never sets it.
    svc.HttpHeaders.Add('X-AnchorMailbox', config.mailbox);
    this.service = svc;
  }

  /** Runs one library call, serialised after the previous one, retried under the shared rule. */
  call<T>(
    what: string,
    fn: (svc: ExchangeService) => Promise<T>,
    signal?: AbortSignal,
    options: CallOptions<T> = {},
  ): Promise<T> {
    const shape = REPLAY[what] ?? { method: 'POST' };
    const once = () => {
      const run = this.queue.then(() => this.run(what, fn, signal));
      this.queue = run.catch(() => undefined);
      return run;
    };
    return pace<T>(
      {
        send: once,
        classify: this.failures.verdict,
        replaySafe: isReplaySafe(shape),
        ...(options.recover ? { recover: options.recover } : {}),
      },
      { policy: this.policy, ...(signal ? { signal } : {}) },
    );
  }

  /**
   * Sends a SOAP request of our own (the read path, which skips the library's object model) under the same rules as
   * `call`; resolves with the answer's response messages.
   */
  soap(what: string, body: string, signal?: AbortSignal): Promise<ResponseMessage[]>;
  /** The same, with the answer read by `read` inside the call: what it throws is classified and retried alike. */
  soap<T>(
    what: string,
    body: string,
    signal: AbortSignal | undefined,
    read: (messages: ResponseMessage[]) => T,
  ): Promise<T>;
  soap<T>(
    what: string,
    body: string,
    signal?: AbortSignal,
    read?: (messages: ResponseMessage[]) => T,
  ): Promise<T | ResponseMessage[]> {
    return this.call(
      what,
      async (svc) => {
        const messages = await soapCall(svc, this.mailbox, what, body);
        return read ? read(messages) : messages;
      },
      signal,
    );
  }

  private async run<T>(what: string, fn: (svc: ExchangeService) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const refused = this.authFailure ?? refusedCredential(this.credential);
    if (refused) throw refused;
    signal?.throwIfAborted();
    if (this.tokens) {
      try {
        this.service.Credentials = new OAuthCredentials(await this.tokens.token());
      } catch (error) {
        const classified = classifyEwsError(error);
        if (classified instanceof AuthError) refuseCredential(this.credential, classified);
        throw this.remember(classified);
      }
    }
    this.xhr.reset();
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const library = fn(this.service);
    // The library may reject after we gave up on it; that rejection must not become an unhandled one.
    library.catch(() => undefined);
    try {
      return await Promise.race([
        library,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new RetryableError(`EWS ${what} did not answer within ${this.timeoutMs} ms`)),
            this.timeoutMs,
          );
          if (signal) {
            onAbort = () => reject(signal.reason);
            signal.addEventListener('abort', onAbort, { once: true });
          }
        }),
      ]);
    } catch (error) {
      if (signal?.aborted && error === signal.reason) throw error;
      const classified = this.remember(classifyEwsError(error, this.xhr.facts));
      // Throttled or busy: Exchange refused the call before carrying it out.
      if (classified instanceof RetryableError && refusedUnapplied(error, this.xhr.facts)) {
        this.failures.notApplied(classified);
      }
      // A 401 refuses the credential for every mailbox; mailbox errors (no mailbox, no impersonation) stay here.
      if (classified instanceof AuthError && this.xhr.facts.status === 401)
        refuseCredential(this.credential, classified);
      throw classified;
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  private remember(error: StoreError): StoreError {
    if (error instanceof AuthError) this.authFailure = error;
    return error;
  }
}
