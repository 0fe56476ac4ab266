import { createRepositories, type Database } from '@exsync/db';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { Errors } from '../../errors';
import type { JobQueue } from '../../jobs/queue';
import type { ServiceStore } from '../../store/port';
import { errorResponses, opId, scopeParams, type TenantScopeOptions } from '../common';
import { decodeTimeCursor, encodeTimeCursor, enrolledUser, pendingJobView } from '../user-scope';
import { NcUserId } from '../users/schemas';
import {
  ConflictList,
  ConflictQuery,
  type ConflictView,
  DecisionBody,
  DecisionResult,
  HeldDeletionList,
  type HeldDeletionView,
} from './schemas';

export interface ReviewRoutesOptions {
  store: ServiceStore;
  db: Database;
  queue: JobQueue;
}

/** Side a of every pair is Exchange, side b Nextcloud. */
const sideName = (side: 'a' | 'b' | null) => (side === null ? null : side === 'a' ? 'exchange' : 'nextcloud');

/**
 * What the safety valves hold for a person to decide (DESIGN §4.5), and the conflict log:
 * GET /users/{ncUserId}/held-deletions, POST …/held-deletions/decision, GET /users/{ncUserId}/conflicts.
 * A decision is recorded at once and carried out by the user's next sync, which is queued straight away.
 */
export const reviewRoutes: FastifyPluginAsyncTypebox<TenantScopeOptions & ReviewRoutesOptions> = async (
  app,
  { explicit, store, db, queue },
) => {
  const repos = createRepositories(db);
  const params = scopeParams(explicit, { ncUserId: NcUserId });

  const userOf = (tenantId: string, ncUserId: string) => enrolledUser(store, tenantId, ncUserId);

  app.get(
    '/users/:ncUserId/held-deletions',
    {
      config: { access: 'tenant' },
      schema: {
        tags: ['review'],
        operationId: opId(explicit, 'listHeldDeletions'),
        summary: "The user's deletions held back for review",
        description:
          'Deletions a safety valve held back (more than the deletion policy allows, a side that suddenly looked empty, or a policy that holds every deletion). The user stays `needs_review` until every one is decided; a decided one stays listed, with its decision, until the next sync carries it out.',
        params,
        response: { 200: HeldDeletionList, ...errorResponses(404) },
      },
    },
    async (request) => {
      const user = await userOf(request.tenantId!, request.params.ncUserId);
      const held = await repos.review.heldDeletions(user.id);
      return {
        items: held.map(
          (h): Static<typeof HeldDeletionView> => ({
            id: h.id,
            kind: h.kind as Static<typeof HeldDeletionView>['kind'],
            deletedIn: sideName(h.deletedOn)!,
            reason: h.reason as Static<typeof HeldDeletionView>['reason'],
            heldAt: h.heldAt.toISOString(),
            summary: summaryOf(h.item),
            decision: h.decision,
            item: isObject(h.item) ? h.item : null,
          }),
        ),
      };
    },
  );

  app.post(
    '/users/:ncUserId/held-deletions/decision',
    {
      config: { access: 'tenant' },
      schema: {
        tags: ['review'],
        operationId: opId(explicit, 'decideHeldDeletions'),
        summary: 'Apply or restore held deletions',
        description:
          "Decides some (`ids`) or all (`all: true`) of the user's held deletions and queues a sync that carries the decision out: `apply` removes the item from the side that still holds it, `restore` brings it back on the side that deleted it (from the version both sides last agreed on). An item edited since it was held is never deleted: the edit wins. Deciding again before the sync replaces the decision.",
        params,
        body: DecisionBody,
        response: { 200: DecisionResult, ...errorResponses(404, 415) },
      },
    },
    async (request) => {
      const { decision, ids, all } = request.body;
      if ((ids === undefined) === (all === undefined)) {
        throw new Errors.VALIDATION_FAILED(
          'Give either `ids` (the held deletions to decide) or `all: true`, not both.',
        );
      }
      const user = await userOf(request.tenantId!, request.params.ncUserId);
      // UUIDs compare as text below: one spelling for all (the path's ids are lower-cased by the identifiers plugin).
      const result = await repos.review.decide(user.id, all ? 'all' : ids!.map((id) => id.toLowerCase()), decision);
      if (result.decided.length > 0 && user.state !== 'paused' && user.state !== 'auth_required') {
        await queue.enqueue({ tenantId: user.tenantId, userId: user.id, ncUserId: user.ncUserId });
      }
      return { decided: result.decided.length, notHeld: result.notHeld, job: await pendingJobView(queue, user.id) };
    },
  );

  app.get(
    '/users/:ncUserId/conflicts',
    {
      config: { access: 'tenant' },
      schema: {
        tags: ['review'],
        operationId: opId(explicit, 'listConflicts'),
        summary: "The user's conflict log, newest first",
        description:
          'Items both sides changed in the same field before a sync could carry either change over: both versions, the fields, and what the conflict policy chose. Pass `nextCursor` back as `cursor` until it is null.',
        params,
        querystring: ConflictQuery,
        response: { 200: ConflictList, ...errorResponses(404) },
      },
    },
    async (request) => {
      const user = await userOf(request.tenantId!, request.params.ncUserId);
      const limit = request.query.limit === undefined ? 20 : Number(request.query.limit);
      const cursor = request.query.cursor === undefined ? undefined : decodeTimeCursor(request.query.cursor);
      const before = cursor ? { createdAt: new Date(cursor.at), id: cursor.id } : undefined;
      const rows = await repos.review.conflicts(user.id, { limit: limit + 1, ...(before ? { before } : {}) });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map(
          (c): Static<typeof ConflictView> => ({
            id: c.id,
            kind: c.kind as Static<typeof ConflictView>['kind'],
            fields: [...c.fields],
            policy: c.policy,
            winner: sideName(c.winner),
            exchange: isObject(c.aItem) ? c.aItem : null,
            nextcloud: isObject(c.bItem) ? c.bItem : null,
            at: c.createdAt.toISOString(),
          }),
        ),
        nextCursor: rows.length > limit && last ? encodeTimeCursor(last.createdAt, last.id) : null,
      };
    },
  );
};

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** What a person recognises an item by: an event's or task's summary, a contact's name, a group's name. */
function summaryOf(item: unknown): string | null {
  if (!isObject(item)) return null;
  for (const key of ['summary', 'formattedName', 'name']) {
    const v = item[key];
    if (typeof v === 'string' && v !== '') return v;
  }
  return null;
}
