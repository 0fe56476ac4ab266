import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { Errors } from '../../errors';
import { describeValidation } from '../../plugins/errors';
import {
  InvalidCursorError,
  type RunItemError,
  type RunRequests,
  type ServiceStore,
  type SyncRun,
  type SyncSummary,
  secretContext,
  type User,
  type UserInput,
} from '../../store/port';
import type { Vault } from '../../vault/vault';
import { errorResponses, NoContent, opId, scopeParams, type TenantScopeOptions } from '../common';
import { countsOf } from '../run-counts';
import {
  BULK_LIMIT,
  BulkBody,
  BulkResult,
  type BulkUserItem,
  type ItemErrors,
  type LastRun,
  ListQuery,
  NcUserId,
  type RunProgressView,
  type RunRequests as RunRequestsView,
  UserBody,
  UserCounts,
  UserDetail,
  UserList,
  UserView,
} from './schemas';

/** The Nextcloud app sends a heartbeat at least every 15 minutes; an hour without one means it is not there. */
export const NEXTCLOUD_APP_SEEN_WITHIN_MS = 60 * 60_000;

function view(u: User): Static<typeof UserView> {
  return {
    ncUserId: u.ncUserId,
    loginName: u.loginName,
    email: u.email,
    mailbox: u.mailbox,
    displayName: u.displayName,
    hasAppPassword: true,
    state: u.state,
    stateReason: u.stateReason,
    stateCode: u.stateCode,
    lastSuccessAt: u.lastSyncAt?.toISOString() ?? null,
    lastAttemptAt: u.lastAttemptAt?.toISOString() ?? null,
    lastSyncAt: u.lastSyncAt?.toISOString() ?? null,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
  };
}

/** Only the progress' own fields are copied. */
export function progressView(p: SyncRun['progress']): Static<typeof RunProgressView> {
  return p ? { phase: p.phase, ...(p.side ? { side: p.side } : {}), done: p.done, planned: p.planned, at: p.at } : null;
}

/** Milliseconds from start to finish; null while running. */
export function durationOf(r: { startedAt: Date; finishedAt: Date | null }): number | null {
  return r.finishedAt ? Math.max(0, r.finishedAt.getTime() - r.startedAt.getTime()) : null;
}

/** Only the requests' own fields are copied. */
export function requestsView(r: RunRequests | null): Static<typeof RunRequestsView> {
  return r ? { exchange: r.exchange, nextcloud: r.nextcloud } : null;
}

const SIDES = { a: 'exchange', b: 'nextcloud' } as const;

/** Only each item error's own fields are copied; the engine's sides are named (a is Exchange, b Nextcloud). */
export function itemErrorsView(errors: readonly RunItemError[]): Static<typeof ItemErrors> {
  return errors.map((e) => ({
    item: e.item,
    href: e.href ?? null,
    side: e.side ? SIDES[e.side] : null,
    reason: e.reason,
    code: e.code ?? null,
  }));
}

/** Only the summary's own fields are copied, so nothing else stored with a run can reach the response. */
function lastRunView(r: SyncSummary | null): Static<typeof LastRun> {
  if (!r) return null;
  return {
    syncId: r.syncId,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    outcome: r.outcome,
    counts: countsOf(r.counts),
    requests: requestsView(r.requests),
    durationMs: durationOf(r),
    error: r.error,
    itemErrors: itemErrorsView(r.itemErrors),
    progress: progressView(r.progress),
    kinds: r.parts.map((p) => ({
      kind: p.kind,
      outcome: p.outcome,
      counts: countsOf(p.counts),
      requests: requestsView(p.requests),
      durationMs: durationOf(p),
      error: p.error,
      itemErrors: itemErrorsView(p.itemErrors),
    })),
  };
}

export const usersRoutes: FastifyPluginAsyncTypebox<
  TenantScopeOptions & {
    store: ServiceStore;
    vault: Vault;
    /** Runs before a user is deleted (Graph subscriptions); its failure is logged, never blocks the deletion. */
    beforeUserRemoved?: ((tenantId: string, ncUserId: string) => Promise<void>) | undefined;
  }
