import type { OperationsRepository } from '@exsync/db';
import { userStates } from '@exsync/db';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SCHEDULED_STATES } from '../../jobs/scheduler';
import { errorResponses, opId, scopeParams, type TenantScopeOptions } from '../common';

const closed = { additionalProperties: false } as const;
const DateTime = Type.String({ format: 'date-time' });

const Overview = Type.Object(
  {
    users: Type.Object(Object.fromEntries(userStates.map((s) => [s, Type.Integer()])), {
      ...closed,
      description: 'Enrolled users per state.',
    }),
    last24h: Type.Object(
      {
        runs: Type.Integer({ description: 'Pair runs (one item kind of one user) started in the last 24 hours.' }),
        failures: Type.Integer({ description: 'Of those, runs that failed (outcome failed).' }),
        byOutcome: Type.Record(Type.String(), Type.Integer(), {
          description: 'The same runs by outcome (running, success, partial, failed, cancelled).',
        }),
      },
      closed,
    ),
    lastCycle: Type.Union(
      [
        Type.Object(
          {
            from: DateTime,
            to: DateTime,
            seconds: Type.Number({ description: 'to − from.' }),
            users: Type.Integer({ description: 'Users the cycle covered.' }),
          },
          closed,
        ),
        Type.Null(),
      ],
      {
        description:
          'The latest full cycle: from the oldest to the newest last sync of the users the scheduler syncs (every state but paused and auth_required). With every user synced once per interval, this is how long one round over the tenant took. null before any user synced.',
      },
    ),
    queue: Type.Object(
      {
        queued: Type.Integer({ description: 'Sync jobs waiting (due or not yet due).' }),
        active: Type.Integer({ description: 'Sync jobs being run.' }),
        oldestWaitingSince: Type.Union([DateTime, Type.Null()], {
          description: 'When the longest-waiting due job became due; null when none waits.',
        }),
      },
      closed,
    ),
  },
  closed,
);

/** One look at a tenant's health: who is in which state, how syncs went lately, and what waits in the queue. */
export const overviewRoutes: FastifyPluginAsyncTypebox<
  TenantScopeOptions & { operations: OperationsRepository }
> = async (app, { explicit, operations }) => {
  app.get(
    '/overview',
    {
      config: { access: 'tenant' },
      schema: {
        tags: ['overview'],
        operationId: opId(explicit, 'getOverview'),
        summary: "The tenant's sync health at a glance",
        description:
          'Users per state, runs and failures in the last 24 hours, the last full cycle, and the queue (depth and oldest waiting job).',
        params: scopeParams(explicit, {}),
        response: { 200: Overview, ...errorResponses(404) },
      },
    },
    async (request) => {
      const tenantId = request.tenantId!;
      const [users, runs, cycle, queue] = await Promise.all([
        operations.usersPerState(tenantId),
        operations.runsSince(tenantId, new Date(Date.now() - 86_400_000)),
        operations.cycleSpan(tenantId, SCHEDULED_STATES),
        operations.queueStats(tenantId),
      ]);
      return {
        users,
        last24h: { runs: runs.total, failures: runs.byOutcome.failed ?? 0, byOutcome: runs.byOutcome },
        lastCycle: cycle
          ? {
              from: cycle.from.toISOString(),
              to: cycle.to.toISOString(),
              seconds: (cycle.to.getTime() - cycle.from.getTime()) / 1000,
              users: cycle.users,
            }
          : null,
        queue: {
          queued: queue.queued,
          active: queue.active,
          oldestWaitingSince: queue.oldestDueSince?.toISOString() ?? null,
        },
      };
    },
  );
};
