/**
 * EWS streaming notifications (Exchange 2010 SP1 and later): Subscribe with StreamingSubscriptionRequest,
 * GetStreamingEvents (one long-lived chunked HTTP response carrying one SOAP envelope per message: Notifications as
 * events happen, ConnectionStatus OK as a heartbeat, ConnectionStatus Closed when ConnectionTimeout minutes are
 * over), and Unsubscribe. Behaviour follows Microsoft's pages "GetStreamingEvents operation", "Subscribe operation",
 * "Stream notifications about mailbox events by using EWS", "Handling notification-related errors in EWS" and
 * "Maintain affinity between a group of subscriptions and the Mailbox server":
 *
 * - A subscription lives on one Mailbox server. Requests are routed by the X-BackEndOverrideCookie cookie, else by
 *   X-AnchorMailbox, else by the impersonated mailbox; a request routed to a server that does not hold a
 *   subscription gets ErrorSubscriptionNotFound (what a missing affinity costs on a real load-balanced site).
 * - Subscribe with `X-PreferServerAffinity: true` answers with the X-BackEndOverrideCookie of its server.
 * - A subscription with no connection open expires after 30 minutes (virtual clock); events that happen while it
 *   has no connection are queued and delivered on the next one.
 * - ConnectionTimeout (1–30 minutes) runs on the virtual clock, so tests end a connection by advancing the clock.
 * - `streaming: 'refuse'` makes the server answer as an Exchange 2007 SP1 server does (no streaming).
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { VirtualClock } from '../store/clock';
import type { MailboxStore, StoreChangeEvent } from '../store/mailbox-store';
import type { Folder } from '../store/types';
import { type EwsContext, principalName } from './context';
import { envelope, errorMessage, operationResponse, successMessage } from './envelope';
import { EwsFault, EwsItemError } from './errors';
import { resolveFolder } from './ops/folders';
import { M, T } from './xml/namespaces';
import { child, childrenOf, childText, type XNode } from './xml/parse';
import { el, tx } from './xml/write';

export interface StreamingBehaviour {
  /** `refuse`: the server behaves as Exchange 2007 SP1, which has no streaming notifications. */
  streaming: 'on' | 'refuse';
  /** Real milliseconds between ConnectionStatus OK heartbeats on an open connection. */
  heartbeatMs: number;
  /** Virtual minutes a subscription without an open connection survives. */
  idleExpiryMinutes: number;
  /** Mailbox server of each mailbox (lower-case SMTP address); unlisted mailboxes live on `defaultServer`. */
  servers: Record<string, string>;
  defaultServer: string;
}

export const DEFAULT_STREAMING_BEHAVIOUR: StreamingBehaviour = {
  streaming: 'on',
  heartbeatMs: 45_000,
  idleExpiryMinutes: 30,
  servers: {},
  defaultServer: 'EXMBX01.contoso.local',
};

const EVENT_TYPES = new Set([
  'CopiedEvent',
  'CreatedEvent',
  'DeletedEvent',
  'ModifiedEvent',
  'MovedEvent',
  'NewMailEvent',
  'FreeBusyChangedEvent',
]);

interface PendingEvent {
  type: string;
  watermark: string;
  timeStamp: number;
  itemId: string;
  folderId: string;
}

export interface StreamingSubscription {
  id: string;
  mailboxId: string;
  smtpAddress: string;
  /** Who created it: only the same caller may read or end it. */
  owner: string;
  server: string;
  /** Folder keys watched; undefined = SubscribeToAllFolders. */
  folderKeys: Set<number> | undefined;
  eventTypes: Set<string>;
  /** Virtual time since which no connection carries it (undefined while one does). */
  idleSince: number | undefined;
  queue: PendingEvent[];
  watermark: number;
}

interface Connection {
  readonly subscriptionIds: readonly string[];
  readonly res: ServerResponse;
  readonly closesAt: number;
  timer: NodeJS.Timeout;
  lastBeat: number;
}

/** Where a request lands: a Mailbox server chosen the way Exchange's front end routes it. */
export interface Routing {
  readonly cookie: string | undefined;
  readonly anchor: string | undefined;
  readonly preferAffinity: boolean;
}

export const AFFINITY_COOKIE = 'X-BackEndOverrideCookie';

export class EwsStreamingService {
  readonly behaviour: StreamingBehaviour = { ...DEFAULT_STREAMING_BEHAVIOUR, servers: {} };
  readonly subscriptions = new Map<string, StreamingSubscription>();
  private readonly connections = new Set<Connection>();
  private seq = 0;

