// How changes reach the service per user and side, as the process that watches reports it. The API may run in
// another process than the watcher, so the status lives here rather than in memory.
import type { Database } from './open-database';

export type PushSide = 'exchange' | 'nextcloud';
export type PushMode = 'ews-streaming' | 'graph-subscription' | 'polling';

export interface PushStatusRecord {
  userId: string;
  side: PushSide;
  mode: PushMode;
  active: boolean;
  lastNotificationAt: Date | null;
  error: string | null;
  updatedAt: Date;
}

export interface PushStatusRepository {
  forUser(userId: string): Promise<PushStatusRecord[]>;
  /** Records the mode, whether it is active and why not; keeps lastNotificationAt. */
  set(userId: string, side: PushSide, status: { mode: PushMode; active: boolean; error: string | null }): Promise<void>;
  notified(userId: string, side: PushSide, at: Date): Promise<void>;
  remove(userId: string, side: PushSide): Promise<void>;
}

interface Row {
  user_id: string;
  side: string;
  mode: string;
  active: boolean;
  last_notification_at: Date | string | null;
  error: string | null;
  updated_at: Date | string;
}

export function createPushStatusRepository(db: Database): PushStatusRepository {
  return {
    async forUser(userId) {
      const rows = await db.query<Row>(
        `SELECT user_id::text, side, mode, active, last_notification_at, error, updated_at
           FROM push_status WHERE user_id = $1::uuid ORDER BY side`,
        [userId],
      );
      return rows.map((r) => ({
        userId: r.user_id,
        side: r.side as PushSide,
        mode: r.mode as PushMode,
        active: r.active,
        lastNotificationAt: r.last_notification_at === null ? null : new Date(r.last_notification_at),
        error: r.error,
        updatedAt: new Date(r.updated_at),
      }));
    },
    async set(userId, side, s) {
      // A user deleted meanwhile has no row to write: the insert selects from users, so it writes nothing.
      await db.query(
        `INSERT INTO push_status (user_id, side, mode, active, error, updated_at)
           SELECT id, $2, $3, $4, $5, now() FROM users WHERE id = $1::uuid
         ON CONFLICT (user_id, side) DO UPDATE SET mode = EXCLUDED.mode, active = EXCLUDED.active,
           error = EXCLUDED.error, updated_at = EXCLUDED.updated_at`,
        [userId, side, s.mode, s.active, s.error],
      );
    },
    async notified(userId, side, at) {
      await db.query(
        'UPDATE push_status SET last_notification_at = $3, updated_at = now() WHERE user_id = $1::uuid AND side = $2',
        [userId, side, at],
      );
    },
    async remove(userId, side) {
      await db.query('DELETE FROM push_status WHERE user_id = $1::uuid AND side = $2', [userId, side]);
    },
  };
}
