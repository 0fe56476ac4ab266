// Every ciphertext the database holds, for re-encrypting under a new vault key (`exsync rotate-key`) while the
// service keeps running: list what is not yet under the new key, re-seal it, write it back with
// compare-and-swap so a credential replaced meanwhile (a user re-enrolled) is never overwritten.
import { DatabaseError } from './errors';
import type { Database } from './open-database';
import { isUuid } from './tenants';
import type { Sealed } from './types';

export const secretKinds = [
  'user_app_password',
  'exchange_secret',
  'exchange_certificate',
  'graph_client_state',
] as const;
export type SecretKind = (typeof secretKinds)[number];

export interface SecretRef {
  kind: SecretKind;
  /** Row id: users.id, exchange_connections.id or graph_subscriptions.id (Graph's subscription id). */
  id: string;
}

export interface StoredSecret {
  ref: SecretRef;
  /** Whose secret it is (e.g. for the vault's associated data); ncUserId is null for Exchange secrets. */
  owner: { tenantId: string; ncUserId: string | null };
  sealed: Sealed;
}

interface Location {
  table: string;
  ciphertext: string;
  keyId: string;
  ncUserId: string;
  /** graph_subscriptions: the id is Graph's (text, not necessarily a UUID) and the row has no updated_at. */
  textId?: true;
}

const locations: Record<SecretKind, Location> = {
  user_app_password: {
    table: 'users',
    ciphertext: 'app_password_ciphertext',
    keyId: 'app_password_key_id',
    ncUserId: 'nc_user_id',
  },
  exchange_secret: {
    table: 'exchange_connections',
    ciphertext: 'secret_ciphertext',
    keyId: 'secret_key_id',
    ncUserId: 'NULL::text',
  },
  exchange_certificate: {
    table: 'exchange_connections',
    ciphertext: 'certificate_ciphertext',
    keyId: 'certificate_key_id',
    ncUserId: 'NULL::text',
  },
  graph_client_state: {
    table: 'graph_subscriptions',
    ciphertext: 'client_state_ciphertext',
    keyId: 'client_state_key_id',
    ncUserId: 'NULL::text',
    textId: true,
  },
};

const unionSql = secretKinds
  .map((kind) => {
    const l = locations[kind];
    return `SELECT '${kind}' AS kind, id::text AS id, tenant_id::text AS tenant_id, ${l.ncUserId} AS nc_user_id,
                   ${l.ciphertext} AS ciphertext, ${l.keyId} AS key_id
              FROM ${l.table} WHERE ${l.ciphertext} IS NOT NULL`;
  })
  .join('\nUNION ALL\n');

export interface SealedSecretRepository {
  /** Up to `limit` (default 500) stored secrets, optionally only those not sealed under `exceptKeyId`. */
  list(options?: { exceptKeyId?: string; limit?: number }): Promise<StoredSecret[]>;
  /** How many secrets each key id seals; rotation is complete when only the new key id remains. */
  countByKeyId(): Promise<Record<string, number>>;
  /** Writes `next` only if the secret still equals `expected`; false if it changed or vanished meanwhile. */
  replace(ref: SecretRef, expected: Sealed, next: Sealed): Promise<boolean>;
}

export function createSealedSecretRepository(db: Database): SealedSecretRepository {
  return {
    async list(options = {}) {
      const limit = options.limit ?? 500;
      if (!Number.isInteger(limit) || limit < 1) {
        throw new DatabaseError('invalid_input', 'limit must be a positive whole number.');
      }
      const rows = await db.query<{
        kind: SecretKind;
        id: string;
        tenant_id: string;
        nc_user_id: string | null;
        ciphertext: string;
        key_id: string;
      }>(
        `SELECT * FROM (${unionSql}) s WHERE $1::text IS NULL OR s.key_id IS DISTINCT FROM $1::text
          ORDER BY kind, id LIMIT $2`,
        [options.exceptKeyId ?? null, limit],
      );
      return rows.map((row) => ({
        ref: { kind: row.kind, id: row.id },
        owner: { tenantId: row.tenant_id, ncUserId: row.nc_user_id },
        sealed: { ciphertext: row.ciphertext, keyId: row.key_id },
      }));
    },

    async countByKeyId() {
      const rows = await db.query<{ key_id: string; n: number }>(
        `SELECT key_id, count(*)::int AS n FROM (${unionSql}) s GROUP BY key_id`,
      );
      return Object.fromEntries(rows.map((row) => [row.key_id, row.n]));
    },

    async replace(ref, expected, next) {
      const location = locations[ref.kind];
      if (!location) throw new DatabaseError('invalid_input', `Unknown secret kind ${JSON.stringify(ref.kind)}.`);
      if (!location.textId && !isUuid(ref.id)) return false;
      const rows = await db.query(
        `UPDATE ${location.table} SET ${location.ciphertext} = $2, ${location.keyId} = $3
            ${location.textId ? '' : ', updated_at = now()'}
          WHERE id = $1${location.textId ? '' : '::uuid'} AND ${location.ciphertext} = $4 AND ${location.keyId} = $5
          RETURNING id`,
        [ref.id, next.ciphertext, next.keyId, expected.ciphertext, expected.keyId],
      );
      return rows.length === 1;
    },
  };
}
