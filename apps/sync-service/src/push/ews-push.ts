/**
 * EWS streaming notifications for Exchange on-premises. Per tenant with an EWS connection, the enrolled users that
 * are synced get one streaming subscription each (their calendar, contacts and tasks folders), grouped by
 * affinity (at most 200 per group, anchored on the group's first mailbox in alphabetical order, Microsoft's
 * "Maintain affinity between a group of subscriptions and the Mailbox server"); each group has one
 * GetStreamingEvents connection. A notification only queues a (debounced) sync of its user: SyncFolderItems stays
 * the source of truth, and polling stays the safety net.
 *
 * - The server ends a connection after ConnectionTimeout minutes with ConnectionStatus Closed; the group opens
 *   the next one at once (events meanwhile wait in the subscription). A connection silent for longer than
 *   `silenceMs`, or still open a minute past its lifetime, is dropped and reopened.
 * - Subscriptions the server no longer knows (expired after 30 minutes without a connection, an EWS restart) are
 *   created again, and their users synced, since events may have been missed.
 * - A server without streaming (Exchange 2007, a refusal) puts the tenant on polling: logged once per connection setting, shown per user, not retried until the connection
 *   changes.
 * - A user who is paused, needs new credentials or is removed loses their subscription at the next reconcile.
 */
import type { PairLock, PairRelease } from '@exsync/core';
import type { Repositories, User } from '@exsync/db';
import {
  type Affinity,
  EwsStreamingClient,
  type NotificationBatch,
  type StreamEnd,
  type StreamingFolder,
  StreamingUnsupportedError,
} from '@exsync/exchange';
import { sleep } from '@exsync/net';
import type { Logger } from 'pino';
import type { JobQueue } from '../jobs/queue';
import { SCHEDULED_STATES } from '../jobs/scheduler';
import { ITEM_KINDS, withDefaults } from '../settings';
import { ewsAuth, type OpenedConnection } from '../sync/exchange-stores';
import { KINDS } from '../sync/kinds';
import { describeError } from '../sync/outcome';
import { openConnection } from '../sync/sync-user';
import type { Vault } from '../vault/vault';

/** Microsoft: at most 200 mailboxes per affinity group. */
export const GROUP_SIZE = 200;

export interface EwsPushOptions {
  readonly repos: Repositories;
  readonly vault: Vault;
  readonly logger: Logger;
  readonly queue: Pick<JobQueue, 'enqueue'>;
  /** Mailboxes per affinity group and connection (default and most GROUP_SIZE). */
  readonly groupSize?: number;
  /** GetStreamingEvents ConnectionTimeout, 1–30 minutes (default 30). */
  readonly connectionMinutes?: number;
  /** How often enrolled users are compared with the subscriptions (default 60 s). */
  readonly reconcileMs?: number;
  /** Notifications of one user within this window queue one sync (default 1 s). */
  readonly debounceMs?: number;
  /** A connection that sent nothing (not even a heartbeat) for this long is reopened (default 3 minutes). */
  readonly silenceMs?: number;
  readonly now?: () => Date;
  /**
   * With several worker processes only one may hold the connections (Exchange allows an account few of them):
   * the process holding this lock leads; the others wait to take over.
   */
  readonly lock?: PairLock;
  /** Seam for tests: the streaming client of an opened connection. */
  readonly client?: (connection: OpenedConnection) => Promise<EwsStreamingClient>;
}

interface Member {
  readonly user: User;
  readonly mailbox: string;
  subscriptionId: string | undefined;
}

interface Group {
  affinity: Affinity;
  readonly members: Map<string, Member>;
  /** Aborts the open connection so the loop picks up a change of membership. */
  restart: AbortController;
  loop: Promise<void> | undefined;
}

interface TenantWatch {
  readonly version: string;
  readonly client: EwsStreamingClient | undefined;
  readonly folders: StreamingFolder[];
  /** Set when the server refused streaming: the tenant polls. */
  refused: string | undefined;
  readonly groups: Group[];
}

