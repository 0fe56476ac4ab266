/**
 * Microsoft Graph change notifications for the folders the service syncs: after a Graph pair syncs, its folder
 * has a subscription (created, or renewed once half its life is gone). A notification only queues a sync of the
 * user; delta stays the source of truth, and polling stays the safety net (a lost notification costs latency,
 * never data). Without a public URL nothing is subscribed.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { NotFoundError } from '@exsync/core';
import type { GraphSubscriptionRecord, Repositories, User } from '@exsync/db';
import type { GraphClient } from '@exsync/exchange';
import type { Logger } from 'pino';
import { secretContext } from '../store/port';
import type { OpenedConnection } from '../sync/exchange-stores';
import { describeError } from '../sync/outcome';
import { openConnection } from '../sync/sync-user';
import type { Vault } from '../vault/vault';

/** Where a Graph pair's folder can be watched: the client of the run and the resource path. */
export interface GraphWatch {
  readonly client: GraphClient;
  readonly resource: string;
}

/**
 * The longest lifetime Microsoft documents per resource ("subscription resource type", maximum length of
 * subscription): Outlook events and contacts 10,080 minutes, To Do tasks 4,230 minutes. A few minutes are kept
 * back so clock skew never makes Graph refuse the expiry.
 */
export function maxLifetimeMinutes(resource: string): number {
  return /\/todo\/lists\//i.test(resource) ? 4_230 : 10_080;
}
const SKEW_MINUTES = 5;

export const NOTIFICATION_PATH = '/v1/notifications/graph';

export interface GraphPushOptions {
  readonly repos: Repositories;
  readonly vault: Vault;
  /** EXSYNC_PUBLIC_URL: how Graph reaches this service. */
  readonly publicUrl: string;
  readonly now?: () => Date;
}

export const clientStateContext = secretContext.graphClientState;

export class GraphPush {
  readonly #o: GraphPushOptions;
  constructor(options: GraphPushOptions) {
    this.#o = options;
  }

  get notificationUrl(): string {
    // Relative to the base, so a service published below a path (https://host/exsync/) keeps it.
    const base = this.#o.publicUrl.endsWith('/') ? this.#o.publicUrl : `${this.#o.publicUrl}/`;
    return new URL(NOTIFICATION_PATH.slice(1), base).href;
  }

  #now(): Date {
    return (this.#o.now ?? (() => new Date()))();
  }

  #expiry(resource: string): Date {
    return new Date(this.#now().getTime() + (maxLifetimeMinutes(resource) - SKEW_MINUTES) * 60_000);
  }

  /** Makes sure the folder is watched; renews when less than half the lifetime is left. */
  async ensure(user: User, watch: GraphWatch, signal?: AbortSignal): Promise<'created' | 'renewed' | 'current'> {
    const { repos } = this.#o;
    const stored = await repos.graphSubscriptions.forResource(user.id, watch.resource);
    if (stored) {
      if (!this.renewalDue(stored)) return 'current';
      // Graph forgot it (expired or removed): a new one replaces it below.
      if ((await this.renew(stored, watch.client, signal)) === 'renewed') return 'renewed';
    }
    const clientState = randomBytes(32).toString('base64url');
    const expiresAt = this.#expiry(watch.resource);
    const created = await watch.client.request<{ id: string; expirationDateTime?: string }>(
      {
        method: 'POST',
        url: '/subscriptions',
        body: {
          changeType: 'created,updated,deleted',
          notificationUrl: this.notificationUrl,
          lifecycleNotificationUrl: this.notificationUrl,
          resource: watch.resource,
          expirationDateTime: expiresAt.toISOString(),
          clientState,
        },
      },
      signal,
    );
    const id = created.body.id;
    const granted = created.body.expirationDateTime ? new Date(created.body.expirationDateTime) : expiresAt;
    await repos.graphSubscriptions.save({
      id,
      tenantId: user.tenantId,
      userId: user.id,
      resource: watch.resource,
      clientState: this.#o.vault.seal(clientState, clientStateContext(id)),
      expiresAt: Number.isNaN(granted.getTime()) ? expiresAt : granted,
    });
    return 'created';
  }

