import type { PairState } from '@exsync/core';
import type { RememberedPair } from './collection-pairs';
import type { Database } from './open-database';
import { type PairRecord, toPairState } from './pair-state-record';
import { isUuid } from './tenants';
import type {
  ExchangeAuthKind,
  ExchangeConnection,
  ExchangeConnectionSecrets,
  ExchangeKind,
  ItemKind,
  JsonObject,
  Sealed,
  Tenant,
  User,
} from './types';
import { type UserSqlRow, userFromSql } from './users';

/** Everything a user's sync reads before its first request, in one round trip. */
export interface SyncContext {
  readonly user: User;
  readonly tenant: Tenant;
  /** The sealed app password (null when none is stored). */
  readonly appPassword: Sealed | null;
  /** The tenant's Exchange connection with its sealed secrets; null when none is configured. */
  readonly connection: { readonly connection: ExchangeConnection; readonly secrets: ExchangeConnectionSecrets } | null;
  /** As `rememberedPairs` returns them, with each pair's stored state: a quiet pair's sync needs nothing else. */
  readonly pairs: readonly ContextPair[];
}

/** A remembered pair with what the engine's quiet check reads of it, as of the context's query. */
export interface ContextPair extends RememberedPair {
  /** As the status store's `pairState` returns it. */
  readonly state: PairState;
  /** Unresolved held deletions of the pair. */
  readonly held: number;
}

interface Row extends UserSqlRow {
  app_password_ciphertext: string | null;
  app_password_key_id: string | null;
  t_name: string;
  t_nextcloud_url: string;
  t_settings: JsonObject | null;
  t_created_at: Date;
  t_updated_at: Date;
  c_id: string | null;
  c_kind: ExchangeKind;
  c_endpoint: string | null;
  c_auth_kind: ExchangeAuthKind;
  c_username: string | null;
  c_entra_tenant_id: string | null;
  c_client_id: string | null;
  c_authority: string | null;
  c_secret_ciphertext: string | null;
  c_secret_key_id: string | null;
  c_certificate_ciphertext: string | null;
  c_certificate_key_id: string | null;
  c_created_at: Date;
  c_updated_at: Date;
  pairs:
    | {
        id: string;
        kind: ItemKind;
        a: string;
        b: string;
        last: string | null;
        held: number;
        state: PairRecord;
      }[]
    | null;
}

/**
 * The user, their tenant, sealed app password, the tenant's Exchange connection and the user's remembered pairs
 * with their stored state and held deletions in one query: a quiet user's sync is mostly round trips, and these
 * were twelve (three item kinds). Null for an unknown user.
 */
export async function loadSyncContext(db: Database, userId: string): Promise<SyncContext | null> {
  if (!isUuid(userId)) return null;
  const rows = await db.query<Row>(
    `SELECT u.id, u.tenant_id, u.nc_user_id, u.login_name, u.email, u.mailbox, u.display_name, u.state::text AS state,
       u.state_reason, u.state_code, u.last_sync_at, u.last_attempt_at, u.created_at, u.updated_at,
       u.app_password_ciphertext, u.app_password_key_id,
       t.name AS t_name, t.nextcloud_url AS t_nextcloud_url, t.settings AS t_settings,
       t.created_at AS t_created_at, t.updated_at AS t_updated_at,
       c.id AS c_id, c.kind::text AS c_kind, c.endpoint AS c_endpoint, c.auth_kind::text AS c_auth_kind,
       c.username AS c_username, c.entra_tenant_id AS c_entra_tenant_id, c.client_id AS c_client_id,
       c.authority AS c_authority, c.secret_ciphertext AS c_secret_ciphertext, c.secret_key_id AS c_secret_key_id,
       c.certificate_ciphertext AS c_certificate_ciphertext, c.certificate_key_id AS c_certificate_key_id,
       c.created_at AS c_created_at, c.updated_at AS c_updated_at,
       (SELECT json_agg(json_build_object('id', p.id, 'kind', p.kind, 'a', p.a_collection_id,
                 'b', p.b_collection_id, 'last', p.last, 'held', p.held,
                 'state', json_build_object('aSyncToken', p.a_sync_token, 'bSyncToken', p.b_sync_token,
                   'retryHrefs', p.retry_hrefs, 'windowStart', p.window_start, 'windowEnd', p.window_end,
                   'lastFullSyncAt', p.last_full_sync_at, 'needsReview', p.needs_review)))
        FROM (SELECT DISTINCT ON (p.kind) p.id, p.kind::text AS kind, p.a_collection_id, p.b_collection_id,
                p.a_sync_token, p.b_sync_token, p.retry_hrefs, p.window_start, p.window_end, p.last_full_sync_at,
                p.needs_review,
                (SELECT r.outcome::text FROM sync_runs r WHERE r.pair_id = p.id
                 ORDER BY r.started_at DESC LIMIT 1) AS last,
                (SELECT count(*)::int FROM quarantined_deletions q
                 WHERE q.pair_id = p.id AND q.resolved_at IS NULL) AS held
              FROM collection_pairs p WHERE p.user_id = u.id ORDER BY p.kind, p.updated_at DESC) p) AS pairs
     FROM users u
     JOIN tenants t ON t.id = u.tenant_id
     LEFT JOIN exchange_connections c ON c.tenant_id = u.tenant_id
     WHERE u.id = $1::uuid`,
    [userId],
  );
  const r = rows[0];
  if (!r) return null;
  const sealed = (ciphertext: string | null, keyId: string | null): Sealed | null =>
    ciphertext !== null && keyId !== null ? { ciphertext, keyId } : null;
  return {
    user: userFromSql(r),
    tenant: {
      id: r.tenant_id,
      name: r.t_name,
      nextcloudUrl: r.t_nextcloud_url,
      settings: r.t_settings ?? {},
      createdAt: r.t_created_at,
      updatedAt: r.t_updated_at,
    },
    appPassword: sealed(r.app_password_ciphertext, r.app_password_key_id),
    connection: r.c_id
      ? {
          connection: {
            id: r.c_id,
            tenantId: r.tenant_id,
            kind: r.c_kind,
            endpoint: r.c_endpoint,
            authKind: r.c_auth_kind,
            username: r.c_username,
            entraTenantId: r.c_entra_tenant_id,
            clientId: r.c_client_id,
            authority: r.c_authority,
            hasSecret: r.c_secret_ciphertext !== null,
            hasCertificate: r.c_certificate_ciphertext !== null,
            createdAt: r.c_created_at,
            updatedAt: r.c_updated_at,
          },
          secrets: {
            secret: sealed(r.c_secret_ciphertext, r.c_secret_key_id),
            certificate: sealed(r.c_certificate_ciphertext, r.c_certificate_key_id),
          },
        }
      : null,
    pairs: (r.pairs ?? []).map((p) => ({
      id: p.id,
      kind: p.kind,
      aCollectionId: p.a,
      bCollectionId: p.b,
      bSyncToken: p.state.bSyncToken,
      lastRunFailed: p.last === 'failed',
      lastRunRunning: p.last === 'running',
      state: toPairState(p.state),
      held: p.held,
    })),
  };
}