  constructor(
    private readonly store: MailboxStore,
    private readonly clock: VirtualClock,
  ) {
    store.onChange((e) => this.onChange(e));
  }

  serverOf(smtpAddress: string): string {
    return this.behaviour.servers[smtpAddress.toLowerCase()] ?? this.behaviour.defaultServer;
  }

  /** The Mailbox server a request reaches: cookie first, then X-AnchorMailbox, then the mailbox acted on. */
  route(routing: Routing, mailboxSmtp: string): string {
    const fromCookie = routing.cookie?.split('~')[0];
    if (fromCookie) return fromCookie;
    return this.serverOf(routing.anchor ?? mailboxSmtp);
  }

  cookieFor(server: string): string {
    // Exchange's cookie names the back-end server and a version: `<fqdn>~<number>`.
    return `${server}~1942061694`;
  }

  private expired(s: StreamingSubscription): boolean {
    return s.idleSince !== undefined && this.clock.now() - s.idleSince > this.behaviour.idleExpiryMinutes * 60_000;
  }

  /** Drops expired subscriptions; what remains is what a GetStreamingEvents could name. */
  private sweep(): void {
    for (const s of this.subscriptions.values()) if (this.expired(s)) this.subscriptions.delete(s.id);
  }

  /**
   * Forgets subscriptions as an EWS process restart does (all, or one mailbox's) and drops the connections that
   * carried them without a Closed message; clients find out with ErrorSubscriptionNotFound on reconnect.
   */
  forget(mailboxSmtp?: string): number {
    let n = 0;
    for (const s of [...this.subscriptions.values()]) {
      if (mailboxSmtp && s.smtpAddress.toLowerCase() !== mailboxSmtp.toLowerCase()) continue;
      this.subscriptions.delete(s.id);
      n++;
    }
    for (const c of [...this.connections]) {
      if (c.subscriptionIds.some((id) => !this.subscriptions.has(id))) this.drop(c, false);
    }
    return n;
  }

  /** Open connections, for tests and the control API. */
  openConnections(): { subscriptionIds: readonly string[]; closesAt: string }[] {
    return [...this.connections].map((c) => ({
      subscriptionIds: c.subscriptionIds,
      closesAt: new Date(c.closesAt).toISOString(),
    }));
  }

  /* ---- Subscribe ---- */

  subscribe(ctx: EwsContext, op: XNode, routing: Routing): { xml: string; cookie: string | undefined } {
    const name = 'Subscribe';
    const request = child(op, M, 'StreamingSubscriptionRequest');
    if (this.behaviour.streaming === 'refuse') {
      // Exchange 2007 SP1 knows only pull and push subscriptions: its schema has no StreamingSubscriptionRequest.
      if (request) {
        throw new EwsFault(
          'ErrorSchemaValidation',
          "The request failed schema validation: The element 'Subscribe' in namespace 'http://schemas.microsoft.com/exchange/services/2006/messages' has invalid child element 'StreamingSubscriptionRequest'.",
        );
      }
    }
    if (!request) {
      throw new EwsFault(
        'ErrorInvalidRequest',
        'The request is invalid: this simulator serves streaming subscriptions only (no pull or push).',
      );
    }
    if (/^Exchange2007/.test(ctx.request.version) || ctx.request.version === 'Exchange2010') {
      throw new EwsFault(
        'ErrorInvalidServerVersion',
        'Streaming subscriptions require RequestServerVersion Exchange2010_SP1 or later.',
      );
    }
    const eventTypes = new Set(childrenOf(child(request, T, 'EventTypes'), T, 'EventType').map((n) => n.text.trim()));
    if (eventTypes.size === 0 || [...eventTypes].some((t) => !EVENT_TYPES.has(t))) {
      throw new EwsFault('ErrorSchemaValidation', 'The request failed schema validation: EventTypes is invalid.');
    }
    const all = request.attrs.SubscribeToAllFolders === 'true';
    const folderNodes = child(request, T, 'FolderIds')?.children ?? [];
    if (!all && folderNodes.length === 0) {
      throw new EwsFault('ErrorSchemaValidation', 'The request failed schema validation: FolderIds is required.');
    }
    let folders: Folder[];
    try {
      folders = folderNodes.map((n) => resolveFolder(ctx, n));
    } catch (e) {
      if (e instanceof EwsItemError)
        return { xml: operationResponse(name, [errorMessage(name, e)]), cookie: undefined };
      throw e;
    }
    // One subscription covers one mailbox (ErrorInvalidSubscriptionRequest otherwise).
    if (folders.some((f) => f.mailboxId !== folders[0]?.mailboxId)) {
      const e = new EwsItemError('ErrorInvalidSubscriptionRequest');
      return { xml: operationResponse(name, [errorMessage(name, e)]), cookie: undefined };
    }
    const mailboxId = folders[0]?.mailboxId ?? ctx.mailbox.id;
    const mailbox = this.store.getMailbox(mailboxId);
    const server = this.route(routing, ctx.mailbox.smtpAddress);
    const sub: StreamingSubscription = {
      id: randomUUID().replace(/-/g, ''),
      mailboxId,
      smtpAddress: mailbox.smtpAddress,
      owner: principalName(ctx.principal),
      server,
      folderKeys: all ? undefined : new Set(folders.map((f) => f.key)),
      eventTypes,
      idleSince: this.clock.now(),
      queue: [],
      watermark: 0,
    };
    this.subscriptions.set(sub.id, sub);
    return {
      xml: operationResponse(name, [successMessage(name, tx('m:SubscriptionId', sub.id))]),
      cookie: routing.preferAffinity ? this.cookieFor(server) : undefined,
    };
  }

