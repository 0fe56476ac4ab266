/** Typed store failures; each face maps them to its own wire error (EWS ResponseCode, Graph error code). */
export type StoreErrorCode =
  | 'MailboxNotFound'
  | 'FolderNotFound'
  | 'ItemNotFound'
  | 'OccurrenceNotFound'
  | 'OccurrenceDeleted'
  | 'ChangeKeyMismatch'
  | 'InvalidInput'
  | 'WrongFolderKind'
  | 'DuplicateMailbox';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export const isStoreError = (e: unknown, code?: StoreErrorCode): e is StoreError =>
  e instanceof StoreError && (code === undefined || e.code === code);
