export type {
  Change,
  ChangeSet,
  CollectionStore,
  CreateOptions,
  FetchedItem,
  FetchResult,
  ItemRef,
  ListedItem,
  StoreCaps,
  StoredItem,
  WriteResult,
  WrittenItem,
} from './collection-store';
export type { AuthCause, StoreErrorCode } from './errors';
export {
  AuthError,
  InvalidItemError,
  InvalidSyncTokenError,
  isStoreError,
  NotFoundError,
  PreconditionFailedError,
  RejectedError,
  RetryableError,
  StoreError,
} from './errors';
