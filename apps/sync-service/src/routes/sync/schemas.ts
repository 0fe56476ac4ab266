import { Type } from 'typebox';
import { USER_STATES } from '../../store/port';
import { DurationMs, ItemErrors, RunCounts, RunProgressView, RunRequests } from '../users/schemas';

const closed = { additionalProperties: false } as const;

export const PendingJob = Type.Union(
  [
    Type.Object(
      {
        state: Type.Enum(['queued', 'active'], { description: 'queued: waiting for a worker; active: running.' }),
        runAfter: Type.String({ format: 'date-time', description: 'When a queued job may start.' }),
        resync: Type.Boolean({ description: 'The run forgets sync tokens and re-matches both sides first.' }),
      },
      closed,
    ),
    Type.Null(),
  ],
  { description: "The user's waiting or running sync job, if any." },
);

export const ActionResult = Type.Object(
  {
    ncUserId: Type.String(),
    state: Type.Enum(USER_STATES),
    stateReason: Type.Union([Type.String(), Type.Null()]),
    stateCode: Type.Union([Type.String(), Type.Null()]),
    job: PendingJob,
  },
  closed,
);

export const RunView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    kind: Type.Union([Type.Enum(['event', 'task', 'contact']), Type.Null()], {
      description: 'The item kind of the pair the run synced; null for a run that failed before any pair.',
    }),
    syncId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
      description: 'The sync this run was part of: the runs of one sync (one per item kind) share it.',
    }),
    startedAt: Type.String({ format: 'date-time' }),
    finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    outcome: Type.Enum(['running', 'success', 'partial', 'failed', 'cancelled']),
    counts: RunCounts,
    requests: RunRequests,
    durationMs: DurationMs,
    error: Type.Union([Type.String(), Type.Null()]),
    itemErrors: ItemErrors,
    dryRun: Type.Boolean(),
    progress: RunProgressView,
  },
  closed,
);

export const RunList = Type.Object(
  {
    items: Type.Array(RunView),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` to get older runs; null on the last page.',
    }),
  },
  closed,
);

export const RunQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.String({ pattern: '^(?:[1-9][0-9]?|100)$', description: 'Page size, 1 to 100 (default 20).' }),
    ),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  closed,
);
