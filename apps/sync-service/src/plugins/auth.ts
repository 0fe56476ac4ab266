import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { envKeyMatcher } from '../auth/api-key';
import { Errors } from '../errors';
import type { ServiceStore } from '../store/port';

export type Principal = { role: 'admin'; keyId: string } | { role: 'tenant'; keyId: string; tenantId: string };

/**
 * Who may call a route. Every route under /v1 must declare one; the auth hook refuses a /v1 route without it.
 * `metrics`: the admin key, or EXSYNC_METRICS_KEY — a key that opens /metrics and nothing else.
 */
/** `public`: no key at all (Graph's notifications); such a route checks its callers itself. */
export type Access = 'admin' | 'tenant' | 'metrics' | 'public';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** The tenant a tenant-scoped route acts on: the key's own, or the one named in the path. */
    tenantId: string | null;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}

export interface AuthOptions {
  store: ServiceStore;
  /** EXSYNC_ADMIN_KEY, compared by hash so its length does not leak through timing. */
  adminKey?: string | undefined;
  /** EXSYNC_METRICS_KEY: accepted on `metrics` routes only. */
  metricsKey?: string | undefined;
  /** Failed authentications allowed per address within `failureWindowMs` before it is refused (429). */
  maxFailures?: number;
  failureWindowMs?: number;
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

async function authPlugin(app: FastifyInstance, opts: AuthOptions): Promise<void> {
  const { store } = opts;
  const isEnvAdminKey = opts.adminKey ? envKeyMatcher(opts.adminKey) : () => false;
  const isMetricsKey = opts.metricsKey ? envKeyMatcher(opts.metricsKey) : () => false;
  const maxFailures = opts.maxFailures ?? 10;
  const windowMs = opts.failureWindowMs ?? 60_000;

  const limits = { maxFailures, windowMs };
  // Old windows are deleted now and then, so a scan from many addresses does not grow the table without bound.
  let failuresSincePurge = 0;
  const purgeNowAndThen = () => {
    if (++failuresSincePurge < 100) return;
    failuresSincePurge = 0;
    store.authFailures.purge(windowMs).catch((e: unknown) => app.log.warn({ err: e }, 'purging auth failures failed'));
  };

  app.decorateRequest('principal', null);
  app.decorateRequest('tenantId', null);

  async function identify(token: string): Promise<Principal | null> {
    if (isEnvAdminKey(token)) return { role: 'admin', keyId: 'env' };
    const record = await store.apiKeys.verify(token);
    if (!record) return null;
    if (record.role === 'admin') return { role: 'admin', keyId: record.id };
    if (!record.tenantId) return null;
    return { role: 'tenant', keyId: record.id, tenantId: record.tenantId };
  }

  app.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config.access;
    const url = request.routeOptions.url ?? '';
    if (!access) {
      // Fail closed: a /v1 route that forgot to declare its access is unusable rather than public.
      if (url.startsWith('/v1')) throw new Errors.ADMIN_REQUIRED();
      return;
    }
    if (access === 'public') return;

    // Counted in the database, so every replica enforces the same limit. Failures only: a busy Nextcloud with a
    // valid key is never throttled, while a key-guessing address is, even when it then sends a right key.
    const address = request.ip;
    const blocked = await store.authFailures.blockedFor(address);
    if (blocked > 0) {
      reply.header('retry-after', Math.ceil(blocked / 1000));
      throw new Errors.TOO_MANY_AUTH_FAILURES(Math.ceil(blocked / 1000));
    }

    const token = bearerToken(request);
    // The scraper's key: no principal, and no other route accepts it.
    if (access === 'metrics' && token && isMetricsKey(token)) return;
    const principal = token ? await identify(token) : null;
    if (!principal) {
      const blockedNow = await store.authFailures.record(address, limits);
      purgeNowAndThen();
      if (blockedNow > 0) {
        reply.header('retry-after', Math.ceil(blockedNow / 1000));
        throw new Errors.TOO_MANY_AUTH_FAILURES(Math.ceil(blockedNow / 1000));
      }
      throw new Errors.UNAUTHENTICATED();
    }
    request.principal = principal;

    const pathTenant = (request.params as { tenantId?: string } | undefined)?.tenantId;
    if (access === 'admin' || access === 'metrics') {
      if (principal.role !== 'admin') throw new Errors.ADMIN_REQUIRED();
      return;
    }
    // access === 'tenant'
    if (principal.role === 'tenant') {
      if (pathTenant !== undefined && pathTenant !== principal.tenantId) throw new Errors.TENANT_FORBIDDEN(pathTenant);
      request.tenantId = principal.tenantId;
      return;
    }
    if (pathTenant === undefined) {
      throw new Errors.TENANT_REQUIRED(url.replace(/^\/v1/, ''));
    }
    request.tenantId = pathTenant;
  });

  // An admin naming a tenant that does not exist gets 404 before any handler runs. This runs after validation,
  // so the id is known to be well-formed when the database sees it.
  app.addHook('preHandler', async (request) => {
    if (request.routeOptions.config.access !== 'tenant' || request.principal?.role !== 'admin') return;
    const tenantId = request.tenantId;
    if (tenantId && !(await store.tenants.get(tenantId))) throw new Errors.TENANT_NOT_FOUND(tenantId);
  });
}

export default fp(authPlugin, { name: 'exsync-auth' });
