/**
 * Graph change notifications: subscriptions with the validationToken handshake, renewal, deletion, notifications
 * posted on store changes, and lifecycle events (missed, subscriptionRemoved, reauthorizationRequired) on demand.
 * Notifications are triggers only; delta stays the source of truth (reference §3.8).
 */
import { randomUUID } from 'node:crypto';
import type { VirtualClock } from '../store/clock';
import type { MailboxStore, StoreChangeEvent } from '../store/mailbox-store';
import type { Folder } from '../store/types';
import { badRequest, GraphError } from './wire';

export interface Subscription {
  id: string;
  resource: string;
  changeType: string[];
  notificationUrl: string;
  lifecycleNotificationUrl: string | undefined;
  clientState: string | undefined;
  expirationDateTime: number;
  applicationId: string;
  mailboxId: string;
  /** Folder kind the resource covers, and one folder when the resource names it. */
  kind: 'calendar' | 'contacts' | 'tasks';
  folderKey: number | undefined;
}

export interface Delivery {
  subscriptionId: string;
  url: string;
  kind: 'notification' | 'lifecycle';
  status: number | 'error';
  payload: unknown;
}

/** Outlook resources may live at most 10,080 minutes. */
export const MAX_SUBSCRIPTION_MINUTES = 10_080;

export class SubscriptionService {
  readonly subscriptions = new Map<string, Subscription>();
  readonly deliveries: Delivery[] = [];
  private pending: Promise<unknown>[] = [];

  constructor(
    private readonly store: MailboxStore,
    private readonly clock: VirtualClock,
    private readonly tenantId: string,
  ) {
    store.onChange((e) => this.onChange(e));
  }

  /** Parses `/users/{id}/events`, `/users/{id}/contacts`, `/users/{id}/todo/lists/{id}/tasks` (and folder forms). */
  parseResource(resource: string): { mailboxId: string; kind: Subscription['kind']; folder: Folder | undefined } {
    const m = /^\/?(?:me|users\/([^/]+))\/(.+)$/i.exec(resource.trim());
    const mbx = m?.[1] ? this.store.findMailbox(decodeURIComponent(m[1])) : undefined;
    if (!m || !mbx)
      throw badRequest(`Resource '${resource}' is not supported or names an unknown user.`, 'InvalidRequest');
    const rest = m[2]!;
    const forms: [RegExp, Subscription['kind'], boolean][] = [
      [/^events$/i, 'calendar', false],
      [/^calendars\/([^/]+)\/events$/i, 'calendar', true],
      [/^contacts$/i, 'contacts', false],
      [/^contactFolders\/([^/]+)\/contacts$/i, 'contacts', true],
      [/^todo\/lists\/([^/]+)\/tasks$/i, 'tasks', true],
    ];
    for (const [re, kind, hasFolder] of forms) {
      const r = re.exec(rest);
      if (r) return { mailboxId: mbx.id, kind, folder: hasFolder ? this.folder(r[1]!) : undefined };
    }
    throw badRequest(`Resource '${resource}' is not supported for change notifications.`, 'InvalidRequest');
  }

  private folder(id: string): Folder {
    const f = this.store.findFolder(decodeURIComponent(id));
    if (!f) throw new GraphError(404, 'ResourceNotFound', `Folder '${id}' was not found.`);
    return f;
  }

  validateExpiration(iso: unknown): number {
    const ms = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
    if (Number.isNaN(ms)) throw badRequest('expirationDateTime is required (ISO 8601).', 'InvalidRequest');
    const now = this.clock.now();
    if (ms <= now) throw badRequest('Subscription expiration can only be in the future.', 'InvalidRequest');
    if (ms > now + MAX_SUBSCRIPTION_MINUTES * 60_000) {
      throw badRequest(
        `Subscription expiration can only be ${MAX_SUBSCRIPTION_MINUTES} minutes in the future.`,
        'InvalidRequest',
      );
    }
    return ms;
  }

