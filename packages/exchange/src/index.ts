// EWS backend (on-premises Exchange)
export type { EwsAuth, EwsConnectionConfig, EwsFolder } from './ews/connection-config';
export { EwsCollectionStore, type EwsCollectionStoreOptions } from './ews/ews-collection-store';
export {
  type Affinity,
  EwsResponseError,
  EwsStreamingClient,
  type NotificationBatch,
  type StreamEnd,
  type StreamingFolder,
  StreamingUnsupportedError,
} from './ews/streaming-client';
// Microsoft Graph backend (Exchange Online)
export {
  type AccessTokenProvider,
  type AppCredential,
  type BatchResult,
  GraphClient,
  type GraphClientOptions,
  GraphCollectionStore,
  type GraphCollectionStoreOptions,
  type GraphRequest,
  type GraphResponse,
  MsalTokenProvider,
  type MsalTokenProviderOptions,
} from './graph';
// What survives a move between EWS and Graph
export type { PortableIdentities, PortableIdentity, UidToAdopt } from './portable-identity';
