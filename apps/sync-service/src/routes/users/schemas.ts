import { Type } from 'typebox';
import { USER_SORT_KEYS, USER_STATES } from '../../store/port';

const closed = { additionalProperties: false } as const;

export const BULK_LIMIT = 1000;

/** Nextcloud user ids: letters, digits, space and _ . @ - ' (Nextcloud's own rule), at most 64 characters. */
export const NcUserId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: "^[A-Za-z0-9 _.@'-]+$",
  description: 'The Nextcloud user id (uid).',
});

const nullableString = (max: number, description: string, format?: string) =>
  Type.Optional(
    Type.Union([Type.String({ minLength: 1, maxLength: max, ...(format ? { format } : {}) }), Type.Null()], {
      description,
    }),
  );

const userFields = {
  loginName: Type.String({
    minLength: 1,
    maxLength: 255,
    description: 'The login name the app password authenticates (Nextcloud DAV Basic auth user).',
  }),
  appPassword: Type.String({
    minLength: 1,
    maxLength: 1024,
    description: 'A Nextcloud app password for this user. Write-only: stored encrypted, never returned.',
  }),
  email: nullableString(320, 'The user’s e-mail address in Nextcloud.', 'email'),
  mailbox: nullableString(
    320,
    'The Exchange mailbox (SMTP address) to sync with; defaults to the e-mail address.',
    'email',
  ),
  displayName: nullableString(255, 'Display name, for the admin page.'),
};

export const UserBody = Type.Object(userFields, closed);

export const BulkUserItem = Type.Object({ ncUserId: NcUserId, ...userFields }, closed);

export const BulkBody = Type.Object(
  {
    users: Type.Array(BulkUserItem, {
      minItems: 1,
      maxItems: BULK_LIMIT,
      description: `1 to ${BULK_LIMIT} users. All or nothing: if one is invalid, none is written.`,
    }),
  },
  closed,
);

export const BulkResult = Type.Object(
  {
    created: Type.Integer({ description: 'Users enrolled by this request.' }),
    updated: Type.Integer({ description: 'Users that were already enrolled and were updated.' }),
  },
  closed,
);

export const UserState = Type.Enum(USER_STATES, {
  description:
    'active: synced on schedule; paused: by an admin; auth_required: the app password stopped working, push a new one; throttled: a server asked to slow down; error: the last run failed; needs_review: deletions were quarantined.',
});

export const UserView = Type.Object(
  {
    ncUserId: NcUserId,
    loginName: Type.String(),
    email: Type.Union([Type.String(), Type.Null()]),
    mailbox: Type.Union([Type.String(), Type.Null()]),
    displayName: Type.Union([Type.String(), Type.Null()]),
    hasAppPassword: Type.Boolean({ description: 'Always true: the app password is stored but never shown.' }),
    state: UserState,
    stateReason: Type.Union([Type.String(), Type.Null()], { description: 'Why the user is in this state.' }),
    stateCode: Type.Union([Type.String(), Type.Null()], {
      description:
        'The same as a stable code to branch on (README "How users are synced"), e.g. exchange_mailbox_not_found; null when there is nothing to say.',
    }),
    lastSuccessAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description:
        'End of the last sync in which every item kind synced; failed and partial syncs leave it alone. null before the first.',
    }),
    lastAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description:
        'End of the last finished sync, whatever its outcome (success, partial, failed). The sync interval counts from it. null before the first.',
    }),
    lastSyncAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      deprecated: true,
      description:
        'Deprecated: the same as lastSuccessAt, kept for existing clients (and as the sort key `lastSyncAt`).',
    }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  closed,
);

/** Where a running run is; shared by GET user (lastRun) and GET …/runs. */
export const RunProgressView = Type.Union(
  [
    Type.Object(
      {
        phase: Type.Enum(['listing', 'fetching', 'writing'], {
          description:
            'listing what changed on a side, fetching the changed items of a side, or writing the planned changes.',
        }),
        side: Type.Optional(
          Type.Enum(['a', 'b'], { description: 'While listing or fetching: a = Exchange, b = Nextcloud.' }),
        ),
        done: Type.Integer({ description: 'Items of this phase done so far.' }),
        planned: Type.Union([Type.Integer(), Type.Null()], {
          description: 'Items this phase will handle; null while listing (not known until the listing ends).',
        }),
        at: Type.String({
          format: 'date-time',
          description: 'When the run reported it (at most ~1 s old while items move).',
        }),
      },
      closed,
    ),
    Type.Null(),
  ],
  { description: 'While the run is going: where it is. null once it finished.' },
);

