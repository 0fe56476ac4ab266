import type { User } from '@exsync/db';
import type { Static } from 'typebox';
import { Errors } from '../errors';
import type { JobQueue } from '../jobs/queue';
import type { ServiceStore } from '../store/port';
import type { PendingJob } from './sync/schemas';

/** Helpers the per-user routes (sync actions, runs, review) share. */

/** The enrolled user, or 404 EXSYNC_USER_NOT_FOUND. */
export async function enrolledUser(store: ServiceStore, tenantId: string, ncUserId: string): Promise<User> {
  const user = await store.users.get(tenantId, ncUserId);
  if (!user) throw new Errors.USER_NOT_FOUND(JSON.stringify(ncUserId));
  return user as User;
}

/** The user's waiting or running job as the API shows it. */
export async function pendingJobView(queue: JobQueue, userId: string): Promise<Static<typeof PendingJob>> {
  const job = await queue.pendingFor(userId);
  return job ? { state: job.state, runAfter: job.runAfter.toISOString(), resync: job.resync } : null;
}

/** A page cursor for lists ordered newest first by (time, id): opaque to clients, checked when it comes back. */
export function encodeTimeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The (time, id) a cursor names; 400 EXSYNC_INVALID_CURSOR for one this service did not issue. */
export function decodeTimeCursor(cursor: string): { at: string; id: string } {
  const [at, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (rest.length > 0 || !at || !id || !UUID.test(id) || Number.isNaN(Date.parse(at))) {
    throw new Errors.INVALID_CURSOR();
  }
  return { at, id };
}
