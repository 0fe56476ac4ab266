export type DatabaseErrorCode =
  | 'invalid_config'
  | 'not_found'
  | 'conflict'
  | 'invalid_input'
  | 'migration_checksum_mismatch'
  | 'migration_failed_previously'
  | 'migration_failed'
  | 'migration_lock_timeout'
  | 'migration_missing_sql'
  /** The connection to the database was lost (terminated, network): try again, the pool reconnects. */
  | 'unavailable';

/** Every failure this package reports on purpose; the service maps `code` to its own error catalogue. */
export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
  constructor(
    readonly code: DatabaseErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isDatabaseError(error: unknown, code?: DatabaseErrorCode): error is DatabaseError {
  return error instanceof DatabaseError && (code === undefined || error.code === code);
}