const OUTCOMES = ['running', 'success', 'partial', 'failed', 'cancelled'];

/** Writes per direction and action; shared by GET user (lastRun) and GET …/runs. */
export const RunCounts = Type.Record(Type.String(), Type.Record(Type.String(), Type.Integer()), {
  description:
    'Writes per direction and action, e.g. { "exchange_to_nextcloud": { "create": 3 } } (exchange_to_nextcloud: written to Nextcloud from Exchange, nextcloud_to_exchange: written to Exchange from Nextcloud); `failed` counts writes that failed, `conflict` the conflicts by policy.',
});

/** Requests per side; shared by GET user (lastRun) and GET …/runs. */
export const RunRequests = Type.Union(
  [
    Type.Object(
      {
        exchange: Type.Integer({
          description:
            'Requests sent to Exchange: EWS SOAP requests or Graph requests (Entra token requests not counted).',
        }),
        nextcloud: Type.Integer({ description: 'DAV requests sent to Nextcloud.' }),
      },
      closed,
    ),
    Type.Null(),
  ],
  {
    description:
      'Requests the run sent to each side; null while it runs (or for runs recorded before they were counted).',
  },
);

/** The items a run could not sync; shared by GET user (lastRun) and GET …/runs. */
export const ItemErrors = Type.Array(
  Type.Object(
    {
      item: Type.String({
        description: "What a person recognises: the item's title (summary, contact or group name), else its href.",
      }),
      href: Type.Union([Type.String(), Type.Null()], {
        description: 'Where the run read the item (its URL path on the side it came from); null when unknown.',
      }),
      side: Type.Union([Type.Enum(['exchange', 'nextcloud']), Type.Null()], {
        description: 'The side that refused the write, or that the item could not be read from; null when unknown.',
      }),
      reason: Type.String({ description: 'Why, as the side or the engine said it.' }),
      code: Type.Union([Type.String(), Type.Null()], {
        description:
          'A stable code when the failure was typed: rejected, invalid-item, retryable, not-found, precondition-failed.',
      }),
    },
    closed,
  ),
  {
    description:
      'Each item that failed with its reason, in the order they failed: at most the first 100 per run (the `failed` counts count them all). Empty when none did.',
  },
);

export const DurationMs = Type.Union([Type.Integer(), Type.Null()], {
  description: 'From start to finish in milliseconds; null while running.',
});

export const LastRunKind = Type.Object(
  {
    kind: Type.Union([Type.Enum(['event', 'task', 'contact']), Type.Null()], {
      description: 'The item kind this run synced; null for a sync that failed before reaching any kind.',
    }),
    outcome: Type.Enum(OUTCOMES),
    counts: RunCounts,
    requests: RunRequests,
    durationMs: DurationMs,
    error: Type.Union([Type.String(), Type.Null()], {
      description:
        'What went wrong, in words; items that failed are also listed as `<ident>: <reason>`, separated by "; " (itemErrors has them one by one).',
    }),
    itemErrors: ItemErrors,
  },
  closed,
);

export const LastRun = Type.Union(
  [
    Type.Object(
      {
        syncId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
          description: 'The sync summarised here: its runs in GET …/runs carry the same id.',
        }),
        startedAt: Type.String({ format: 'date-time' }),
        finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
          description: 'null while the run is still going.',
        }),
        outcome: Type.Enum(OUTCOMES, { description: 'The worst outcome of its runs.' }),
        counts: RunCounts,
        requests: RunRequests,
        durationMs: DurationMs,
        error: Type.Union([Type.String(), Type.Null()], { description: 'What went wrong; null when nothing did.' }),
        itemErrors: Type.Array(ItemErrors.items, {
          description: 'The failed items of every kind, as in `kinds[].itemErrors`.',
        }),
        progress: RunProgressView,
        kinds: Type.Array(LastRunKind, {
          description: 'The same per item kind, in the order they ran (one run per enabled kind).',
        }),
      },
      closed,
    ),
    Type.Null(),
  ],
  {
    description:
      "The user's most recent sync as one record: every item kind's run of it summed (counts, requests), the worst outcome, and each kind's run in `kinds`; null before the first. Every run is in GET …/runs.",
  },
);

