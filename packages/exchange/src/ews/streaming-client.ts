/**
 * EWS streaming notifications, spoken directly in SOAP: Subscribe (StreamingSubscriptionRequest), GetStreamingEvents
 * (a long-lived chunked answer, one SOAP envelope per message) and Unsubscribe. ews-javascript-api has a
 * StreamingSubscriptionConnection, but it neither exposes the affinity cookie Exchange needs to group several
 * mailboxes on one connection nor lets a caller read ConnectionStatus, so this small client does it itself.
 *
 * Affinity (Microsoft: "Maintain affinity between a group of subscriptions and the Mailbox server"): every request
 * of a group carries `X-AnchorMailbox: <the group's anchor>` and `X-PreferServerAffinity: true`; the first
 * Subscribe answers with an `X-BackEndOverrideCookie`, which every later request of the group sends back.
 *
 * Basic and OAuth go over fetch. NTLM authenticates a connection, not a request, which fetch's pool hides: those
 * requests go through ntlm-post.ts, which runs the handshake and the request on one keep-alive socket of its own.
 *
 * Notifications are triggers only: the caller learns which subscription saw events, never item data to trust.
 */
import { AuthError, RetryableError } from '@exsync/core';
import type { EwsAuth } from './connection-config';
import { ntlmPost } from './ntlm-post';
import { OAuthTokenSource } from './oauth-token-source';
import { soapEnvelope } from './soap-envelope';
import { xmlText } from './wire-values';

export const AFFINITY_COOKIE = 'X-BackEndOverrideCookie';

export type StreamingFolder = 'calendar' | 'contacts' | 'tasks' | { readonly id: string };

/** The server does not offer streaming notifications (Exchange 2007, or refused): poll instead. */
export class StreamingUnsupportedError extends Error {
  override readonly name = 'StreamingUnsupportedError';
}

/** An EWS response message with ResponseClass="Error" or a SOAP fault, with Exchange's code. */
export class EwsResponseError extends Error {
  override readonly name = 'EwsResponseError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** One group of subscriptions sharing a Mailbox server: the anchor mailbox and, once known, the cookie. */
export interface Affinity {
  readonly anchor: string;
  cookie?: string;
}

export interface NotificationBatch {
  readonly subscriptionId: string;
  /** Event element names (CreatedEvent, ModifiedEvent, …): for logs only. */
  readonly events: readonly string[];
}

/** How a GetStreamingEvents connection ended, when it ended without a transport failure. */
export type StreamEnd =
  | { readonly kind: 'closed' }
  /** Some subscriptions are gone (expired, EWS restarted, another server): they must be created again. */
  | { readonly kind: 'subscriptionsLost'; readonly code: string; readonly subscriptionIds: readonly string[] }
  /** The answer ended without ConnectionStatus Closed (a dropped connection). */
  | { readonly kind: 'dropped' };

export interface StreamHandlers {
  onNotifications(batches: readonly NotificationBatch[]): void;
  /** Any message arrived (heartbeat or notifications): the connection is alive. */
  onAlive?(): void;
}

export interface EwsStreamingClientOptions {
  readonly url: string;
  readonly auth: EwsAuth;
  /** Subscribe/Unsubscribe are abandoned after this long (default 30 s). */
  readonly timeoutMs?: number;
  /** Basic and OAuth only (NTLM needs its own sockets). */
  readonly fetch?: typeof fetch;
}

export class EwsStreamingClient {
  readonly #o: EwsStreamingClientOptions;
  readonly #tokens: OAuthTokenSource | undefined;
  readonly #fetch: typeof fetch;

  constructor(options: EwsStreamingClientOptions) {
    this.#o = options;
    this.#tokens = options.auth.kind === 'oauth' ? new OAuthTokenSource(options.auth) : undefined;
    this.#fetch = options.fetch ?? fetch;
  }

  /** Basic and OAuth ride on each request; NTLM authenticates a connection instead (see ntlm-post.ts). */
  async #authorization(): Promise<string | undefined> {
    const auth = this.#o.auth;
    if (auth.kind === 'ntlm') return undefined;
    if (auth.kind === 'basic') return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    if (!this.#tokens) throw new StreamingUnsupportedError('no usable credential for streaming');
    return `Bearer ${await this.#tokens.token()}`;
  }

