/**
 * The Simulator: one mailbox store plus everything the faces share (directory, tokens, faults, request log,
 * throttling, delta token cache, behaviour knobs). The control API and tests drive it through this typed object;
 * the HTTP faces read it.
 */
import { type Face, type FaultAction, FaultInjector, type FaultMatch, type FaultRule } from './control/faults';
import { RequestLog, type RequestLogEntry } from './control/request-log';
import { Throttle } from './control/throttle';
import { Directory } from './directory';
import { TokenService } from './entra/tokens';
import { EwsStreamingService } from './ews/streaming';
import { DeltaRegistry } from './graph/delta-registry';
import { SubscriptionService } from './graph/subscriptions';
import { VirtualClock } from './store/clock';
import { MailboxStore } from './store/mailbox-store';
import type { SentMail, SentMailKind } from './store/types';

export interface GraphBehaviour {
  /** Default delta page size when the client sends no odata.maxpagesize. */
  defaultPageSize: number;
  /** Largest page the server honours (a hint beyond it is capped). */
  maxPageSize: number;
  /** Insert an empty nextLink page before every n-th page (0 = never). Graph may send empty pages. */
  emptyPageEvery: number;
  /** HTTP status for a stale If-Match: the reports differ (412 or 409). */
  etagConflictStatus: 412 | 409;
  /** How long a transactionId dedupes a repeated POST. */
  transactionIdWindowMs: number;
  /** Delta states older than this (virtual clock, ms) count as expired; 0 = kept until evicted. */
  deltaTokenTtlMs: number;
  /** Response to an evicted or expired delta link. */
  expiredDeltaResponse: 'gone' | 'syncStateNotFound';
  /** Repeat every n-th entry of a non-initial delta round at its end (0 = never): Graph may send duplicates. */
  duplicateEvery: number;
  /** Report items changed outside the window as @removed (documented behaviour). */
  removedForOutsideChanges: boolean;
  /** Concurrent requests per (app, mailbox) before 429 MailboxConcurrency. */
  concurrencyLimit: number;
  /** Retry-After seconds on a concurrency 429. */
  retryAfterSeconds: number;
  /** Requests per 10 minutes per (app, mailbox) before 429. */
  rateLimitPer10Min: number;
  /** Added latency for every Graph request (makes concurrency observable in tests). */
  latencyMs: number;
  /** Status for $batch requests beyond the concurrent four: executed sequentially (true) or run all at once. */
  batchConcurrency: number;
}

export interface SimulatorOptions {
  tenantId?: string;
  /** Seed for ids and UIDs (same seed + same calls = same ids). */
  seed?: string;
  clock?: { start?: number; frozen?: boolean };
  /** Public base URL (no trailing slash) used in links; listen() sets it when not given. */
  baseUrl?: string;
  graph?: Partial<GraphBehaviour>;
  tokenLifetimeSeconds?: number;
  /** Log requests to stdout (Fastify logger). */
  logger?: boolean;
}

export const DEFAULT_GRAPH_BEHAVIOUR: GraphBehaviour = {
  defaultPageSize: 100,
  maxPageSize: 1000,
  emptyPageEvery: 0,
  duplicateEvery: 0,
  etagConflictStatus: 412,
  transactionIdWindowMs: 24 * 3600_000,
  expiredDeltaResponse: 'gone',
  deltaTokenTtlMs: 0,
  removedForOutsideChanges: true,
  concurrencyLimit: 4,
  retryAfterSeconds: 1,
  rateLimitPer10Min: 10_000,
  latencyMs: 0,
  batchConcurrency: 4,
};

export class Simulator {
  readonly clock: VirtualClock;
  readonly store: MailboxStore;
  readonly directory: Directory;
  readonly tokens: TokenService;
  readonly faults = new FaultInjector();
  readonly log = new RequestLog();
  readonly throttle = new Throttle();
  readonly delta = new DeltaRegistry();
  readonly graph: GraphBehaviour;
  readonly subscriptions: SubscriptionService;
  /** EWS streaming subscriptions and their open GetStreamingEvents connections. */
  readonly ewsStreaming: EwsStreamingService;
  baseUrl: string;

  constructor(readonly options: SimulatorOptions = {}) {
    this.clock = new VirtualClock(options.clock);
    this.store = new MailboxStore({ clock: this.clock, seed: options.seed ?? 'exsync-sim' });
    this.directory = new Directory(options.tenantId ?? '11111111-2222-3333-4444-555555555555');
    this.tokens = new TokenService(this.directory.tenantId, this.clock);
    if (options.tokenLifetimeSeconds) this.tokens.lifetimeSeconds = options.tokenLifetimeSeconds;
    this.graph = { ...DEFAULT_GRAPH_BEHAVIOUR, ...options.graph };
    this.subscriptions = new SubscriptionService(this.store, this.clock, this.directory.tenantId);
    this.ewsStreaming = new EwsStreamingService(this.store, this.clock);
    this.baseUrl = options.baseUrl ?? 'http://127.0.0.1:5080';
  }

  get tenantId(): string {
    return this.directory.tenantId;
  }

  /** URLs of every face, relative to the current base URL. */
  urls() {
    const b = this.baseUrl;
    const t = this.tenantId;
    return {
      base: b,
      ews: `${b}/EWS/Exchange.asmx`,
      graph: `${b}/v1.0`,
      tokenEndpoint: `${b}/${t}/oauth2/v2.0/token`,
      openIdConfiguration: `${b}/${t}/v2.0/.well-known/openid-configuration`,
      control: `${b}/_control`,
    };
  }

  /** msal-node `authorityMetadata` for recipe A (fake https authority, token endpoint on this simulator). */
  msalAuthorityMetadata(authorityHost = 'login.sim.invalid'): string {
    const t = this.tenantId;
    return JSON.stringify({
      token_endpoint: this.urls().tokenEndpoint,
      issuer: `https://${authorityHost}/${t}/v2.0`,
      authorization_endpoint: `https://${authorityHost}/${t}/oauth2/v2.0/authorize`,
      jwks_uri: `https://${authorityHost}/${t}/discovery/v2.0/keys`,
      end_session_endpoint: `https://${authorityHost}/${t}/oauth2/v2.0/logout`,
    });
  }

  /* ---- the control operations, typed ---- */

  advanceClock(ms: number): number {
    return this.clock.advance(ms);
  }

  injectFault(match: FaultMatch, action: FaultAction, count = 1): FaultRule {
    return this.faults.inject(match, action, count);
  }

  /** The most recent requests (the log keeps the last 20,000); `requestCount` counts them all. */
  requests(filter: Parameters<RequestLog['list']>[0] = {}): RequestLogEntry[] {
    return this.log.list(filter);
  }

  requestCount(face?: Face): number {
    return this.log.count(face);
  }

  sentMail(filter: { from?: string; kind?: SentMailKind; via?: string } = {}): SentMail[] {
    return this.store.sentMail(filter);
  }

  /** Send a Graph subscription lifecycle event (`subscriptionRemoved` also drops the subscription). */
  subscriptionLifecycle(id: string, event: 'missed' | 'subscriptionRemoved' | 'reauthorizationRequired'): void {
    this.subscriptions.lifecycle(id, event);
  }

  /** Token cache eviction: every open delta chain (of one mailbox, if given) must restart. */
  evictDeltaTokens(mailbox?: string): number {
    return this.delta.evict(mailbox ? this.store.getMailbox(mailbox).id : undefined);
  }
}
