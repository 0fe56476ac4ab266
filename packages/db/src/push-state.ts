// What the operator sees of push (change notifications) per user and side, besides the Graph subscriptions (their
// own table). The Nextcloud side has no subscription to store: the tenant's Nextcloud app calls the service when a
// synced collection changes, so what is worth keeping is when it last did, per user and per tenant.
import type { Database } from './open-database';

export interface NextcloudPushState {
  /** The last change the Nextcloud app reported for this user; null if none yet. */
  lastNotificationAt: Date | null;
  /** The last call of the tenant's Nextcloud app to the change route (changes or heartbeat); null if never. */
  appSeenAt: Date | null;
}

export interface PushStateRepository {
  /**
   * Records one call of the tenant's Nextcloud app: the tenant was seen at `at`, and each listed user (ids of the
   * tenant's users only) was notified at `at`. Returns how many of the listed users exist in the tenant.
   */
  nextcloudCalled(tenantId: string, userIds: readonly string[], at: Date): Promise<number>;
  nextcloud(userId: string): Promise<NextcloudPushState | null>;
}

export function createPushStateRepository(db: Database): PushStateRepository {
  return {
    async nextcloudCalled(tenantId, userIds, at) {
      await db.query('UPDATE tenants SET nc_push_seen_at = GREATEST(nc_push_seen_at, $2) WHERE id = $1::uuid', [
        tenantId,
        at,
      ]);
      if (userIds.length === 0) return 0;
      // The tenant condition keeps one tenant's call from touching another's users, whatever ids it names.
      const rows = await db.query<{ id: string }>(
        `UPDATE users SET nc_notified_at = GREATEST(nc_notified_at, $3)
         WHERE tenant_id = $1::uuid AND id = ANY($2::uuid[]) RETURNING id`,
        [tenantId, [...userIds], at],
      );
      return rows.length;
    },
    async nextcloud(userId) {
      const rows = await db.query<{ nc_notified_at: Date | string | null; nc_push_seen_at: Date | string | null }>(
        `SELECT u.nc_notified_at, t.nc_push_seen_at FROM users u JOIN tenants t ON t.id = u.tenant_id
         WHERE u.id = $1::uuid`,
        [userId],
      );
      const r = rows[0];
      if (!r) return null;
      return {
        lastNotificationAt: r.nc_notified_at === null ? null : new Date(r.nc_notified_at),
        appSeenAt: r.nc_push_seen_at === null ? null : new Date(r.nc_push_seen_at),
      };
    },
  };
}
