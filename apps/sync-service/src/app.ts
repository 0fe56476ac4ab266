import { createOperationsRepository } from '@exsync/db';
import helmet from '@fastify/helmet';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import type { Logger } from 'pino';
import type { TrustProxy } from './config';
import type { SyncMetrics } from './metrics/metrics';
import authPlugin from './plugins/auth';
import errorsPlugin, { clientErrorHandler, frameworkErrors, MAX_PARAM_LENGTH } from './plugins/errors';
import identifiersPlugin from './plugins/identifiers';
import jsonBodyPlugin from './plugins/json-body';
import swaggerPlugin from './plugins/swagger';
import { adminRoutes } from './routes/admin/index';
import { connectionRoutes } from './routes/exchange-connection/index';
import { healthRoutes } from './routes/health/index';
import { metricsRoutes } from './routes/metrics/index';
import { nextcloudChangeRoutes } from './routes/nextcloud-changes/index';
import { notificationRoutes } from './routes/notifications/index';
import { overviewRoutes } from './routes/overview/index';
import { reviewRoutes } from './routes/review/index';
import { settingsRoutes } from './routes/settings/index';
import { type SyncRoutesOptions, syncRoutes } from './routes/sync/index';
import { tenantRoutes } from './routes/tenants/index';
import { usersRoutes } from './routes/users/index';
import type { ServiceStore } from './store/port';
import type { MailboxProbe } from './sync/mailbox-probe';
import type { OnlineRotationResult } from './vault/online-rotation';
import type { Vault } from './vault/vault';

declare module 'fastify' {
  interface FastifyInstance {
    registeredRoutes: { method: string; url: string }[];
  }
}

/** 1,000 users with long names and app passwords fit comfortably; anything bigger is refused before parsing. */
export const BODY_LIMIT = 2 * 1024 * 1024;

export interface AppDeps {
  store: ServiceStore;
  vault: Vault;
  logger: Logger;
  adminKey?: string | undefined;
  /** EXSYNC_METRICS_KEY: opens /metrics only. */
  metricsKey?: string | undefined;
  /** What /metrics serves; without it the route does not exist. */
  metrics?: SyncMetrics;
  /** Which proxies to believe about the client address (see config.ts); never every hop. */
  trustProxy?: TrustProxy;
  auth?: { maxFailures?: number; failureWindowMs?: number };
  /** Online key rotation (POST /v1/admin/key-rotation); the server provides it, tests may too. */
  rotateKey?: () => Promise<OnlineRotationResult>;
  /** `operations`: only /healthz, /readyz and /metrics (a worker process). Default `full`. */
  surface?: 'full' | 'operations';
  /** Per-user sync actions and run history (routes/sync); the server and tests provide the queue. */
  sync?: Pick<SyncRoutesOptions, 'db' | 'queue'>;
  /** POST /exchange-connection/test: tries one mailbox (server.ts and the test harness provide it). */
  probeMailbox?: MailboxProbe;
  /** Before DELETE /users/{id} removes a user: deletes their Graph subscriptions (server.ts provides it). */
  beforeUserRemoved?: (tenantId: string, ncUserId: string) => Promise<void>;
}

/** Registers plugins and routes; never listens (server.ts does), so tests drive it with inject(). */
export async function buildApp(deps: AppDeps) {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: BODY_LIMIT,
    trustProxy: deps.trustProxy ?? false,
    // Unknown fields are refused, not silently dropped, and "5" is not a number: a client with a bug hears of it.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
    // Tenant ids and user ids are matched exactly; no surprises from trailing slashes or case folding.
    routerOptions: { ignoreTrailingSlash: false, caseSensitive: true, maxParamLength: MAX_PARAM_LENGTH },
    // Errors raised before the error handler could see them answer in the same `{ code, message }` shape.
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Every route as registered, so a test can prove none is missing from the OpenAPI document.
  const registeredRoutes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) registeredRoutes.push({ method, url: route.url });
  });
  app.decorate('registeredRoutes', registeredRoutes);

  await app.register(jsonBodyPlugin);
  await app.register(errorsPlugin);
  await app.register(helmet, {
    contentSecurityPolicy: {
      // Operators often reach the service over plain HTTP inside their network; upgrading would break /docs.
      directives: { upgradeInsecureRequests: null },
    },
  });
  await app.register(swaggerPlugin);
  // Before auth: the tenant check and every handler see canonical ids.
  await app.register(identifiersPlugin);
  await app.register(authPlugin, {
    store: deps.store,
    adminKey: deps.adminKey,
    metricsKey: deps.metricsKey,
    ...(deps.auth ?? {}),
  });

  const { store, vault } = deps;
  await app.register(healthRoutes, { store });
  if (deps.metrics) await app.register(metricsRoutes, { metrics: deps.metrics });
  if (deps.surface === 'operations') return app;
  await app.register(tenantRoutes, { prefix: '/v1', store });
  if (deps.sync) await app.register(notificationRoutes, { prefix: '/v1', vault, ...deps.sync });
  if (deps.rotateKey) await app.register(adminRoutes, { prefix: '/v1', rotateKey: deps.rotateKey });
  for (const [prefix, explicit] of [
    ['/v1', false],
    ['/v1/tenants/:tenantId', true],
  ] as const) {
    await app.register(usersRoutes, { prefix, explicit, store, vault, beforeUserRemoved: deps.beforeUserRemoved });
    await app.register(settingsRoutes, { prefix, explicit, store });
    await app.register(connectionRoutes, { prefix, explicit, store, vault, probeMailbox: deps.probeMailbox });
    if (deps.sync) await app.register(syncRoutes, { prefix, explicit, store, ...deps.sync });
    if (deps.sync) await app.register(reviewRoutes, { prefix, explicit, store, ...deps.sync });
    if (deps.sync) await app.register(nextcloudChangeRoutes, { prefix, explicit, ...deps.sync });
    if (deps.sync) {
      await app.register(overviewRoutes, { prefix, explicit, operations: createOperationsRepository(deps.sync.db) });
    }
  }
  return app;
}
export type App = Awaited<ReturnType<typeof buildApp>>;