> = async (app, options) => {
  const { explicit, store, vault } = options;
  const toInput = (tenantId: string, ncUserId: string, body: Static<typeof UserBody>): UserInput => ({
    ncUserId,
    loginName: body.loginName,
    email: body.email ?? null,
    mailbox: body.mailbox ?? null,
    displayName: body.displayName ?? null,
    appPassword: vault.seal(body.appPassword, secretContext.appPassword(tenantId, ncUserId)),
  });

  app.put(
    '/users/:ncUserId',
    {
      config: { access: 'tenant' },
      schema: {
        tags: ['users'],
        operationId: opId(explicit, 'putUser'),
        summary: 'Enroll a user, or update an enrolled one (idempotent)',
        description:
          'Creates the user (201) or replaces their login name, app password and details (200). A paused or failed user keeps their state; a user waiting for new credentials (auth_required) becomes active again.',
        params: scopeParams(explicit, { ncUserId: NcUserId }),
        body: UserBody,
        response: { 200: UserView, 201: UserView, ...errorResponses(404, 413, 415) },
      },
    },
    async (request, reply) => {
      const tenantId = request.tenantId!;
      const { user, created } = await store.users.upsert(
        tenantId,
        toInput(tenantId, request.params.ncUserId, request.body),
      );
      return reply.status(created ? 201 : 200).send(view(user));
    },
  );

  app.post(
    '/users/bulk',
    {
      config: { access: 'tenant' },
      // Validation errors are mapped here so an oversized list gets its own code.
      attachValidation: true,
      schema: {
        tags: ['users'],
        operationId: opId(explicit, 'bulkUpsertUsers'),
        summary: `Enroll or update up to ${BULK_LIMIT} users in one request (all or nothing)`,
        description:
          'Every user is validated first and all are written in one transaction: either every user is enrolled or updated, or none is and the error names the first offending entry. Safe to retry.',
        params: scopeParams(explicit, {}),
        body: BulkBody,
        response: { 200: BulkResult, ...errorResponses(404, 413, 415) },
      },
    },
    async (request) => {
      const invalid = request.validationError;
      if (invalid) {
        const issues = (invalid.validation ?? []) as unknown as Parameters<typeof describeValidation>[1];
        if (issues[0]?.keyword === 'maxItems' && issues[0].instancePath === '/users') {
          throw new Errors.BULK_LIMIT_EXCEEDED(BULK_LIMIT);
        }
        throw new Errors.VALIDATION_FAILED(describeValidation(invalid.validationContext, issues));
      }
      const tenantId = request.tenantId!;
      const seen = new Set<string>();
      for (const u of request.body.users) {
        if (seen.has(u.ncUserId)) throw new Errors.DUPLICATE_USER_IN_BULK(JSON.stringify(u.ncUserId));
        seen.add(u.ncUserId);
      }
      const inputs = request.body.users.map((u: Static<typeof BulkUserItem>) => {
        const { ncUserId, ...rest } = u;
        return toInput(tenantId, ncUserId, rest);
      });
      return store.users.upsertMany(tenantId, inputs);
    },
  );

  app.get(
    '/users',
    {
      config: { access: 'tenant' },
      schema: {
        tags: ['users'],
        operationId: opId(explicit, 'listUsers'),
        summary: 'List enrolled users, a page at a time, optionally by state or a search, in a chosen order',
        params: scopeParams(explicit, {}),
        querystring: ListQuery,
        response: { 200: UserList, ...errorResponses(404) },
      },
    },
    async (request) => {
      const { state, cursor, q, sort, order } = request.query;
      const limit = request.query.limit === undefined ? 100 : Number(request.query.limit);
      try {
        const page = await store.users.list(request.tenantId!, {
          limit,
          ...(state ? { state } : {}),
          ...(cursor ? { cursor } : {}),
          ...(q?.trim() ? { search: q.trim() } : {}),
          ...(sort ? { sort } : {}),
          ...(order ? { order } : {}),
        });
        return { items: page.items.map(view), nextCursor: page.nextCursor };
      } catch (e) {
        if (e instanceof InvalidCursorError) throw new Errors.INVALID_CURSOR();
        throw e;
      }
    },
  );

  app.get(
    '/user-counts',
    {
      config: { access: 'tenant' },
      schema: {
        tags: ['users'],
        operationId: opId(explicit, 'countUsers'),
        summary: 'How many enrolled users are in each state (for filter chips and dashboards)',
        params: scopeParams(explicit, {}),
        response: { 200: UserCounts, ...errorResponses(404) },
      },
    },
    async (request) => {
      const counts = await store.users.counts(request.tenantId!);
      return { counts, total: Object.values(counts).reduce((a, b) => a + b, 0) };
    },
  );

  app.get(
    '/users/:ncUserId',
    {
      config: { access: 'tenant' },
      schema: {
        tags: ['users'],
        operationId: opId(explicit, 'getUser'),
        summary: 'Read one enrolled user (never their app password), with their last sync run',
        params: scopeParams(explicit, { ncUserId: NcUserId }),
        response: { 200: UserDetail, ...errorResponses(404) },
      },
    },
    async (request) => {
      const user = await store.users.get(request.tenantId!, request.params.ncUserId);
      if (!user) throw new Errors.USER_NOT_FOUND(JSON.stringify(request.params.ncUserId));
      const subscriptions = await store.users.graphSubscriptions(user.id);
      const nextcloud = await store.users.nextcloudPush(user.id);
      const now = Date.now();
      return {
        ...view(user),
        lastRun: lastRunView(await store.users.lastRun(user.id)),
        graphNotifications: subscriptions.map((s) => ({
          resource: s.resource,
          expiresAt: s.expiresAt.toISOString(),
          lastNotificationAt: s.lastNotificationAt?.toISOString() ?? null,
        })),
        push: {
          exchange: exchangePush(subscriptions, await store.users.pushStatus(user.id)),
          nextcloud: {
            active: nextcloud.appSeenAt !== null && now - nextcloud.appSeenAt.getTime() <= NEXTCLOUD_APP_SEEN_WITHIN_MS,
            lastNotificationAt: nextcloud.lastNotificationAt?.toISOString() ?? null,
          },
        },
      };
    },
  );

  app.delete(
    '/users/:ncUserId',
    {
      config: { access: 'tenant' },
      schema: {
        tags: ['users'],
        operationId: opId(explicit, 'deleteUser'),
        summary: 'Remove a user: stop syncing, forget credentials and sync state',
        description:
          "The user's calendars, contacts and tasks stay untouched on both sides; only the service's record of them (credentials, sync tokens, item links, run history) is deleted.",
        params: scopeParams(explicit, { ncUserId: NcUserId }),
        response: { 204: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      // Graph subscriptions first: afterwards nothing would say which to delete. Never blocks the deletion.
      await options.beforeUserRemoved?.(request.tenantId!, request.params.ncUserId).catch((error: unknown) => {
        request.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'user clean-up failed');
      });
      const deleted = await store.users.delete(request.tenantId!, request.params.ncUserId);
      if (!deleted) throw new Errors.USER_NOT_FOUND(JSON.stringify(request.params.ncUserId));
      return reply.status(204).send();
    },
  );
};

/**
 * Exchange push for the user view: Graph subscriptions when the user has any (they live in their own table),
 * else what the EWS streaming watcher last reported, else polling.
 */
function exchangePush(
  subscriptions: readonly { expiresAt: Date; lastNotificationAt: Date | null }[],
  statuses: readonly {
    side: string;
    mode: 'ews-streaming' | 'graph-subscription' | 'polling';
    active: boolean;
    lastNotificationAt: Date | null;
    error: string | null;
  }[],
) {
  if (subscriptions.length > 0) {
    const last = subscriptions.map((s) => s.lastNotificationAt?.getTime() ?? 0).reduce((a, b) => Math.max(a, b), 0);
    return {
      mode: 'graph-subscription' as const,
      active: subscriptions.every((s) => s.expiresAt.getTime() > Date.now()),
      lastNotificationAt: last > 0 ? new Date(last).toISOString() : null,
      error: null,
    };
  }
  const s = statuses.find((x) => x.side === 'exchange');
  if (!s) return { mode: 'polling' as const, active: false, lastNotificationAt: null, error: null };
  return {
    mode: s.mode,
    active: s.active,
    lastNotificationAt: s.lastNotificationAt?.toISOString() ?? null,
    error: s.error,
  };
}
