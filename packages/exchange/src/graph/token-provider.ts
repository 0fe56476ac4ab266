import { ConfidentialClientApplication, type Configuration, AuthError as MsalAuthError } from '@azure/msal-node';
import { AuthError, RetryableError } from '@exsync/core';

/** Hands out bearer tokens for one app registration; the Graph client asks before every request. */
export interface AccessTokenProvider {
  getToken(signal?: AbortSignal): Promise<string>;
}

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

export type AppCredential =
  | { readonly kind: 'secret'; readonly clientSecret: string }
  | {
      readonly kind: 'certificate';
      /** PEM private key of the certificate registered on the app. */
      readonly privateKey: string;
      /** SHA-256 thumbprint (hex) of the certificate. */
      readonly thumbprintSha256: string;
      /** Optional public certificate chain (PEM), sent as x5c for subject-name/issuer authentication. */
      readonly x5c?: string;
    };

export interface MsalTokenProviderOptions {
  readonly tenantId: string;
  readonly clientId: string;
  readonly credential: AppCredential;
  /** Default `https://login.microsoftonline.com/{tenantId}`; must be https (msal refuses anything else). */
  readonly authority?: string;
  /**
   * For clouds or simulators msal does not know: the authority's host (skips instance discovery) and its
   * OpenID metadata as a JSON string (skips the metadata request; may name an http token endpoint on loopback).
   */
  readonly knownAuthorities?: readonly string[];
  readonly authorityMetadata?: string;
  readonly scopes?: readonly string[];
  /** Injected for tests: the time (ms) a held token is checked against. */
  readonly now?: () => number;
}

/** msal's own margin (tokenRenewalOffsetSeconds): a token this close to its expiry is not handed out. */
const RENEW_BEFORE_EXPIRY_MS = 5 * 60_000;

/**
 * Client-credentials tokens through msal-node's ConfidentialClientApplication, which caches them in memory until
 * five minutes before expiry. Failures become core errors: refused credentials are an AuthError (the user's sync
 * stops until an admin renews them), throttling and outages are retryable.
 *
 * The token msal gave is held here until its renewal time (five minutes before expiry, or msal's earlier refreshOn)
 * and concurrent callers share one acquisition: msal answers even a cache hit through its authority, scope-set and
 * cache-key machinery, which cost ~0.3 ms per Graph request (7 % of an initial sync's CPU).
 */
export class MsalTokenProvider implements AccessTokenProvider {
  readonly #app: ConfidentialClientApplication;
  readonly #scopes: string[];
  readonly #now: () => number;
  #held: { readonly token: string; readonly renewAt: number } | undefined;
  #pending: Promise<string> | undefined;

  constructor(options: MsalTokenProviderOptions) {
    const auth: Configuration['auth'] = {
      clientId: options.clientId,
      authority: options.authority ?? `https://login.microsoftonline.com/${options.tenantId}`,
      ...(options.knownAuthorities ? { knownAuthorities: [...options.knownAuthorities] } : {}),
      ...(options.authorityMetadata ? { authorityMetadata: options.authorityMetadata } : {}),
      ...(options.credential.kind === 'secret'
        ? { clientSecret: options.credential.clientSecret }
        : {
            clientCertificate: {
              thumbprintSha256: options.credential.thumbprintSha256,
              privateKey: options.credential.privateKey,
              ...(options.credential.x5c ? { x5c: options.credential.x5c } : {}),
            },
          }),
    };
    // No logger callback: msal's own logging could carry request details, and secrets must never reach a log.
    this.#app = new ConfidentialClientApplication({ auth });
    this.#scopes = [...(options.scopes ?? [GRAPH_SCOPE])];
    this.#now = options.now ?? Date.now;
  }

  async getToken(signal?: AbortSignal): Promise<string> {
    signal?.throwIfAborted();
    const held = this.#held;
    if (held && this.#now() < held.renewAt) return held.token;
    this.#pending ??= this.#acquire().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #acquire(): Promise<string> {
    let result: Awaited<ReturnType<ConfidentialClientApplication['acquireTokenByClientCredential']>>;
    try {
      result = await this.#app.acquireTokenByClientCredential({ scopes: this.#scopes });
    } catch (error) {
      this.#held = undefined;
      throw tokenFailure(error);
    }
    if (!result?.accessToken) throw new AuthError('The token endpoint returned no access token');
    // Held only with a known expiry; msal's refreshOn (the server's refresh_in) renews it earlier.
    const expiresAt = result.expiresOn?.getTime();
    const renewAt = Math.min(
      expiresAt === undefined ? Number.NEGATIVE_INFINITY : expiresAt - RENEW_BEFORE_EXPIRY_MS,
      result.refreshOn?.getTime() ?? Number.POSITIVE_INFINITY,
    );
    this.#held = { token: result.accessToken, renewAt };
    return result.accessToken;
  }
}

/** Entra error codes (`error` field) meaning the credentials or the registration are wrong: a person must act. */
const FATAL_CODES = new Set([
  'invalid_client',
  'unauthorized_client',
  'invalid_grant',
  'invalid_resource',
  'invalid_request',
  'invalid_scope',
]);

function tokenFailure(error: unknown): Error {
  const code = error instanceof MsalAuthError ? error.errorCode : undefined;
  if (code && FATAL_CODES.has(code)) {
    return new AuthError(`Entra refused the app's credentials (${code}); check the client id, secret or certificate`, {
      cause: error,
    });
  }
  // Network failures, 5xx, 429 (msal throttle-caches these itself): try again later.
  return new RetryableError(`Could not obtain a token from Entra${code ? ` (${code})` : ''}`, { cause: error });
}