  /* ---- Unsubscribe ---- */

  unsubscribe(ctx: EwsContext, op: XNode, routing: Routing): string {
    const name = 'Unsubscribe';
    const id = childText(op, M, 'SubscriptionId')?.trim() ?? '';
    this.sweep();
    const s = this.subscriptions.get(id);
    const server = this.route(routing, ctx.mailbox.smtpAddress);
    if (!s || s.server !== server || s.owner !== principalName(ctx.principal)) {
      return operationResponse(name, [errorMessage(name, new EwsItemError('ErrorSubscriptionNotFound'))]);
    }
    this.subscriptions.delete(id);
    for (const c of [...this.connections]) if (c.subscriptionIds.includes(id)) this.drop(c, true);
    return operationResponse(name, [successMessage(name)]);
  }

  /* ---- GetStreamingEvents ---- */

  /**
   * Validates the request. Returns an error envelope body to send as an ordinary answer, or undefined when the
   * connection may open (then `open` takes over the response).
   */
  check(ctx: EwsContext, op: XNode, routing: Routing): { error: string } | { ids: string[]; minutes: number } {
    const name = 'GetStreamingEvents';
    if (this.behaviour.streaming === 'refuse') {
      throw new EwsFault(
        'ErrorInvalidRequest',
        'The request is invalid: operation GetStreamingEvents is not supported by this server version.',
      );
    }
    const ids = childrenOf(child(op, M, 'SubscriptionIds'), T, 'SubscriptionId').map((n) => n.text.trim());
    const minutesText = childText(op, M, 'ConnectionTimeout')?.trim() ?? '';
    const minutes = Number(minutesText);
    if (ids.length === 0)
      throw new EwsFault('ErrorSchemaValidation', 'The request failed schema validation: SubscriptionIds is empty.');
    if (!/^\d+$/.test(minutesText) || minutes < 1 || minutes > 30) {
      throw new EwsFault(
        'ErrorInvalidRequest',
        `The request is invalid: ConnectionTimeout '${minutesText}' must be between 1 and 30 minutes.`,
      );
    }
    this.sweep();
    const server = this.route(routing, ctx.mailbox.smtpAddress);
    const owner = principalName(ctx.principal);
    const missing = ids.filter((id) => {
      const s = this.subscriptions.get(id);
      return !s || s.server !== server || s.owner !== owner;
    });
    if (missing.length > 0) {
      const e = new EwsItemError('ErrorSubscriptionNotFound');
      const shell = el('m:ErrorSubscriptionIds', undefined, ...missing.map((id) => tx('t:SubscriptionId', id)));
      return { error: operationResponse(name, [errorMessage(name, e, shell)]) };
    }
    return { ids, minutes };
  }

  /** Takes over the HTTP response: a chunked 200 whose chunks are whole SOAP envelopes. */
  open(res: ServerResponse, ids: string[], minutes: number): void {
    res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8', 'cache-control': 'private' });
    const conn: Connection = {
      subscriptionIds: ids,
      res,
      closesAt: this.clock.now() + minutes * 60_000,
      lastBeat: Date.now(),
      timer: setInterval(() => this.tick(conn), 100),
    };
    conn.timer.unref?.();
    this.connections.add(conn);
    for (const id of ids) {
      const s = this.subscriptions.get(id);
      if (s) s.idleSince = undefined;
    }
    res.on('close', () => this.drop(conn, false));
    // The first message says the connection is up; queued events follow at once.
    this.write(conn, connectionStatus('OK'));
    this.flush(conn);
  }

