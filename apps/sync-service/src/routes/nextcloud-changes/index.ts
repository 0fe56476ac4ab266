import { createRepositories, type Database } from '@exsync/db';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { JobQueue } from '../../jobs/queue';
import { type ItemKindName, withDefaults } from '../../settings';
import { errorResponses, opId, scopeParams, type TenantScopeOptions } from '../common';
import { NcUserId } from '../users/schemas';

export interface NextcloudChangeRoutesOptions {
  db: Database;
  queue: JobQueue;
  now?: () => Date;
}

/** One call carries at most this many entries: the app batches per request and sends at most this many at once. */
export const MAX_CHANGES = 1000;
/** 1,000 entries of the longest user id fit in well under this; anything bigger is refused before parsing. */
export const CHANGES_BODY_LIMIT = 128 * 1024;
const NOT_SYNCED = new Set(['paused', 'auth_required']);

const Change = Type.Object(
  {
    ncUserId: NcUserId,
    kind: Type.Union([Type.Literal('events'), Type.Literal('contacts'), Type.Literal('tasks')], {
      description: 'Which synced collection changed: events, contacts or tasks.',
    }),
  },
  { additionalProperties: false },
);

const Result = Type.Object(
  {
    queued: Type.Integer({ description: 'Named users whose sync was queued (or already waiting, then kept).' }),
    ignored: Type.Integer({
      description:
        'Named users not synced for it: unknown, paused or waiting for credentials, or only kinds the tenant does not sync.',
    }),
  },
  { additionalProperties: false },
);

/**
 * POST /nextcloud-changes: the tenant's Nextcloud app says "these users' synced collections changed" (its change
 * listener, batched per Nextcloud request). The body is a trigger only: each named user's sync is queued the way a
 * Graph notification queues it (one waiting job per user, so a burst is one run), and the run reads the changes by
 * sync-token as always. An empty list is the app's heartbeat: it only records that the app is there.
 */
export const nextcloudChangeRoutes: FastifyPluginAsyncTypebox<
  TenantScopeOptions & NextcloudChangeRoutesOptions
> = async (app, { explicit, db, queue, now = () => new Date() }) => {
  const repos = createRepositories(db);
  app.post(
    '/nextcloud-changes',
    {
      bodyLimit: CHANGES_BODY_LIMIT,
      config: { access: 'tenant' },
      schema: {
        tags: ['sync'],
        operationId: opId(explicit, 'nextcloudChanges'),
        summary: 'Nextcloud collections changed: sync these users now (called by the exsync Nextcloud app)',
        description:
          "The exsync Nextcloud app calls this when an enrolled user's synced calendar, task list or address book changes in Nextcloud (not for the service's own writes). Each named user's sync is queued at once; a user with a job already waiting keeps that one job (a burst is one run). Entries are triggers only, never data. Unknown users, paused users, users waiting for credentials and kinds the tenant does not sync are ignored. An empty `changes` list is the app's heartbeat. At most 1,000 entries.",
        params: scopeParams(explicit, {}),
        body: Type.Object({ changes: Type.Array(Change, { maxItems: MAX_CHANGES }) }, { additionalProperties: false }),
        response: { 202: Result, ...errorResponses(413) },
      },
    },
    async (request, reply) => {
      const tenantId = request.tenantId!;
      const at = now();
      const tenant = await repos.tenants.get(tenantId);
      const settings = withDefaults(tenant?.settings);
      // Per user, whether any entry names a kind the tenant syncs: the user's one sync covers all its kinds.
      const wanted = new Map<string, boolean>();
      for (const c of request.body.changes) {
        wanted.set(c.ncUserId, (wanted.get(c.ncUserId) ?? false) || settings.itemKinds[c.kind as ItemKindName].enabled);
      }
      let queued = 0;
      const notified: string[] = [];
      for (const [ncUserId, enabled] of wanted) {
        const user = await repos.users.get(tenantId, ncUserId);
        if (!user) continue;
        notified.push(user.id);
        if (!enabled || NOT_SYNCED.has(user.state)) continue;
        await queue.enqueue({ tenantId, userId: user.id, ncUserId: user.ncUserId, mode: 'when-due' });
        queued++;
      }
      await repos.pushState.nextcloudCalled(tenantId, notified, at);
      const ignored = wanted.size - queued;
      if (request.body.changes.length > 0) {
        request.log.info({ entries: request.body.changes.length, queued }, 'Nextcloud change notification');
      }
      reply.code(202);
      return { queued, ignored };
    },
  );
};
