// Microsoft Graph change-notification subscriptions, one per user and watched resource. The row outlives a
// service restart, so a notification arriving after one is still recognised; its clientState is stored as the
// vault sealed it and never decrypted here.
import type { Database } from './open-database';
import type { Sealed } from './types';

export interface GraphSubscriptionRecord {
  /** The id Graph gave the subscription. */
  id: string;
  tenantId: string;
  userId: string;
  resource: string;
  clientState: Sealed;
  expiresAt: Date;
  lastNotificationAt: Date | null;
}

export interface GraphSubscriptionRepository {
  get(id: string): Promise<GraphSubscriptionRecord | null>;
  forResource(userId: string, resource: string): Promise<GraphSubscriptionRecord | null>;
  forUser(userId: string): Promise<GraphSubscriptionRecord[]>;
  /** Stores a new subscription, replacing any earlier one of the user for the same resource. */
  save(record: Omit<GraphSubscriptionRecord, 'lastNotificationAt'>): Promise<void>;
  renewed(id: string, expiresAt: Date): Promise<void>;
  /** Renew at the next sync (reauthorizationRequired): the expiry is brought forward to now. */
  expireNow(id: string): Promise<void>;
  notified(id: string, at: Date): Promise<void>;
  /**
   * Counts one notification for the subscription in its current fixed window (a new window starts once `windowMs`
   * has passed); true while the count is within `max`. Counted in the database, so every replica behind the
   * notification URL enforces one limit, and concurrent notifications are counted exactly (one statement each).
   * False for a subscription that does not exist.
   */
  countNotification(id: string, limits: { max: number; windowMs: number }): Promise<boolean>;
  remove(id: string): Promise<void>;
}

interface Row {
  id: string;
  tenant_id: string;
  user_id: string;
  resource: string;
  client_state_ciphertext: string;
  client_state_key_id: string;
  expires_at: Date | string;
  last_notification_at: Date | string | null;
}

const COLUMNS = `id, tenant_id::text, user_id::text, resource, client_state_ciphertext, client_state_key_id,
  expires_at, last_notification_at`;

function toRecord(r: Row): GraphSubscriptionRecord {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    userId: r.user_id,
    resource: r.resource,
    clientState: { ciphertext: r.client_state_ciphertext, keyId: r.client_state_key_id },
    expiresAt: new Date(r.expires_at),
    lastNotificationAt: r.last_notification_at === null ? null : new Date(r.last_notification_at),
  };
}

export function createGraphSubscriptionRepository(db: Database): GraphSubscriptionRepository {
  const one = async (sql: string, params: unknown[]) => {
    const row = (await db.query<Row>(sql, params))[0];
    return row ? toRecord(row) : null;
  };
  return {
    get: (id) => one(`SELECT ${COLUMNS} FROM graph_subscriptions WHERE id = $1`, [id]),
    forResource: (userId, resource) =>
      one(`SELECT ${COLUMNS} FROM graph_subscriptions WHERE user_id = $1::uuid AND resource = $2`, [userId, resource]),
    async forUser(userId) {
      const rows = await db.query<Row>(
        `SELECT ${COLUMNS} FROM graph_subscriptions WHERE user_id = $1::uuid ORDER BY resource`,
        [userId],
      );
      return rows.map(toRecord);
    },
    async save(r) {
      await db.query(
        `INSERT INTO graph_subscriptions
           (id, tenant_id, user_id, resource, client_state_ciphertext, client_state_key_id, expires_at)
         VALUES ($1, $2::uuid, $3::uuid, $4, $5, $6, $7)
         ON CONFLICT (user_id, resource) DO UPDATE SET id = EXCLUDED.id,
           client_state_ciphertext = EXCLUDED.client_state_ciphertext,
           client_state_key_id = EXCLUDED.client_state_key_id, expires_at = EXCLUDED.expires_at,
           last_notification_at = NULL, created_at = now()`,
        [r.id, r.tenantId, r.userId, r.resource, r.clientState.ciphertext, r.clientState.keyId, r.expiresAt],
      );
    },
    async renewed(id, expiresAt) {
      await db.query('UPDATE graph_subscriptions SET expires_at = $2 WHERE id = $1', [id, expiresAt]);
    },
    async expireNow(id) {
      await db.query('UPDATE graph_subscriptions SET expires_at = LEAST(expires_at, now()) WHERE id = $1', [id]);
    },
    async notified(id, at) {
      await db.query('UPDATE graph_subscriptions SET last_notification_at = $2 WHERE id = $1', [id, at]);
    },
    async countNotification(id, { max, windowMs }) {
      // In an UPDATE every SET expression sees the row as it was, under its row lock.
      const rows = await db.query<{ allowed: boolean }>(
        `UPDATE graph_subscriptions SET
           notify_window_start = CASE
             WHEN notify_window_start IS NULL OR notify_window_start + $3::int * interval '1 millisecond' <= now()
             THEN now() ELSE notify_window_start END,
           notify_count = CASE
             WHEN notify_window_start IS NULL OR notify_window_start + $3::int * interval '1 millisecond' <= now()
             THEN 1 ELSE notify_count + 1 END
         WHERE id = $1
         RETURNING notify_count <= $2::int AS allowed`,
        [id, max, windowMs],
      );
      return rows[0]?.allowed === true;
    },
    async remove(id) {
      await db.query('DELETE FROM graph_subscriptions WHERE id = $1', [id]);
    },
  };
}
