/**
 * Renews Graph subscriptions on a timer of their own. Renewal after a sync is not enough: with a long sync interval
 * (say 24 h) and a quiet mailbox, a To Do subscription (4,230 minutes) or an Outlook one (10,080 minutes) could
 * expire between syncs and push would silently stop. Every tick looks for subscriptions with less than half their
 * lifetime left and extends them; one Graph no longer has (404) is forgotten and the user's sync is queued, which
 * subscribes again. A failure costs nothing but a retry at the next tick (and polling goes on meanwhile).
 */
import type { Repositories } from '@exsync/db';
import type { GraphClient } from '@exsync/exchange';
import type { Logger } from 'pino';
import type { JobQueue } from '../jobs/queue';
import type { OpenedConnection } from '../sync/exchange-stores';
import { describeError } from '../sync/outcome';
import { openConnection } from '../sync/sync-user';
import type { Vault } from '../vault/vault';
import { type GraphPush, maxLifetimeMinutes } from './graph-push';

export interface GraphRenewerOptions {
  readonly repos: Repositories;
  readonly vault: Vault;
  readonly logger: Logger;
  readonly queue: JobQueue;
  readonly push: GraphPush;
  readonly graphClient: (connection: OpenedConnection) => Promise<GraphClient>;
  /** Default 15 minutes: far below the shortest half-life (To Do, about 35 h). */
  readonly tickMs?: number;
  /** Subscriptions looked at per tick; the rest wait for the next. Default 500. */
  readonly batch?: number;
  readonly now?: () => Date;
}

export interface RenewalTally {
  renewed: number;
  gone: number;
  failed: number;
}

export interface GraphRenewer {
  tick(): Promise<RenewalTally>;
  start(): void;
  stop(): Promise<void>;
}

/** The longest lifetime of any resource: a subscription further from its end than half of it is never due. */
const LONGEST_HALF_LIFE_MS = (maxLifetimeMinutes('/users/x/events') * 60_000) / 2;

export function createGraphRenewer(options: GraphRenewerOptions): GraphRenewer {
  const { repos, logger, push } = options;
  const now = options.now ?? (() => new Date());
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> = Promise.resolve();

  async function tick(): Promise<RenewalTally> {
    const at = now();
    const tally: RenewalTally = { renewed: 0, gone: 0, failed: 0 };
    const candidates = await repos.graphSubscriptions.expiringBy(
      new Date(at.getTime() + LONGEST_HALF_LIFE_MS),
      options.batch ?? 500,
    );
    const due = candidates.filter((s) => push.renewalDue(s, at));
    // One Graph client per tenant and tick.
    const clients = new Map<string, Promise<GraphClient | null>>();
    const clientOf = (tenantId: string) => {
      let c = clients.get(tenantId);
      if (!c) {
        c = openConnection(options, { id: tenantId }).then((opened) =>
          opened.connection.kind === 'graph' ? options.graphClient(opened) : null,
        );
        clients.set(tenantId, c);
      }
      return c;
    };
    for (const sub of due) {
      const log = logger.child({ tenantId: sub.tenantId, subscriptionId: sub.id, resource: sub.resource });
      try {
        const client = await clientOf(sub.tenantId);
        // The tenant moved to EWS: the subscription is of no use and Graph ends it at its expiry.
        if (!client) {
          await repos.graphSubscriptions.remove(sub.id);
          tally.gone++;
          continue;
        }
        if ((await push.renew(sub, client)) === 'renewed') {
          tally.renewed++;
          continue;
        }
        tally.gone++;
        log.info('Graph subscription gone; the user is synced, which subscribes again');
        const user = await repos.users.getById(sub.userId);
        if (user)
          await options.queue.enqueue({
            tenantId: user.tenantId,
            userId: user.id,
            ncUserId: user.ncUserId,
            mode: 'when-due',
          });
      } catch (error) {
        tally.failed++;
        log.warn({ err: describeError(error) }, 'Graph subscription not renewed; tried again at the next check');
      }
    }
    if (tally.renewed + tally.gone + tally.failed > 0) logger.info(tally, 'Graph subscriptions checked');
    return tally;
  }

  return {
    tick,
    start() {
      if (timer) return;
      const run = () => {
        current = tick().catch((error: unknown) => logger.error({ err: error }, 'Graph renewal check failed'));
      };
      run();
      timer = setInterval(run, options.tickMs ?? 15 * 60_000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await current;
    },
  };
}
