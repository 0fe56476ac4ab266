/**
 * Microsoft Graph backend (Exchange Online): `MsalTokenProvider` (client credentials, secret or certificate),
 * `GraphClient` (fetch, typed errors, Retry-After, `$batch`, ≤ 4 in flight) and `GraphCollectionStore` (one
 * calendar, contact folder or To Do list of one mailbox). Wiring for one mailbox:
 *
 *   const tokens = new MsalTokenProvider({ tenantId, clientId, credential: { kind: 'secret', clientSecret } });
 *   const client = new GraphClient({ baseUrl: 'https://graph.microsoft.com/v1.0', tokens });
 *   const store = new GraphCollectionStore({ client, user: 'alice@contoso.com', kind: 'calendar', folderId });
 *
 * Use one GraphClient per mailbox: its concurrency limit and its stop-after-401 state are per credential and mailbox.
 * What Graph holds of each model field is the store's `caps.holds` (`capabilities.ts`; README.md here).
 */
export {
  type BatchResult,
  GraphClient,
  type GraphClientOptions,
  type GraphRequest,
  type GraphResponse,
} from './graph-client';
export { GraphCollectionStore, type GraphCollectionStoreOptions } from './graph-collection-store';
export {
  type AccessTokenProvider,
  type AppCredential,
  MsalTokenProvider,
  type MsalTokenProviderOptions,
} from './token-provider';