  private tick(conn: Connection): void {
    if (this.clock.now() >= conn.closesAt) {
      this.flush(conn);
      this.write(conn, connectionStatus('Closed'));
      this.drop(conn, true);
      return;
    }
    if (Date.now() - conn.lastBeat >= this.behaviour.heartbeatMs) this.write(conn, connectionStatus('OK'));
  }

  private write(conn: Connection, body: string): void {
    conn.lastBeat = Date.now();
    if (!conn.res.writableEnded && !conn.res.destroyed) conn.res.write(envelope(body));
  }

  private flush(conn: Connection): void {
    const notes: string[] = [];
    for (const id of conn.subscriptionIds) {
      const s = this.subscriptions.get(id);
      if (!s || s.queue.length === 0) continue;
      const events = s.queue.splice(0);
      notes.push(
        el(
          'm:Notification',
          undefined,
          tx('t:SubscriptionId', s.id),
          ...events.map((e) =>
            el(
              `t:${e.type}`,
              undefined,
              tx('t:Watermark', e.watermark),
              tx('t:TimeStamp', new Date(e.timeStamp).toISOString().replace(/\.\d{3}Z$/, 'Z')),
              el('t:ItemId', { Id: e.itemId }),
              el('t:ParentFolderId', { Id: e.folderId }),
            ),
          ),
        ),
      );
    }
    if (notes.length === 0) return;
    this.write(
      conn,
      operationResponse('GetStreamingEvents', [
        successMessage('GetStreamingEvents', el('m:Notifications', undefined, ...notes)),
      ]),
    );
  }

  /** Ends a connection: with `graceful` the response ends normally, else the socket is cut. */
  private drop(conn: Connection, graceful: boolean): void {
    if (!this.connections.delete(conn)) return;
    clearInterval(conn.timer);
    const now = this.clock.now();
    for (const id of conn.subscriptionIds) {
      const s = this.subscriptions.get(id);
      if (s && ![...this.connections].some((c) => c.subscriptionIds.includes(id))) s.idleSince = now;
    }
    if (graceful) conn.res.end();
    else conn.res.destroy();
  }

  /** Closes every connection (simulator shutdown). */
  closeAll(): void {
    for (const c of [...this.connections]) this.drop(c, true);
  }

  private onChange(e: StoreChangeEvent): void {
    const folder = this.store.folderByKey(e.folderKey);
    if (!folder) return;
    const type = e.change === 'create' ? 'CreatedEvent' : e.change === 'update' ? 'ModifiedEvent' : 'DeletedEvent';
    for (const s of this.subscriptions.values()) {
      if (s.mailboxId !== e.mailboxId || this.expired(s) || !s.eventTypes.has(type)) continue;
      if (s.folderKeys && !s.folderKeys.has(folder.key)) continue;
      s.queue.push({
        type,
        watermark: Buffer.from(`wm:${++this.seq}`).toString('base64'),
        timeStamp: this.clock.now(),
        itemId: e.itemId,
        folderId: folder.id,
      });
      for (const c of this.connections) if (c.subscriptionIds.includes(s.id)) this.flush(c);
    }
  }
}

function connectionStatus(status: 'OK' | 'Closed'): string {
  return operationResponse('GetStreamingEvents', [
    successMessage('GetStreamingEvents', tx('m:ConnectionStatus', status)),
  ]);
}

/** The routing facts of a request: the affinity cookie, X-AnchorMailbox and X-PreferServerAffinity. */
export function routingOf(headers: Record<string, string | string[] | undefined>): Routing {
  const anchor = headers['x-anchormailbox'];
  const prefer = headers['x-preferserveraffinity'];
  const cookieHeader = [headers.cookie].flat().filter(Boolean).join('; ');
  const cookie = cookieHeader
    .split(';')
    .map((p) => p.trim())
    .find((p) => p.startsWith(`${AFFINITY_COOKIE}=`))
    ?.slice(AFFINITY_COOKIE.length + 1);
  return {
    cookie: cookie || undefined,
    anchor: typeof anchor === 'string' && anchor ? anchor : undefined,
    preferAffinity: typeof prefer === 'string' && prefer.toLowerCase() === 'true',
  };
}
