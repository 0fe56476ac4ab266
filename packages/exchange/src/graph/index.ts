export {
  type BatchResult,
  GraphClient,
  type GraphClientOptions,
  type GraphRequest,
  type GraphResponse,
} from './graph-client';
export {
  GraphCollectionStore,
  type GraphCollectionStoreOptions,
  MARKER_PROPERTY_ID,
  UID_PROPERTY_ID,
} from './graph-collection-store';
export { classifyGraphFailure } from './graph-errors';
export {
  type AccessTokenProvider,
  type AppCredential,
  GRAPH_SCOPE,
  MsalTokenProvider,
  type MsalTokenProviderOptions,
} from './token-provider';