export const GraphNotificationsView = Type.Array(
  Type.Object(
    {
      resource: Type.String({ description: 'The watched Graph folder.' }),
      expiresAt: Type.String({ format: 'date-time', description: 'Renewed by the first sync after half of it.' }),
      lastNotificationAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
        description: 'When the last accepted notification for it arrived.',
      }),
    },
    closed,
  ),
  {
    description:
      'Graph change notifications active for the user: one subscription per synced Graph folder. Empty: the user is synced by polling only (no EXSYNC_PUBLIC_URL, EWS, or not synced yet).',
  },
);

const PushSideView = Type.Object(
  {
    mode: Type.Enum(['graph-subscription', 'ews-streaming', 'polling'], {
      description:
        'How changes on this side reach the service: Graph change notifications, an EWS streaming connection, or polling only (the interval).',
    }),
    active: Type.Boolean({ description: 'True while notifications can arrive.' }),
    lastNotificationAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'When the last notification for the user arrived on this side.',
    }),
    error: Type.Union([Type.String(), Type.Null()], {
      description: 'Why push is not active (refused by the server, failing); null when nothing is wrong.',
    }),
  },
  closed,
);

const LastNotificationAt = Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
  description: 'When the last accepted change notification for the user arrived from this side; null if none yet.',
});

export const PushView = Type.Object(
  {
    exchange: PushSideView,
    nextcloud: Type.Object(
      {
        active: Type.Boolean({
          description:
            "The tenant's exsync Nextcloud app reports changes: it called the service within the last hour (a change or its heartbeat). False: Nextcloud changes wait for the next scheduled sync.",
        }),
        lastNotificationAt: LastNotificationAt,
      },
      closed,
    ),
  },
  {
    ...closed,
    description:
      'Push (change notifications) per side. Push only shortens the wait: scheduled syncs and the periodic full reconcile run either way.',
  },
);

export const UserDetail = Type.Object(
  { ...UserView.properties, lastRun: LastRun, graphNotifications: GraphNotificationsView, push: PushView },
  closed,
);

export const UserList = Type.Object(
  {
    items: Type.Array(UserView),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` to get the next page; null on the last page.',
    }),
  },
  closed,
);

export const UserCounts = Type.Object(
  {
    counts: Type.Object(Object.fromEntries(USER_STATES.map((s) => [s, Type.Integer({ minimum: 0 })])), {
      additionalProperties: false,
      description: 'Enrolled users per state; every state is present.',
    }),
    total: Type.Integer({ minimum: 0, description: 'All enrolled users of the tenant.' }),
  },
  closed,
);

export const ListQuery = Type.Object(
  {
    state: Type.Optional(UserState),
    limit: Type.Optional(
      Type.String({ pattern: '^(?:[1-9][0-9]{0,2}|1000)$', description: 'Page size, 1 to 1000 (default 100).' }),
    ),
    cursor: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 512,
        description: 'nextCursor of the previous page, with the same state, q, sort and order.',
      }),
    ),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description:
          'Only users whose ncUserId, display name, e-mail or mailbox contains this text (case-insensitive; % and _ match themselves).',
      }),
    ),
    sort: Type.Optional(
      Type.Enum(USER_SORT_KEYS, {
        description:
          'Order of the list (default ncUserId); ties by ncUserId. displayName sorts users without one by their ncUserId (case-insensitive); lastSuccessAt and lastAttemptAt put users never synced first (last with desc); lastSyncAt is the deprecated name of lastSuccessAt.',
      }),
    ),
    order: Type.Optional(Type.Enum(['asc', 'desc'], { description: 'Default asc.' })),
  },
  closed,
);
