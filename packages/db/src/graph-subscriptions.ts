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
  /** Every subscription (of every tenant) that expires at or before `before`, soonest first, at most `limit`. */
  expiringBy(before: Date, limit: number): Promise<GraphSubscriptionRecord[]>;
  /** Stores a new subscription, replacing any earlier one of the user for the same resource. */
  save(record: Omit<GraphSubscriptionRecord, 'lastNotificationAt'>): Promise<void>;
  renewed(id: string, expiresAt: Date): Promise<void>;
  /** Renew at the next sync (reauthorizationRequired): the expiry is brought forward to now. */
  expireNow(id: string): Promise<void>;
  notified(id: string, at: Date): Promise<void>;
  /**
   * Counts one notification for the subscription in its current fixed window (a new window starts at `at` once
   * `windowMs` has passed since the last began): `allowed` while the count is within `max`, `first-refused` for the
   * first one over it (the caller owes the user one sync when the window ends), `refused` after that and for a
   * subscription that does not exist. Counted in the database, so every replica behind the notification URL
   * enforces one limit, and concurrent notifications are counted exactly (one statement each).
   */
  countNotification(
    id: string,
    limits: { max: number; windowMs: number; at: Date },
  ): Promise<{ verdict: 'allowed' | 'first-refused' | 'refused'; windowEndsAt: Date | null }>;
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
    async expiringBy(before, limit) {
      const rows = await db.query<Row>(
        `SELECT ${COLUMNS} FROM graph_subscriptions WHERE expires_at <= $1 ORDER BY expires_at, id LIMIT $2`,
        [before, limit],
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
    async countNotification(id, { max, windowMs, at }) {
      // In an UPDATE every SET expression sees the row as it was, under its row lock. The window runs on the
      // caller's clock (`at`), so a test's simulated clock and the owed sync's timer agree with it.
      const rows = await db.query<{ count: number; window_start: Date | string }>(
        `UPDATE graph_subscriptions SET
           notify_window_start = CASE
             WHEN notify_window_start IS NULL
               OR notify_window_start + $2::int * interval '1 millisecond' <= $3::timestamptz
             THEN $3::timestamptz ELSE notify_window_start END,
           notify_count = CASE
             WHEN notify_window_start IS NULL
               OR notify_window_start + $2::int * interval '1 millisecond' <= $3::timestamptz
             THEN 1 ELSE notify_count + 1 END
         WHERE id = $1
         RETURNING notify_count AS count, notify_window_start AS window_start`,
        [id, windowMs, at],
      );
      const row = rows[0];
      if (!row) return { verdict: 'refused', windowEndsAt: null };
      const count = Number(row.count);
      const windowEndsAt = new Date(new Date(row.window_start).getTime() + windowMs);
      const verdict = count <= max ? 'allowed' : count === max + 1 ? 'first-refused' : 'refused';
      return { verdict, windowEndsAt };
    },
    async remove(id) {
      await db.query('DELETE FROM graph_subscriptions WHERE id = $1', [id]);
    },
  };
}