const SIDE = 'exchange' as const;
const LEADER_LOCK = 'exsync:ews-streaming-leader';

export class EwsPush {
  readonly #o: EwsPushOptions;
  readonly #tenants = new Map<string, TenantWatch>();
  readonly #pending = new Map<string, NodeJS.Timeout>();
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(options: EwsPushOptions) {
    this.#o = options;
  }

  get #minutes(): number {
    return Math.min(30, Math.max(1, Math.round(this.#o.connectionMinutes ?? 30)));
  }

  /** Starts reconciling now and then every `reconcileMs`. */
  start(): void {
    if (this.#loop) return;
    const every = this.#o.reconcileMs ?? 60_000;
    this.#loop = (async () => {
      let lead: PairRelease | undefined;
      while (!this.#stop.signal.aborted) {
        if (this.#o.lock && lead?.lost?.aborted) {
          // The database session holding the lock is gone: another process may lead now.
          for (const [tenantId, watch] of this.#tenants) await this.#dropTenant(tenantId, watch, 'inactive');
          this.#tenants.clear();
          lead = undefined;
        }
        if (this.#o.lock && !lead) lead = await this.#o.lock.tryAcquire(LEADER_LOCK).catch(() => undefined);
        if (!this.#o.lock || lead) {
          await this.reconcile().catch((error: unknown) =>
            this.#o.logger.error({ err: describeError(error) }, 'EWS streaming reconcile failed'),
          );
        }
        await sleep(every, this.#stop.signal).catch(() => undefined);
      }
      for (const [tenantId, watch] of this.#tenants) await this.#dropTenant(tenantId, watch, 'inactive');
      this.#tenants.clear();
      await lead?.().catch(() => undefined);
    })();
  }

  /** Closes every connection and ends the subscriptions (best effort: they expire anyway). */
  async stop(): Promise<void> {
    this.#stop.abort();
    for (const t of this.#pending.values()) clearTimeout(t);
    this.#pending.clear();
    await this.#loop;
    for (const [tenantId, watch] of this.#tenants) await this.#dropTenant(tenantId, watch, 'inactive');
    this.#tenants.clear();
  }

  /** Compares enrolled users with the subscriptions: starts, regroups and stops what changed. */
  async reconcile(): Promise<void> {
    const { repos } = this.#o;
    const seen = new Set<string>();
    for (const tenant of await repos.tenants.list()) {
      const connection = await repos.exchangeConnections.get(tenant.id);
      if (connection?.kind !== 'ews' || !connection.endpoint) continue;
      seen.add(tenant.id);
      const version = `${connection.id}:${connection.updatedAt.toISOString()}`;
      let watch = this.#tenants.get(tenant.id);
      if (watch && watch.version !== version) {
        await this.#dropTenant(tenant.id, watch, 'keep');
        watch = undefined;
      }
      const users = await this.#syncedUsers(tenant.id);
      if (!watch) {
        watch = await this.#openTenant(tenant.id, version);
        this.#tenants.set(tenant.id, watch);
      }
      const settings = withDefaults(tenant.settings);
      const folders = ITEM_KINDS.filter((k) => settings.itemKinds[k].enabled).map((k) => KINDS[k].exchangeFolder);
      if (folders.join() !== watch.folders.join()) {
        // The watched folders changed: every subscription is made again with the new list.
        await this.#dropTenant(tenant.id, watch, 'keep');
        watch = { ...watch, folders, groups: [] };
        this.#tenants.set(tenant.id, watch);
      }
      if (watch.refused || !watch.client) {
        for (const u of users) {
          await repos.pushStatus.set(u.user.id, SIDE, { mode: 'polling', active: false, error: watch.refused ?? null });
        }
        continue;
      }
      if (folders.length === 0) continue;
      await this.#regroup(tenant.id, watch, users);
    }
    for (const [tenantId, watch] of this.#tenants) {
      if (!seen.has(tenantId)) {
        await this.#dropTenant(tenantId, watch, 'remove');
        this.#tenants.delete(tenantId);
      }
    }
  }

  /** Users the scheduler syncs, with a mailbox, sorted by mailbox (the group anchor is the first). */
  async #syncedUsers(tenantId: string): Promise<Member[]> {
    const out: Member[] = [];
    let cursor: string | null = null;
    do {
      const page = await this.#o.repos.users.list(tenantId, { state: [...SCHEDULED_STATES], limit: 1000, cursor });
      for (const user of page.users) {
        const mailbox = user.mailbox ?? user.email;
        if (mailbox) out.push({ user, mailbox: mailbox.toLowerCase(), subscriptionId: undefined });
      }
      cursor = page.nextCursor;
    } while (cursor);
    return out.sort((a, b) => (a.mailbox < b.mailbox ? -1 : a.mailbox > b.mailbox ? 1 : 0));
  }

  async #openTenant(tenantId: string, version: string): Promise<TenantWatch> {
    const log = this.#o.logger.child({ tenantId });
    try {
      const opened = await openConnection(this.#o, { id: tenantId });
      const client = this.#o.client
        ? await this.#o.client(opened)
        : new EwsStreamingClient({ url: opened.connection.endpoint ?? '', auth: await ewsAuth(opened) });
      return { version, client, folders: [], refused: undefined, groups: [] };
    } catch (error) {
      const reason = error instanceof StreamingUnsupportedError ? error.message : describeError(error);
      log.warn({ reason }, 'EWS streaming notifications off for this connection; changes wait for polling');
      return { version, client: undefined, folders: [], refused: reason, groups: [] };
    }
  }

  /** Moves users into groups of at most GROUP_SIZE in mailbox order; a group whose members changed restarts. */
  async #regroup(tenantId: string, watch: TenantWatch, users: Member[]): Promise<void> {
    const wanted = new Map(users.map((u) => [u.user.id, u]));
    // Leavers first: their subscriptions end and their status goes.
    for (const group of watch.groups) {
      for (const [userId, m] of group.members) {
        if (wanted.has(userId)) continue;
        group.members.delete(userId);
        group.restart.abort();
        await this.#unsubscribe(watch, group, m);
        await this.#o.repos.pushStatus.remove(userId, SIDE);
      }
    }
    const placed = new Set(watch.groups.flatMap((g) => [...g.members.keys()]));
    for (const u of users) {
      if (placed.has(u.user.id)) continue;
      const size = Math.min(GROUP_SIZE, Math.max(1, this.#o.groupSize ?? GROUP_SIZE));
      let group = watch.groups.find((g) => g.members.size < size);
      if (!group) {
        group = {
          affinity: { anchor: u.mailbox },
          members: new Map(),
          restart: new AbortController(),
          loop: undefined,
        };
        watch.groups.push(group);
      }
      group.members.set(u.user.id, u);
      group.restart.abort();
    }
    for (const group of [...watch.groups]) {
      if (group.members.size === 0) {
        watch.groups.splice(watch.groups.indexOf(group), 1);
        continue;
      }
      group.loop ??= this.#run(tenantId, watch, group).finally(() => {
        group.loop = undefined;
      });
    }
  }

  /** One group's life: subscribe who is missing, hold a connection open, reconnect, resubscribe, back off. */
  async #run(tenantId: string, watch: TenantWatch, group: Group): Promise<void> {
    const log = this.#o.logger.child({ tenantId, push: 'ews-streaming' });
    const client = watch.client;
    if (!client) return;
    let failures = 0;
    while (!this.#stop.signal.aborted && group.members.size > 0 && !watch.refused) {
      if (group.restart.signal.aborted) group.restart = new AbortController();
      const restart = group.restart;
      try {
        await this.#subscribeMissing(watch, group, log);
        const members = [...group.members.values()].filter((m) => m.subscriptionId);
        if (members.length === 0) {
          // Every Subscribe failed; each member's status already says why. Try again after a pause.
          failures++;
          const wait = Math.min(60_000, 1000 * 2 ** Math.min(failures - 1, 6));
          await sleep(wait, AbortSignal.any([this.#stop.signal, restart.signal])).catch(() => undefined);
          continue;
        }
        const ids = members.map((m) => m.subscriptionId!);
        const signal = AbortSignal.any([this.#stop.signal, restart.signal]);
        for (const m of members) await this.#status(group, m, true, null);
        const end = await this.#stream(client, group, ids, signal);
        failures = 0;
        if (end.kind === 'subscriptionsLost') {
          log.info({ code: end.code, subscriptions: end.subscriptionIds.length }, 'EWS subscriptions lost; recreating');
          const lost = new Set(end.subscriptionIds.length > 0 ? end.subscriptionIds : ids);
          for (const m of group.members.values()) {
            if (!m.subscriptionId || !lost.has(m.subscriptionId)) continue;
            m.subscriptionId = undefined;
            // Events between the loss and the new subscription are not reported: a sync catches them.
            this.#queueSync(m);
          }
        } else if (end.kind === 'dropped') {
          await sleep(1000, this.#stop.signal).catch(() => undefined);
        }
      } catch (error) {
        if (this.#stop.signal.aborted) break;
        if (restart.signal.aborted && !(error instanceof StreamingUnsupportedError)) continue;
        if (error instanceof StreamingUnsupportedError) {
          watch.refused = error.message;
          log.warn({ reason: error.message }, 'EWS refused streaming notifications; changes wait for polling');
          for (const m of group.members.values()) {
            await this.#o.repos.pushStatus.set(m.user.id, SIDE, {
              mode: 'polling',
              active: false,
              error: error.message,
            });
          }
          break;
        }
        failures++;
        const reason = describeError(error);
        for (const m of [...group.members.values()]) await this.#status(group, m, false, reason);
        const wait = Math.min(60_000, 1000 * 2 ** Math.min(failures - 1, 6));
        log.warn({ err: reason, retryInMs: wait }, 'EWS streaming connection failed; reconnecting');
        await sleep(wait, AbortSignal.any([this.#stop.signal, restart.signal])).catch(() => undefined);
      }
    }
  }

  async #subscribeMissing(watch: TenantWatch, group: Group, log: Logger): Promise<void> {
    const client = watch.client!;
    const members = [...group.members.values()];
    // The group's anchor is its first mailbox; a new anchor means a new affinity and new subscriptions.
    const anchor = members.map((m) => m.mailbox).sort()[0]!;
    if (anchor !== group.affinity.anchor) {
      for (const m of members) await this.#unsubscribe(watch, group, m);
      group.affinity = { anchor };
    }
    // The anchor subscribes first: its answer carries the cookie every later request of the group sends.
    members.sort((a, b) => (a.mailbox === anchor ? -1 : b.mailbox === anchor ? 1 : 0));
    for (const m of members) {
      if (m.subscriptionId) continue;
      try {
        m.subscriptionId = await client.subscribe(m.mailbox, watch.folders, group.affinity);
      } catch (error) {
        if (error instanceof StreamingUnsupportedError) throw error;
        const reason = describeError(error);
        log.warn(
          { ncUserId: m.user.ncUserId, err: reason },
          'EWS streaming subscription failed; polling for this user',
        );
        await this.#status(group, m, false, reason);
      }
    }
  }

  /** Reads one connection; also ends it when it stays silent or outlives its lifetime by a minute. */
  async #stream(client: EwsStreamingClient, group: Group, ids: string[], signal: AbortSignal): Promise<StreamEnd> {
    const watchdog = new AbortController();
    const silence = this.#o.silenceMs ?? 180_000;
    let last = Date.now();
    const deadline = Date.now() + (this.#minutes + 1) * 60_000;
    const timer = setInterval(
      () => {
        if (Date.now() - last > silence || Date.now() > deadline) watchdog.abort(new Error('EWS connection silent'));
      },
      Math.min(silence, 5000),
    );
    timer.unref?.();
    const bySubscription = new Map([...group.members.values()].map((m) => [m.subscriptionId, m]));
    try {
      return await client.stream(
        group.affinity.anchor,
        ids,
        this.#minutes,
        group.affinity,
        {
          onAlive: () => {
            last = Date.now();
          },
          onNotifications: (batches: readonly NotificationBatch[]) => {
            for (const b of batches) {
              const m = bySubscription.get(b.subscriptionId);
              // A notification names a subscription; the payload itself is never used as data.
              if (m && group.members.get(m.user.id) === m) this.#notified(m);
            }
          },
        },
        AbortSignal.any([signal, watchdog.signal]),
      );
    } catch (error) {
      if (watchdog.signal.aborted && !signal.aborted) return { kind: 'dropped' };
      throw error;
    } finally {
      clearInterval(timer);
    }
  }

  #notified(m: Member): void {
    const at = (this.#o.now ?? (() => new Date()))();
    this.#o.repos.pushStatus
      .notified(m.user.id, SIDE, at)
      .catch((error: unknown) => this.#o.logger.warn({ err: describeError(error) }, 'push status not recorded'));
    this.#queueSync(m);
  }

  /** Debounced: a burst of notifications for one user within `debounceMs` queues one sync. */
  #queueSync(m: Member): void {
    const key = m.user.id;
    if (this.#pending.has(key)) return;
    const timer = setTimeout(() => {
      this.#pending.delete(key);
      this.#o.queue
        .enqueue({ tenantId: m.user.tenantId, userId: m.user.id, ncUserId: m.user.ncUserId, mode: 'when-due' })
        .catch((error: unknown) =>
          this.#o.logger.warn({ err: describeError(error) }, 'sync after an EWS notification not queued'),
        );
    }, this.#o.debounceMs ?? 1000);
    timer.unref?.();
    this.#pending.set(key, timer);
  }

  /**
   * Records a member's status. A member who left meanwhile (paused, removed) must end with no row: the check after
   * the write removes one that raced with the leaving.
   */
  async #status(group: Group, m: Member, active: boolean, error: string | null): Promise<void> {
    if (group.members.get(m.user.id) !== m) return;
    await this.#o.repos.pushStatus.set(m.user.id, SIDE, { mode: 'ews-streaming', active, error });
    if (group.members.get(m.user.id) !== m) await this.#o.repos.pushStatus.remove(m.user.id, SIDE);
  }

  async #unsubscribe(watch: TenantWatch, group: Group, m: Member): Promise<void> {
    const id = m.subscriptionId;
    m.subscriptionId = undefined;
    if (!id || !watch.client) return;
    await watch.client
      .unsubscribe(m.mailbox, id, group.affinity)
      .catch((error: unknown) =>
        this.#o.logger.info(
          { ncUserId: m.user.ncUserId, err: describeError(error) },
          'EWS subscription not ended; it expires',
        ),
      );
  }

  /**
   * Ends a tenant's connections and subscriptions. `status`: `keep` (they are made again at once), `inactive`
   * (this process stops watching: no longer shown as active), `remove` (the tenant no longer uses EWS).
   */
  async #dropTenant(_tenantId: string, watch: TenantWatch, status: 'keep' | 'inactive' | 'remove'): Promise<void> {
    const { pushStatus } = this.#o.repos;
    for (const group of watch.groups) {
      const members = [...group.members.values()];
      group.members.clear();
      group.restart.abort();
      await group.loop;
      for (const m of members) {
        await this.#unsubscribe(watch, group, m);
        if (status === 'remove') await pushStatus.remove(m.user.id, SIDE).catch(() => undefined);
        if (status === 'inactive') {
          await pushStatus
            .set(m.user.id, SIDE, { mode: 'ews-streaming', active: false, error: null })
            .catch(() => undefined);
        }
      }
    }
    watch.groups.length = 0;
  }
}
