import { createRepositories, type Database, type SyncRun, type User } from '@exsync/db';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { Errors } from '../../errors';
import type { JobQueue } from '../../jobs/queue';
import type { ServiceStore } from '../../store/port';
import { errorResponses, opId, scopeParams, type TenantScopeOptions } from '../common';
import { countsOf } from '../run-counts';
import { decodeTimeCursor, encodeTimeCursor, enrolledUser, pendingJobView } from '../user-scope';
import { durationOf, itemErrorsView, progressView, requestsView } from '../users/index';
import { NcUserId } from '../users/schemas';
import { ActionResult, RunList, RunQuery, type RunView } from './schemas';

export interface SyncRoutesOptions {
  store: ServiceStore;
  db: Database;
  queue: JobQueue;
}

type Action = 'sync' | 'resync' | 'pause' | 'resume';

const SUMMARIES: Record<Action, { summary: string; description: string }> = {
  sync: {
    summary: 'Sync the user now',
    description:
      'Queues a sync of the user at once (a waiting job is brought forward; a running one is followed by this one; a job left by a worker that stopped is run again). 409 for a paused user or one waiting for a new app password.',
  },
  resync: {
    summary: 'Resync the user from scratch',
    description:
      "Forgets the user's sync tokens and queues a run that lists both sides in the window and re-matches them. It never deletes anything: absence from a listing is not a deletion.",
  },
  pause: {
    summary: 'Pause the user',
    description: 'The user is no longer scheduled; a waiting job is dropped, a running one finishes. Idempotent.',
  },
  resume: {
    summary: 'Resume a paused user',
    description:
      'A paused user becomes active and is synced at once. Any other state is left as it is (idempotent); auth_required ends only with a new app password.',
  },
};

/** POST /users/{ncUserId}/sync|resync|pause|resume and GET /users/{ncUserId}/runs. */
export const syncRoutes: FastifyPluginAsyncTypebox<TenantScopeOptions & SyncRoutesOptions> = async (
  app,
  { explicit, store, db, queue },
) => {
  const repos = createRepositories(db);
  const params = scopeParams(explicit, { ncUserId: NcUserId });

  const userOf = (tenantId: string, ncUserId: string) => enrolledUser(store, tenantId, ncUserId);

  async function result(user: User): Promise<Static<typeof ActionResult>> {
    return {
      ncUserId: user.ncUserId,
      state: user.state,
      stateReason: user.stateReason,
      stateCode: user.stateCode,
      job: await pendingJobView(queue, user.id),
    };
  }

  const actions: Record<Action, (user: User) => Promise<User>> = {
    async sync(user) {
      if (user.state === 'paused' || user.state === 'auth_required') throw new Errors.USER_NOT_SYNCABLE(user.ncUserId);
      // A job whose worker stopped (lease not renewed) would otherwise hold the user until the next sweep.
      await queue.recoverExpired();
      await queue.enqueue({ tenantId: user.tenantId, userId: user.id, ncUserId: user.ncUserId });
      return user;
    },
    async resync(user) {
      if (user.state === 'paused' || user.state === 'auth_required') throw new Errors.USER_NOT_SYNCABLE(user.ncUserId);
      await queue.recoverExpired();
      await queue.enqueue({ tenantId: user.tenantId, userId: user.id, ncUserId: user.ncUserId, resync: true });
      return user;
    },
    async pause(user) {
      const paused = await repos.users.setState(
        user.tenantId,
        user.ncUserId,
        'paused',
        'Paused by an administrator.',
        'paused',
      );
      await queue.cancelWaiting(user.id);
      return paused;
    },
    async resume(user) {
      if (user.state !== 'paused') return user;
      const active = await repos.users.setState(user.tenantId, user.ncUserId, 'active', null);
      await queue.enqueue({ tenantId: user.tenantId, userId: user.id, ncUserId: user.ncUserId });
      return active;
    },
  };

  for (const action of Object.keys(actions) as Action[]) {
    app.post(
      `/users/:ncUserId/${action}`,
      {
        config: { access: 'tenant' },
        schema: {
          tags: ['sync'],
          operationId: opId(explicit, `${action}User`),
          ...SUMMARIES[action],
          params,
          response: { 200: ActionResult, ...errorResponses(404, 409, 415) },
        },
      },
      async (request) => {
        const user = await userOf(request.tenantId!, request.params.ncUserId);
        return result(await actions[action](user));
      },
    );
  }

  app.get(
    '/users/:ncUserId/runs',
    {
      config: { access: 'tenant' },
      schema: {
        tags: ['sync'],
        operationId: opId(explicit, 'listUserRuns'),
        summary: "The user's sync runs, newest first, a page at a time",
        description:
          'One run per collection pair and sync, plus runs that failed before reaching a pair. Pass `nextCursor` back as `cursor` until it is null.',
        params,
        querystring: RunQuery,
        response: { 200: RunList, ...errorResponses(404) },
      },
    },
    async (request) => {
      const user = await userOf(request.tenantId!, request.params.ncUserId);
      const limit = request.query.limit === undefined ? 20 : Number(request.query.limit);
      const cursor = request.query.cursor === undefined ? undefined : decodeTimeCursor(request.query.cursor);
      const after = cursor ? { startedAt: cursor.at, id: cursor.id } : undefined;
      const { runs, more } = await repos.syncRuns.page(user.id, { limit, ...(after ? { after } : {}) });
      const last = runs.at(-1);
      return {
        items: runs.map(runView),
        nextCursor: more && last ? encodeTimeCursor(last.startedAt, last.id) : null,
      };
    },
  );
};

/** Only the view's own fields are copied, so nothing else stored with a run (its plan) reaches the response. */
function runView(r: SyncRun & { kind: 'event' | 'task' | 'contact' | null; dryRun: boolean }): Static<typeof RunView> {
  return {
    id: r.id,
    kind: r.kind,
    syncId: r.syncId,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    outcome: r.outcome,
    counts: countsOf(r.counts),
    requests: requestsView(r.requests),
    durationMs: durationOf(r),
    error: r.error,
    itemErrors: itemErrorsView(r.itemErrors),
    dryRun: r.dryRun,
    progress: progressView(r.progress),
  };
}
