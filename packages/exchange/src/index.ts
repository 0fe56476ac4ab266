// EWS backend (on-premises Exchange)
export { classifyEwsError } from './ews/classify-error';
export type { EwsAuth, EwsConnectionConfig, EwsFolder } from './ews/connection-config';
export { EwsCollectionStore, type EwsCollectionStoreOptions } from './ews/ews-collection-store';
// Microsoft Graph backend (Exchange Online)
export {
  type AccessTokenProvider,
  type AppCredential,
  type BatchResult,
  classifyGraphFailure,
  GRAPH_SCOPE,
  GraphClient,
  type GraphClientOptions,
  GraphCollectionStore,
  type GraphCollectionStoreOptions,
  type GraphRequest,
  type GraphResponse,
  MARKER_PROPERTY_ID as GRAPH_MARKER_PROPERTY_ID,
  MsalTokenProvider,
  type MsalTokenProviderOptions,
  UID_PROPERTY_ID as GRAPH_UID_PROPERTY_ID,
} from './graph';
export { EXSYNC_MARKER_GRAPH_ID, EXSYNC_MARKER_PROPERTY_NAME, EXSYNC_MARKER_PROPERTY_SET } from './marker-property';