  async #post(mailbox: string, body: string, affinity: Affinity, signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = {
      'content-type': 'text/xml; charset=utf-8',
      accept: 'text/xml',
      'x-anchormailbox': affinity.anchor,
      'x-preferserveraffinity': 'true',
    };
    const authorization = await this.#authorization();
    if (authorization) headers.authorization = authorization;
    if (affinity.cookie) headers.cookie = `${AFFINITY_COOKIE}=${affinity.cookie}`;
    const auth = this.#o.auth;
    let res: Response;
    try {
      res =
        auth.kind === 'ntlm'
          ? await ntlmPost(this.#o.url, headers, soapEnvelope(mailbox, body), auth, signal)
          : await this.#fetch(this.#o.url, { method: 'POST', headers, body: soapEnvelope(mailbox, body), signal });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (error instanceof AuthError || error instanceof RetryableError) throw error;
      throw new RetryableError('EWS could not be reached for streaming notifications', { cause: error });
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      const scheme = auth.kind === 'ntlm' ? 'NTLM ' : '';
      throw new AuthError(`EWS refused the ${scheme}credentials for streaming notifications (HTTP ${res.status})`);
    }
    return res;
  }

  async #call(mailbox: string, body: string, affinity: Affinity): Promise<{ text: string; res: Response }> {
    const signal = AbortSignal.timeout(this.#o.timeoutMs ?? 30_000);
    const res = await this.#post(mailbox, body, affinity, signal);
    const text = await res.text();
    const fault = faultOf(text);
    if (fault) throw refusal(fault.code, fault.message);
    if (res.status >= 400) throw new RetryableError(`EWS answered HTTP ${res.status}`);
    return { text, res };
  }

  /** Creates a streaming subscription for the mailbox's folders; remembers the group's cookie on first use. */
  async subscribe(mailbox: string, folders: readonly StreamingFolder[], affinity: Affinity): Promise<string> {
    const folderXml = folders
      .map((f) =>
        typeof f === 'string'
          ? `<t:DistinguishedFolderId Id="${f}"><t:Mailbox><t:EmailAddress>${xmlText(mailbox)}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>`
          : `<t:FolderId Id="${xmlText(f.id)}"/>`,
      )
      .join('');
    const body =
      `<m:Subscribe><m:StreamingSubscriptionRequest><t:FolderIds>${folderXml}</t:FolderIds><t:EventTypes>` +
      ['CreatedEvent', 'DeletedEvent', 'ModifiedEvent', 'MovedEvent', 'CopiedEvent']
        .map((e) => `<t:EventType>${e}</t:EventType>`)
        .join('') +
      '</t:EventTypes></m:StreamingSubscriptionRequest></m:Subscribe>';
    const { text, res } = await this.#call(mailbox, body, affinity);
    const message = firstMessage(text, 'SubscribeResponseMessage');
    if (!message) throw new RetryableError('EWS Subscribe answered without a response message');
    if (message.responseClass === 'Error') throw refusal(message.code, message.text);
    const id = textOf(message.xml, 'SubscriptionId');
    if (!id) throw new RetryableError('EWS Subscribe answered without a SubscriptionId');
    const cookie = cookieOf(res.headers);
    if (cookie && !affinity.cookie) affinity.cookie = cookie;
    return id;
  }

  /** Ends a subscription; one the server no longer knows counts as ended. */
  async unsubscribe(mailbox: string, subscriptionId: string, affinity: Affinity): Promise<void> {
    const body = `<m:Unsubscribe><m:SubscriptionId>${xmlText(subscriptionId)}</m:SubscriptionId></m:Unsubscribe>`;
    const { text } = await this.#call(mailbox, body, affinity);
    const message = firstMessage(text, 'UnsubscribeResponseMessage');
    if (message?.responseClass === 'Error' && message.code !== 'ErrorSubscriptionNotFound') {
      throw refusal(message.code, message.text);
    }
  }

