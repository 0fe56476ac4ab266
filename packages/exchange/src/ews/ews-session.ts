import { AuthError, RetryableError, type StoreError } from '@exsync/core';
import {
  ConnectingIdType,
  ExchangeService,
  ExchangeVersion,
  ImpersonatedUserId,
  OAuthCredentials,
  Uri,
  WebCredentials,
} from 'ews-javascript-api';
import { classifyEwsError } from './classify-error';
import type { EwsConnectionConfig } from './connection-config';
import { credentialKey, refuseCredential, refusedCredential } from './credential-circuit';
import { OAuthTokenSource } from './oauth-token-source';
import { RecordingXhr } from './transport';

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * One impersonated mailbox over one ExchangeService. Every library call goes through `call`: a timeout (some
 * failures never settle), the caller's abort signal, error classification, and an auth circuit — after a refused
 * credential no further request is sent for it. Calls run one at a time so transport facts belong to the call.
 */
export class EwsSession {
  readonly service: ExchangeService;
  private readonly xhr: RecordingXhr;
  private readonly tokens: OAuthTokenSource | undefined;
  private readonly timeoutMs: number;
  private authFailure: StoreError | undefined;
  private readonly credential: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(config: EwsConnectionConfig) {
    this.timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.credential = credentialKey(config);
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

  /** Runs one library call, serialised after the previous one. */
  call<T>(what: string, fn: (svc: ExchangeService) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const run = this.queue.then(() => this.run(what, fn, signal));
    this.queue = run.catch(() => undefined);
    return run;
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