  /** Less than half the subscription's lifetime is left (or it is already over): time to renew. */
  renewalDue(stored: Pick<GraphSubscriptionRecord, 'resource' | 'expiresAt'>, at = this.#now()): boolean {
    const halfLife = (maxLifetimeMinutes(stored.resource) * 60_000) / 2;
    return stored.expiresAt.getTime() - at.getTime() <= halfLife;
  }

  /**
   * Extends the subscription to the full lifetime. `gone`: Graph no longer has it (404: it expired — Graph deletes
   * expired subscriptions — or was removed), so it is forgotten here too and the user's next sync subscribes again.
   */
  async renew(stored: GraphSubscriptionRecord, client: GraphClient, signal?: AbortSignal): Promise<'renewed' | 'gone'> {
    const { repos } = this.#o;
    const expiresAt = this.#expiry(stored.resource);
    try {
      await client.request(
        {
          method: 'PATCH',
          url: `/subscriptions/${encodeURIComponent(stored.id)}`,
          body: { expirationDateTime: expiresAt.toISOString() },
        },
        signal,
      );
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      await repos.graphSubscriptions.remove(stored.id);
      return 'gone';
    }
    await repos.graphSubscriptions.renewed(stored.id, expiresAt);
    return 'renewed';
  }
}

/** True only when the presented clientState is the subscription's own; compared in constant time. */
export function clientStateMatches(vault: Vault, record: GraphSubscriptionRecord, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  let expected: string;
  try {
    expected = vault.open(record.clientState, clientStateContext(record.id));
  } catch {
    return false;
  }
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(presented, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Called before a user is deleted: their subscriptions are deleted at Graph and forgotten. */
export type UserRemovalHook = (tenantId: string, ncUserId: string) => Promise<void>;

/**
 * The hook for DELETE /v1/users/{id}: opens the tenant's connection only when the user has subscriptions. A
 * failure never blocks the deletion: Graph ends the subscription at its expiry, and notifications for it are
 * ignored meanwhile (unknown subscription).
 */
export function graphUnsubscriber(deps: {
  repos: Repositories;
  vault: Vault;
  logger: Logger;
  graphClient: (connection: OpenedConnection) => Promise<GraphClient>;
}): UserRemovalHook {
  return async (tenantId, ncUserId) => {
    const user = await deps.repos.users.get(tenantId, ncUserId);
    if (!user || (await deps.repos.graphSubscriptions.forUser(user.id)).length === 0) return;
    const log = deps.logger.child({ tenantId, ncUserId });
    let client: GraphClient | undefined;
    try {
      const opened = await openConnection(deps, { id: tenantId });
      if (opened.connection.kind === 'graph') client = await deps.graphClient(opened);
    } catch (error) {
      log.warn({ err: describeError(error) }, 'Graph subscriptions of a removed user left to expire');
    }
    await unsubscribeUser(deps.repos, user.id, client, log);
  };
}

/** Deletes the user's subscriptions at Graph (best effort: they expire anyway) and in the database. */
export async function unsubscribeUser(
  repos: Repositories,
  userId: string,
  client: GraphClient | undefined,
  log: Logger,
): Promise<void> {
  for (const s of await repos.graphSubscriptions.forUser(userId)) {
    if (client) {
      await client
        .request({ method: 'DELETE', url: `/subscriptions/${encodeURIComponent(s.id)}` })
        .catch((error: unknown) =>
          log.warn(
            { subscriptionId: s.id, err: describeError(error) },
            'Graph subscription could not be deleted; it will expire',
          ),
        );
    }
    await repos.graphSubscriptions.remove(s.id);
  }
}