  /** The validation handshake: POST ?validationToken=..., expect 200 text/plain echoing it within 10 s. */
  async validate(url: string, lifecycle = false): Promise<void> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const target = `${url}${url.includes('?') ? '&' : '?'}validationToken=${encodeURIComponent(token)}`;
    let ok = false;
    try {
      const res = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        signal: AbortSignal.timeout(10_000),
      });
      ok = res.status === 200 && (await res.text()) === token;
    } catch {
      ok = false;
    }
    if (!ok) {
      throw badRequest(
        `Subscription validation request failed. Notification endpoint${lifecycle ? ' (lifecycle)' : ''} must respond with 200 OK and the validation token.`,
        'ValidationError',
      );
    }
  }

  add(s: Omit<Subscription, 'id'>): Subscription {
    const sub = { ...s, id: randomUUID() };
    this.subscriptions.set(sub.id, sub);
    return sub;
  }

  json(s: Subscription) {
    return {
      id: s.id,
      resource: s.resource,
      applicationId: s.applicationId,
      changeType: s.changeType.join(','),
      clientState: s.clientState ?? null,
      notificationUrl: s.notificationUrl,
      lifecycleNotificationUrl: s.lifecycleNotificationUrl ?? null,
      expirationDateTime: new Date(s.expirationDateTime).toISOString(),
      creatorId: s.applicationId,
      latestSupportedTlsVersion: 'v1_2',
    };
  }

  private onChange(e: StoreChangeEvent): void {
    const folder = this.store.folderByKey(e.folderKey);
    if (!folder) return;
    const change = e.change === 'create' ? 'created' : e.change === 'update' ? 'updated' : 'deleted';
    for (const s of this.subscriptions.values()) {
      if (s.mailboxId !== e.mailboxId || s.expirationDateTime <= this.clock.now()) continue;
      if (!s.changeType.includes(change) || s.kind !== folder.kind) continue;
      if (s.folderKey !== undefined && s.folderKey !== folder.key) continue;
      const entity = s.kind === 'calendar' ? 'Events' : s.kind === 'contacts' ? 'Contacts' : 'Tasks';
      const id = e.itemId.replace(/\+/g, '-').replace(/\//g, '_');
      this.post(s, s.notificationUrl, 'notification', {
        value: [
          {
            subscriptionId: s.id,
            subscriptionExpirationDateTime: new Date(s.expirationDateTime).toISOString(),
            changeType: change,
            resource: `Users/${s.mailboxId}/${entity}/${id}`,
            resourceData: {
              '@odata.type': `#Microsoft.Graph.${entity.slice(0, -1)}`,
              '@odata.id': `Users/${s.mailboxId}/${entity}/${id}`,
              id,
            },
            clientState: s.clientState ?? null,
            tenantId: this.tenantId,
          },
        ],
      });
    }
  }

  /** Send a lifecycle event; `subscriptionRemoved` also drops the subscription. */
  lifecycle(id: string, event: 'missed' | 'subscriptionRemoved' | 'reauthorizationRequired'): void {
    const s = this.subscriptions.get(id);
    if (!s) throw new GraphError(404, 'ResourceNotFound', `Subscription '${id}' was not found.`);
    if (event === 'subscriptionRemoved') this.subscriptions.delete(id);
    if (!s.lifecycleNotificationUrl) return;
    this.post(s, s.lifecycleNotificationUrl, 'lifecycle', {
      value: [
        {
          subscriptionId: s.id,
          subscriptionExpirationDateTime: new Date(s.expirationDateTime).toISOString(),
          tenantId: this.tenantId,
          clientState: s.clientState ?? null,
          lifecycleEvent: event,
        },
      ],
    });
  }

  private post(s: Subscription, url: string, kind: Delivery['kind'], payload: unknown): void {
    const p = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(10_000),
    })
      .then((r) => this.deliveries.push({ subscriptionId: s.id, url, kind, status: r.status, payload }))
      .catch(() => this.deliveries.push({ subscriptionId: s.id, url, kind, status: 'error', payload }));
    this.pending.push(p);
  }

  /** Wait until every notification sent so far has been answered (for tests). */
  async flush(): Promise<void> {
    const p = this.pending;
    this.pending = [];
    await Promise.all(p);
  }
}