  /**
   * Opens one GetStreamingEvents connection for the group (impersonating `mailbox`, a member) and reads it until it
   * ends. Resolves with how it ended; rejects on transport failures and refusals. `signal` ends it early.
   */
  async stream(
    mailbox: string,
    subscriptionIds: readonly string[],
    minutes: number,
    affinity: Affinity,
    handlers: StreamHandlers,
    signal: AbortSignal,
  ): Promise<StreamEnd> {
    const body =
      '<m:GetStreamingEvents><m:SubscriptionIds>' +
      subscriptionIds.map((id) => `<t:SubscriptionId>${xmlText(id)}</t:SubscriptionId>`).join('') +
      `</m:SubscriptionIds><m:ConnectionTimeout>${minutes}</m:ConnectionTimeout></m:GetStreamingEvents>`;
    const res = await this.#post(mailbox, body, affinity, signal);
    if (!res.body) throw new RetryableError('EWS GetStreamingEvents answered without a body');
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        // Each message is a whole SOAP envelope; a chunk may hold several or part of one.
        for (;;) {
          const end = /<\/(?:[\w-]+:)?Envelope\s*>/.exec(buffer);
          if (!end) break;
          const one = buffer.slice(0, end.index + end[0].length);
          buffer = buffer.slice(end.index + end[0].length);
          const outcome = this.#message(one, handlers);
          if (outcome) {
            await res.body.cancel().catch(() => undefined);
            return outcome;
          }
        }
      }
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (error instanceof EwsResponseError || error instanceof StreamingUnsupportedError) throw error;
      throw new RetryableError('The EWS streaming connection failed', { cause: error });
    }
    return { kind: 'dropped' };
  }

  /** Handles one envelope; returns how the stream ended when this message ends it. */
  #message(xml: string, handlers: StreamHandlers): StreamEnd | undefined {
    const fault = faultOf(xml);
    if (fault) throw refusal(fault.code, fault.message);
    const message = firstMessage(xml, 'GetStreamingEventsResponseMessage');
    if (!message) return undefined;
    handlers.onAlive?.();
    if (message.responseClass === 'Error') {
      const ids = allText(sectionOf(message.xml, 'ErrorSubscriptionIds') ?? '', 'SubscriptionId');
      if (ids.length > 0 || /Subscription/.test(message.code))
        return { kind: 'subscriptionsLost', code: message.code, subscriptionIds: ids };
      throw refusal(message.code, message.text);
    }
    const notifications = sectionOf(message.xml, 'Notifications');
    if (notifications) {
      const batches: NotificationBatch[] = [];
      for (const n of sectionsOf(notifications, 'Notification')) {
        const id = textOf(n, 'SubscriptionId');
        if (!id) continue;
        const events = [...n.matchAll(/<(?:[\w-]+:)?(\w+Event)\b/g)].map((m) => m[1]!);
        batches.push({ subscriptionId: id, events });
      }
      if (batches.length > 0) handlers.onNotifications(batches);
    }
    if (textOf(message.xml, 'ConnectionStatus') === 'Closed') return { kind: 'closed' };
    return undefined;
  }
}

/** Codes that mean "this server has no streaming notifications" rather than a passing failure. */
const UNSUPPORTED = new Set(['ErrorSchemaValidation', 'ErrorInvalidRequest', 'ErrorInvalidServerVersion']);

function refusal(code: string, text: string): Error {
  if (UNSUPPORTED.has(code)) return new StreamingUnsupportedError(`${code}: ${text}`);
  if (code === 'ErrorServerBusy') return new RetryableError(`EWS is busy (${code})`);
  if (/^Error(AccessDenied|ImpersonateUserDenied|ImpersonationDenied|NonExistentMailbox)$/.test(code))
    return new AuthError(`${code}: ${text}`);
  return new EwsResponseError(code, text);
}

/* ---- A tolerant reader for the few elements used here (any namespace prefix). ---- */

function sectionsOf(xml: string, name: string): string[] {
  const re = new RegExp(`<(?:[\\w-]+:)?${name}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</(?:[\\w-]+:)?${name}\\s*>)`, 'g');
  return [...xml.matchAll(re)].map((m) => m[0]);
}

function sectionOf(xml: string, name: string): string | undefined {
  return sectionsOf(xml, name)[0];
}

function textOf(xml: string, name: string): string | undefined {
  const re = new RegExp(`<(?:[\\w-]+:)?${name}(?:\\s[^>]*)?>([^<]*)</(?:[\\w-]+:)?${name}\\s*>`);
  const m = re.exec(xml);
  return m ? decode(m[1]!.trim()) : undefined;
}

function allText(xml: string, name: string): string[] {
  const re = new RegExp(`<(?:[\\w-]+:)?${name}(?:\\s[^>]*)?>([^<]*)</(?:[\\w-]+:)?${name}\\s*>`, 'g');
  return [...xml.matchAll(re)].map((m) => decode(m[1]!.trim()));
}

function decode(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function firstMessage(
  xml: string,
  name: string,
): { responseClass: string; code: string; text: string; xml: string } | undefined {
  const section = sectionOf(xml, name);
  if (!section) return undefined;
  const responseClass = /ResponseClass="(\w+)"/.exec(section)?.[1] ?? 'Success';
  return {
    responseClass,
    code: textOf(section, 'ResponseCode') ?? 'NoError',
    text: textOf(section, 'MessageText') ?? '',
    xml: section,
  };
}

function faultOf(xml: string): { code: string; message: string } | undefined {
  if (!/<(?:[\w-]+:)?Fault\b/.test(xml)) return undefined;
  const code =
    textOf(xml, 'ResponseCode') ?? textOf(xml, 'faultcode')?.replace(/^\w+:/, '') ?? 'ErrorInternalServerError';
  return { code, message: textOf(xml, 'faultstring') ?? '' };
}

function cookieOf(headers: Headers): string | undefined {
  for (const c of headers.getSetCookie()) {
    const m = new RegExp(`^${AFFINITY_COOKIE}=([^;]*)`).exec(c.trim());
    if (m?.[1]) return m[1];
  }
  return undefined;
}
