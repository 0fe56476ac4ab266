// Failed authentications per client address, counted in the database so every replica enforces one limit (a
// counter in each process would let a guesser spread attempts across replicas behind a load balancer). Each
// address has one row: a fixed window, the failures within it, and the end of a block once they pass the limit.
// Every decision is one statement, so concurrent failures from many replicas are counted exactly.
import { DatabaseError } from './errors';
import type { Database } from './open-database';

export interface AuthFailureLimits {
  /** Failures allowed within one window; the next one blocks the address until the window ends. */
  maxFailures: number;
  windowMs: number;
}

export interface AuthFailureRepository {
  /** Milliseconds the address is still blocked for; 0 when it is not blocked. */
  blockedFor(address: string): Promise<number>;
  /** Counts one failure; returns how long the address is now blocked for (0: not blocked). */
  record(address: string, limits: AuthFailureLimits): Promise<number>;
  /** Forgets windows that started more than `olderThanMs` ago (pass the window) and block no one; returns how many. */
  purge(olderThanMs: number): Promise<number>;
}

/** Addresses come from the socket or a trusted proxy's header; anything longer is not an address. */
const MAX_ADDRESS = 100;

function checkAddress(address: string): void {
  if (typeof address !== 'string' || address.length === 0 || address.length > MAX_ADDRESS) {
    throw new DatabaseError('invalid_input', `address must be 1 to ${MAX_ADDRESS} characters.`);
  }
}

function checkLimits({ maxFailures, windowMs }: AuthFailureLimits): void {
  if (!Number.isInteger(maxFailures) || maxFailures < 1 || !Number.isInteger(windowMs) || windowMs < 1) {
    throw new DatabaseError('invalid_input', 'maxFailures and windowMs must be positive whole numbers.');
  }
}

export function createAuthFailureRepository(db: Database): AuthFailureRepository {
  return {
    async blockedFor(address) {
      checkAddress(address);
      const rows = await db.query<{ ms: number }>(
        `SELECT (EXTRACT(EPOCH FROM (blocked_until - now())) * 1000)::float8 AS ms
           FROM auth_failures WHERE address = $1 AND blocked_until > now()`,
        [address],
      );
      return Math.max(0, Math.ceil(rows[0]?.ms ?? 0));
    },

    async record(address, limits) {
      checkAddress(address);
      checkLimits(limits);
      // In ON CONFLICT … DO UPDATE every expression sees the row as it was, under its row lock: a window that has
      // ended starts over at 1; past the limit the address is blocked until the window ends.
      const rows = await db.query<{ ms: number | null }>(
        `INSERT INTO auth_failures AS f (address, window_start, failures, blocked_until)
         VALUES ($1, now(), 1, CASE WHEN 1 > $2::int THEN now() + $3::int * interval '1 millisecond' END)
         ON CONFLICT (address) DO UPDATE SET
           window_start = CASE WHEN f.window_start + $3::int * interval '1 millisecond' <= now()
                               THEN now() ELSE f.window_start END,
           failures = CASE WHEN f.window_start + $3::int * interval '1 millisecond' <= now()
                           THEN 1 ELSE f.failures + 1 END,
           blocked_until = CASE
             WHEN f.window_start + $3::int * interval '1 millisecond' <= now()
               THEN CASE WHEN 1 > $2::int THEN now() + $3::int * interval '1 millisecond' END
             WHEN f.failures + 1 > $2::int THEN f.window_start + $3::int * interval '1 millisecond'
             ELSE f.blocked_until END
         RETURNING (EXTRACT(EPOCH FROM (blocked_until - now())) * 1000)::float8 AS ms`,
        [address, limits.maxFailures, limits.windowMs],
      );
      return Math.max(0, Math.ceil(rows[0]?.ms ?? 0));
    },

    async purge(olderThanMs) {
      if (!Number.isInteger(olderThanMs) || olderThanMs < 0) {
        throw new DatabaseError('invalid_input', 'olderThanMs must be a whole number of milliseconds.');
      }
      const rows = await db.query(
        `DELETE FROM auth_failures
          WHERE window_start < now() - $1::int * interval '1 millisecond'
            AND (blocked_until IS NULL OR blocked_until < now())
          RETURNING address`,
        [olderThanMs],
      );
      return rows.length;
    },
  };
}
