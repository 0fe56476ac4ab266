import {
  createRepositories,
  type Database,
  getMigrationStatus,
  isDatabaseError,
  type MigratorOptions,
  ping,
  type SecretKind,
} from '@exsync/db';
import { InvalidCursorError, NotReadyError, type ServiceStore, type StoredSecret, secretContext } from './port';

/**
 * ServiceStore over @exsync/db's repositories. The only thing added here is the vault context of each stored
 * secret during key rotation (the repositories list secrets by row; the vault needs whose secret it is).
 */
export function createDbStore(db: Database, migrator: MigratorOptions = {}): ServiceStore {
  const repos = createRepositories(db);

  async function contextOf(kind: SecretKind, id: string): Promise<string | undefined> {
    if (kind === 'user_app_password') {
      const user = await repos.users.getById(id);
      return user ? secretContext.appPassword(user.tenantId, user.ncUserId) : undefined;
    }
    if (kind === 'graph_client_state') return secretContext.graphClientState(id);
    const tenantId = await repos.exchangeConnections.tenantOf(id);
    if (!tenantId) return undefined;
    return secretContext.exchange(tenantId, kind === 'exchange_secret' ? 'secret' : 'certificate');
  }

  return {
    async checkReady() {
      await ping(db);
      const status = await getMigrationStatus(db, migrator);
      if (!status.upToDate) {
        const waiting = status.pending.length + status.failed.length + status.modified.length;
        throw new NotReadyError(`${waiting} database migration(s) are not applied; run \`exsync migrate\``);
      }
    },
    close: () => db.close(),

    apiKeys: {
      verify: (plaintext) => repos.apiKeys.verify(plaintext),
      issue: (input) => repos.apiKeys.create(input),
      listForTenant: (tenantId) => repos.apiKeys.list({ tenantId }),
      async revoke(tenantId, id) {
        const owned = (await repos.apiKeys.list({ tenantId })).some((k) => k.id === id);
        return owned && (await repos.apiKeys.revoke(id));
      },
      hasActiveAdminKey: () => repos.apiKeys.hasActiveAdminKey(),
    },

    tenants: {
      create: (input) => repos.tenants.create(input),
      list: () => repos.tenants.list(),
      get: (id) => repos.tenants.get(id),
      async update(id, patch) {
        try {
          return await repos.tenants.update(id, patch);
        } catch (e) {
          if (isDatabaseError(e, 'not_found')) return null;
          throw e;
        }
      },
      delete: (id) => repos.tenants.delete(id),
      getSettings: (id) => repos.tenants.getSettings(id),
      async putSettings(id, settings) {
        await repos.tenants.setSettings(id, settings as Parameters<typeof repos.tenants.setSettings>[1]);
      },
    },

    connections: {
      get: (tenantId) => repos.exchangeConnections.get(tenantId),
      put: (tenantId, input) => repos.exchangeConnections.upsert(tenantId, input),
      delete: (tenantId) => repos.exchangeConnections.delete(tenantId),
    },

    users: {
      upsert: (tenantId, input) => repos.users.upsert(tenantId, input),
      async upsertMany(tenantId, inputs) {
        const { created, updated } = await repos.users.upsertMany(tenantId, inputs);
        return { created, updated };
      },
      get: (tenantId, ncUserId) => repos.users.get(tenantId, ncUserId),
      async list(tenantId, { state, cursor, limit, search, sort, order }) {
        try {
          const page = await repos.users.list(tenantId, {
            limit,
            ...(state ? { state } : {}),
            ...(search ? { search } : {}),
            ...(sort ? { sort } : {}),
            ...(order ? { order } : {}),
            cursor: cursor ?? null,
          });
          return { items: page.users, nextCursor: page.nextCursor };
        } catch (e) {
          if (cursor !== undefined && isDatabaseError(e, 'invalid_input')) throw new InvalidCursorError();
          throw e;
        }
      },
      counts: (tenantId) => repos.users.countByState(tenantId),
      // The whole newest sync (every item kind), not the newest run of one kind.
      lastRun: (userId) => repos.syncRuns.lastSync(userId),
      graphSubscriptions: async (userId) =>
        (await repos.graphSubscriptions.forUser(userId)).map(({ resource, expiresAt, lastNotificationAt }) => ({
          resource,
          expiresAt,
          lastNotificationAt,
        })),
      pushStatus: async (userId) =>
        (await repos.pushStatus.forUser(userId)).map(({ side, mode, active, lastNotificationAt, error }) => ({
          side,
          mode,
          active,
          lastNotificationAt,
          error,
        })),
      nextcloudPush: async (userId) =>
        (await repos.pushState.nextcloud(userId)) ?? { lastNotificationAt: null, appSeenAt: null },
      delete: (tenantId, ncUserId) => repos.users.delete(tenantId, ncUserId),
    },

    authFailures: repos.authFailures,

    secrets: {
      async listStale(currentKeyId, limit) {
        const out: StoredSecret[] = [];
        for (const s of await repos.sealedSecrets.list({ exceptKeyId: currentKeyId, limit })) {
          const context = await contextOf(s.ref.kind, s.ref.id);
          // A row deleted between the two reads has nothing left to rotate.
          if (context) out.push({ ref: s.ref, context, sealed: s.sealed });
        }
        return out;
      },
      replace: (ref, previous, next) =>
        repos.sealedSecrets.replace({ kind: ref.kind as SecretKind, id: ref.id }, previous, next),
    },
  };
}
