// EWS backend (on-premises Exchange)
export { classifyEwsError } from './ews/classify-error';
export type { EwsAuth, EwsConnectionConfig, EwsFolder } from './ews/connection-config';
export { EwsCollectionStore, type EwsCollectionStoreOptions } from './ews/ews-collection-store';
export { EXSYNC_MARKER_GRAPH_ID, EXSYNC_MARKER_PROPERTY_NAME, EXSYNC_MARKER_PROPERTY_SET } from './marker-property';
