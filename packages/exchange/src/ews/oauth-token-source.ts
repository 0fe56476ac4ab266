import { ConfidentialClientApplication } from '@azure/msal-node';
import { AuthError, RetryableError } from '@exsync/core';
import type { EwsAuth } from './connection-config';

type OAuthConfig = Extract<EwsAuth, { kind: 'oauth' }>;

const EWS_SCOPE = 'https://outlook.office365.com/.default';

/**
 * App-only tokens for EWS through msal-node's client-credentials flow. msal keeps the token in its in-memory cache
 * and refreshes it shortly before expiry, so asking before every call costs nothing. (ews-javascript-api's own
 * EwsOAuthHelper pins msal 2.x and cannot be pointed elsewhere: exchange.md §2.2.)
 */
export class OAuthTokenSource {
  private readonly app: ConfidentialClientApplication;
  private readonly scope: string;

  constructor(config: OAuthConfig) {
    this.scope = config.scope ?? EWS_SCOPE;
    this.app = new ConfidentialClientApplication({
      auth: {
        clientId: config.clientId,
        clientSecret: config.clientSecret,
        authority: config.authority,
        ...(config.authorityMetadata ? { authorityMetadata: config.authorityMetadata } : {}),
        ...(config.knownAuthorities ? { knownAuthorities: [...config.knownAuthorities] } : {}),
      },
    });
  }

  async token(): Promise<string> {
    let result: Awaited<ReturnType<ConfidentialClientApplication['acquireTokenByClientCredential']>>;
    try {
      result = await this.app.acquireTokenByClientCredential({ scopes: [this.scope] });
    } catch (error) {
      // msal's error codes: invalid_client / unauthorized_client are refused credentials; the rest is the network.
      const code = (error as { errorCode?: string }).errorCode;
      if (code === 'invalid_client' || code === 'unauthorized_client' || code === 'invalid_resource') {
        throw new AuthError(`The identity platform refused the app credentials (${code})`, { cause: error });
      }
      throw new RetryableError('Could not obtain an access token; try again later', { cause: error });
    }
    if (!result?.accessToken) throw new RetryableError('The identity platform returned no access token');
    return result.accessToken;
  }
}
