import { createRepositories, type Database } from '@exsync/db';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { JobQueue } from '../../jobs/queue';
import { clientStateMatches } from '../../push/graph-push';
import type { Vault } from '../../vault/vault';

export interface NotificationRoutesOptions {
  db: Database;
  queue: JobQueue;
  vault: Vault;
  /** Notifications counted per subscription and minute before further ones are ignored. Default 60. */
  perSubscriptionPerMinute?: number;
  now?: () => Date;
}

/** Graph sends batches of notifications; this is far above any real batch and far below the API's own limit. */
export const NOTIFICATION_BODY_LIMIT = 256 * 1024;
/** Graph's validation tokens are short sentences; anything longer is not one. */
const MAX_TOKEN = 1024;
const NOT_SYNCED = new Set(['paused', 'auth_required']);

const Notification = Type.Object(
  {
    subscriptionId: Type.Optional(Type.String({ maxLength: 200 })),
    clientState: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
    lifecycleEvent: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: true },
);

/**
 * POST /v1/notifications/graph: Microsoft Graph's change and lifecycle notifications. Graph cannot present an
 * API key, so the route is open and trusts nothing it is told: the subscription must be one of ours and the
 * clientState its own secret; the payload is never read as data, it only queues a sync of the user (the queue
 * keeps one waiting job per user, so a burst of notifications is one run). The answer is 202 whatever happened,
 * so a caller learns nothing about which subscriptions exist.
 */
export const notificationRoutes: FastifyPluginAsyncTypebox<NotificationRoutesOptions> = async (app, options) => {
  const repos = createRepositories(options.db);
  const now = options.now ?? (() => new Date());
  const limit = options.perSubscriptionPerMinute ?? 60;

  /**
   * A fixed one-minute window per subscription, counted in the database: every replica behind the notification
   * URL shares it (a load balancer spreads Graph's requests over them), so a flood costs at most `limit` syncs a
   * minute however many replicas there are. `first-refused` marks the first notification cut off in a window: the
   * changes it and the rest stand for must still be synced, so the user's sync is queued for the window's end —
   * a sync already waiting is put back to it, since the refused notifications that follow must not come after the
   * last sync (else a burst that ends inside the window would wait for the next scheduled sync). It is a job in the
   * shared queue, not a timer, so it survives a restart and any replica's worker runs it.
   */
  const allowed = (id: string) =>
    repos.graphSubscriptions.countNotification(id, { max: limit, windowMs: 60_000, at: now() });

  async function oweSync(userId: string, windowEndsAt: Date): Promise<void> {
    const user = await repos.users.getById(userId);
    if (!user || NOT_SYNCED.has(user.state)) return;
    await options.queue.enqueue({
      tenantId: user.tenantId,
      userId: user.id,
      ncUserId: user.ncUserId,
      runAt: windowEndsAt,
      mode: 'not-before',
    });
  }

  // The validation handshake arrives as text/plain (the API otherwise takes JSON only).
  app.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: MAX_TOKEN }, (_req, body, done) =>
    done(null, body),
  );

  app.post(
    '/notifications/graph',
    {
      bodyLimit: NOTIFICATION_BODY_LIMIT,
      config: { access: 'public' },
      schema: {
        tags: ['notifications'],
        operationId: 'graphNotifications',
        // Open by design: Microsoft Graph cannot present a key.
        security: [],
        summary: 'Microsoft Graph change notifications (called by Microsoft Graph, not by clients)',
        description:
          "No API key by design. With `validationToken` the token is echoed as text/plain (Graph's handshake). Otherwise each notification naming one of the service's subscriptions with its own clientState queues a sync of the user; lifecycle events `subscriptionRemoved` and `reauthorizationRequired` make the next sync recreate or renew the subscription. Always 202: unknown subscriptions and wrong clientStates are ignored (and logged). Body at most 256 KiB.",
        querystring: Type.Object({ validationToken: Type.Optional(Type.String({ maxLength: MAX_TOKEN })) }),
        body: Type.Optional(
          Type.Union([
            Type.Object({ value: Type.Array(Notification, { maxItems: 1000 }) }, { additionalProperties: true }),
            Type.String({ maxLength: MAX_TOKEN }),
          ]),
        ),
        response: {
          200: Type.String({ description: 'The validation token, as text/plain.' }),
          202: Type.Null({ description: 'Received; acted on only if it names one of our subscriptions.' }),
        },
      },
    },
    async (request, reply) => {
      const token = request.query.validationToken;
      if (token !== undefined) {
        reply.code(200).type('text/plain; charset=utf-8');
        return token;
      }
      const body = request.body;
      const items = typeof body === 'object' && body !== null ? body.value : [];
      const users = new Set<string>();
      for (const n of items) {
        const id = n.subscriptionId;
        const sub = id ? await repos.graphSubscriptions.get(id) : null;
        if (!sub) {
          request.log.info({ subscriptionId: id ?? null }, 'Graph notification for an unknown subscription ignored');
          continue;
        }
        if (!clientStateMatches(options.vault, sub, n.clientState)) {
          request.log.warn({ subscriptionId: sub.id }, 'Graph notification with a wrong clientState ignored');
          continue;
        }
        const { verdict, windowEndsAt } = await allowed(sub.id);
        if (verdict !== 'allowed') {
          if (verdict === 'first-refused' && windowEndsAt) {
            request.log.warn(
              { subscriptionId: sub.id },
              'Graph notifications over the rate limit ignored; the user is synced when the minute ends',
            );
            await oweSync(sub.userId, windowEndsAt);
          }
          continue;
        }
        await repos.graphSubscriptions.notified(sub.id, now());
        if (n.lifecycleEvent === 'subscriptionRemoved') await repos.graphSubscriptions.remove(sub.id);
        if (n.lifecycleEvent === 'reauthorizationRequired') await repos.graphSubscriptions.expireNow(sub.id);
        if (n.lifecycleEvent)
          request.log.info({ subscriptionId: sub.id, event: n.lifecycleEvent }, 'Graph lifecycle event');
        users.add(sub.userId);
      }
      for (const userId of users) {
        const user = await repos.users.getById(userId);
        if (!user || NOT_SYNCED.has(user.state)) continue;
        await options.queue.enqueue({
          tenantId: user.tenantId,
          userId: user.id,
          ncUserId: user.ncUserId,
          runAt: now(), // the clock the rate-limit windows run on, so an owed sync's time compares with it
          mode: 'when-due',
        });
      }
      reply.code(202);
      return null;
    },
  );
};
