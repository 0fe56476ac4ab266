import { type Database, getMigrationStatus } from '@exsync/db';
import {
  type ApiKeyRecord,
  type ExchangeConnectionRecord,
  InvalidCursorError,
  NotReadyError,
  type ServiceStore,
  type StoredSecret,
  type TenantRecord,
  type UserInput,
  type UserRecord,
  type UserState,
} from './port';

/**
 * ServiceStore over @exsync/db. It speaks to the database through the package's `Database` (Prisma client and
 * parameterised SQL). Upserts are single `INSERT … ON CONFLICT` statements: atomic, and they report whether a
 * row was created (`xmax = 0`), which Prisma's upsert cannot tell.
 */

interface UserRow {
  nc_user_id: string;
  login_name: string;
  email: string | null;
  mailbox: string | null;
  display_name: string | null;
  app_password_ciphertext: string;
  app_password_key_id: string;
  state: UserState;
  state_reason: string | null;
  last_sync_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
  inserted?: boolean;
}

const date = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));

function userFromRow(r: UserRow): UserRecord {
  return {
    ncUserId: r.nc_user_id,
    loginName: r.login_name,
    email: r.email,
    mailbox: r.mailbox,
    displayName: r.display_name,
    appPassword: { ciphertext: r.app_password_ciphertext, keyId: r.app_password_key_id },
    state: r.state,
    stateReason: r.state_reason,
    lastSyncAt: r.last_sync_at === null ? null : date(r.last_sync_at),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
  };
}

const USER_COLUMNS =
  'nc_user_id, login_name, email, mailbox, display_name, app_password_ciphertext, app_password_key_id, state, state_reason, last_sync_at, created_at, updated_at';

// New credentials end an auth_required state (the old app password stopped working); other states are the
// admin's or the scheduler's business and survive a re-enrolment.
const UPSERT_TAIL = `ON CONFLICT (tenant_id, nc_user_id) DO UPDATE SET
  login_name = EXCLUDED.login_name,
  email = EXCLUDED.email,
  mailbox = EXCLUDED.mailbox,
  display_name = EXCLUDED.display_name,
  app_password_ciphertext = EXCLUDED.app_password_ciphertext,
  app_password_key_id = EXCLUDED.app_password_key_id,
  state = CASE WHEN users.state = 'auth_required' THEN 'active'::user_state ELSE users.state END,
  state_reason = CASE WHEN users.state = 'auth_required' THEN NULL ELSE users.state_reason END,
  updated_at = now()`;

function encodeCursor(ncUserId: string): string {
  return Buffer.from(JSON.stringify({ after: ncUserId }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof value.after === 'string' && value.after.length > 0) return value.after;
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
}

type TenantModel = { id: string; name: string; nextcloudUrl: string; createdAt: Date; updatedAt: Date };
const tenantView = (t: TenantModel): TenantRecord => ({
  id: t.id,
  name: t.name,
  nextcloudUrl: t.nextcloudUrl,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
});

export function createDbStore(db: Database, options: { migrationsDir?: string } = {}): ServiceStore {
  const { prisma } = db;
  const migratorOptions = options.migrationsDir ? { migrationsDir: options.migrationsDir } : {};

  return {
    async checkReady() {
      await db.query('SELECT 1');
      const status = await getMigrationStatus(db, migratorOptions);
      if (!status.upToDate) {
        const waiting = status.pending.length + status.failed.length + status.modified.length;
        throw new NotReadyError(`${waiting} database migration(s) are not applied; run \`exsync migrate\``);
      }
    },
    close: () => db.close(),

    apiKeys: {
      async findByPrefix(prefix) {
        return (await prisma.apiKey.findUnique({ where: { prefix } })) as ApiKeyRecord | null;
      },
      async create(input) {
        return (await prisma.apiKey.create({ data: input })) as ApiKeyRecord;
      },
      async listForTenant(tenantId) {
        return (await prisma.apiKey.findMany({
          where: { tenantId },
          orderBy: { createdAt: 'asc' },
        })) as ApiKeyRecord[];
      },
      async revoke(tenantId, id) {
        const r = await prisma.apiKey.updateMany({
          where: { id, tenantId, revokedAt: null },
          data: { revokedAt: new Date() },
        });
        return r.count > 0;
      },
      async countActiveAdmin() {
        return prisma.apiKey.count({ where: { role: 'admin', revokedAt: null } });
      },
    },

    tenants: {
      async create(input) {
        return tenantView(await prisma.tenant.create({ data: input }));
      },
      async list() {
        return (await prisma.tenant.findMany({ orderBy: { createdAt: 'asc' } })).map(tenantView);
      },
      async get(id) {
        const t = await prisma.tenant.findUnique({ where: { id } });
        return t ? tenantView(t) : null;
      },
      async update(id, patch) {
        const r = await prisma.tenant.updateMany({ where: { id }, data: patch });
        if (r.count === 0) return null;
        const t = await prisma.tenant.findUnique({ where: { id } });
        return t ? tenantView(t) : null;
      },
      async delete(id) {
        return (await prisma.tenant.deleteMany({ where: { id } })).count > 0;
      },
      async getSettings(id) {
        const t = await prisma.tenant.findUnique({ where: { id }, select: { settings: true } });
        return t?.settings ?? {};
      },
      async putSettings(id, settings) {
        await prisma.tenant.update({ where: { id }, data: { settings: settings as object } });
      },
    },

    connections: {
      async get(tenantId) {
        const c = await prisma.exchangeConnection.findUnique({ where: { tenantId } });
        return c ? connectionView(c) : null;
      },
      async put(tenantId, input) {
        const data = {
          kind: input.kind,
          endpoint: input.endpoint,
          authKind: input.authKind,
          username: input.username,
          entraTenantId: input.entraTenantId,
          clientId: input.clientId,
          secretCiphertext: input.secret?.ciphertext ?? null,
          secretKeyId: input.secret?.keyId ?? null,
          certificateCiphertext: input.certificate?.ciphertext ?? null,
          certificateKeyId: input.certificate?.keyId ?? null,
        };
        const c = await prisma.exchangeConnection.upsert({
          where: { tenantId },
          create: { tenantId, ...data },
          update: data,
        });
        return connectionView(c);
      },
      async delete(tenantId) {
        return (await prisma.exchangeConnection.deleteMany({ where: { tenantId } })).count > 0;
      },
    },

    users: {
      async upsert(tenantId, u) {
        const rows = await db.query<UserRow>(
          `INSERT INTO users (tenant_id, nc_user_id, login_name, email, mailbox, display_name,
             app_password_ciphertext, app_password_key_id, updated_at)
           VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, now())
           ${UPSERT_TAIL}
           RETURNING ${USER_COLUMNS}, (xmax = 0) AS inserted`,
          [
            tenantId,
            u.ncUserId,
            u.loginName,
            u.email,
            u.mailbox,
            u.displayName,
            u.appPassword.ciphertext,
            u.appPassword.keyId,
          ],
        );
        const row = rows[0];
        if (!row) throw new Error('upsert returned no row');
        return { user: userFromRow(row), created: row.inserted === true };
      },

      async upsertMany(tenantId, inputs: UserInput[]) {
        // One statement: PostgreSQL applies it entirely or not at all.
        const col = <K extends keyof UserInput>(k: K) => inputs.map((u) => u[k]);
        const rows = await db.query<{ inserted: boolean }>(
          `INSERT INTO users (tenant_id, nc_user_id, login_name, email, mailbox, display_name,
             app_password_ciphertext, app_password_key_id, updated_at)
           SELECT $1::uuid, t.* , now() FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
             $7::text[], $8::text[]) AS t
           ${UPSERT_TAIL}
           RETURNING (xmax = 0) AS inserted`,
          [
            tenantId,
            col('ncUserId'),
            col('loginName'),
            col('email'),
            col('mailbox'),
            col('displayName'),
            inputs.map((u) => u.appPassword.ciphertext),
            inputs.map((u) => u.appPassword.keyId),
          ],
        );
        const created = rows.filter((r) => r.inserted === true).length;
        return { created, updated: rows.length - created };
      },

      async get(tenantId, ncUserId) {
        const rows = await db.query<UserRow>(
          `SELECT ${USER_COLUMNS} FROM users WHERE tenant_id = $1::uuid AND nc_user_id = $2`,
          [tenantId, ncUserId],
        );
        return rows[0] ? userFromRow(rows[0]) : null;
      },

      async list(tenantId, { state, cursor, limit }) {
        const after = cursor === undefined ? null : decodeCursor(cursor);
        const rows = await db.query<UserRow>(
          `SELECT ${USER_COLUMNS} FROM users
           WHERE tenant_id = $1::uuid
             AND ($2::user_state IS NULL OR state = $2::user_state)
             AND ($3::text IS NULL OR nc_user_id COLLATE "C" > $3::text COLLATE "C")
           ORDER BY nc_user_id COLLATE "C"
           LIMIT $4`,
          [tenantId, state ?? null, after, limit + 1],
        );
        const page = rows.slice(0, limit).map(userFromRow);
        const last = page[page.length - 1];
        return { items: page, nextCursor: rows.length > limit && last ? encodeCursor(last.ncUserId) : null };
      },

      async delete(tenantId, ncUserId) {
        // Collection pairs, item links, sync runs, conflicts and quarantined deletions cascade with the row.
        const rows = await db.query(`DELETE FROM users WHERE tenant_id = $1::uuid AND nc_user_id = $2 RETURNING id`, [
          tenantId,
          ncUserId,
        ]);
        return rows.length > 0;
      },
    },

    secrets: {
      async listStale(currentKeyId, limit) {
        const out: StoredSecret[] = [];
        const users = await db.query<{ id: string; tenant_id: string; nc_user_id: string; c: string; k: string }>(
          `SELECT id, tenant_id, nc_user_id, app_password_ciphertext AS c, app_password_key_id AS k
           FROM users WHERE app_password_key_id <> $1 ORDER BY id LIMIT $2`,
          [currentKeyId, limit],
        );
        for (const u of users) {
          out.push({
            ref: `user:${u.id}`,
            context: `user:${u.tenant_id}:${u.nc_user_id}:appPassword`,
            sealed: { ciphertext: u.c, keyId: u.k },
          });
        }
        for (const field of ['secret', 'certificate'] as const) {
          if (out.length >= limit) break;
          const rows = await db.query<{ id: string; tenant_id: string; c: string; k: string }>(
            `SELECT id, tenant_id, ${field}_ciphertext AS c, ${field}_key_id AS k FROM exchange_connections
             WHERE ${field}_key_id IS NOT NULL AND ${field}_key_id <> $1 ORDER BY id LIMIT $2`,
            [currentKeyId, limit - out.length],
          );
          for (const r of rows) {
            out.push({
              ref: `${field}:${r.id}`,
              context: `exchange:${r.tenant_id}:${field}`,
              sealed: { ciphertext: r.c, keyId: r.k },
            });
          }
        }
        return out;
      },

      async replace(ref, previous, next) {
        const [kind, id] = ref.split(':') as [string, string];
        const target =
          kind === 'user'
            ? { table: 'users', c: 'app_password_ciphertext', k: 'app_password_key_id' }
            : kind === 'secret' || kind === 'certificate'
              ? { table: 'exchange_connections', c: `${kind}_ciphertext`, k: `${kind}_key_id` }
              : undefined;
        if (!target) throw new Error(`unknown secret reference ${ref}`);
        const rows = await db.query(
          `UPDATE ${target.table} SET ${target.c} = $1, ${target.k} = $2
           WHERE id = $3::uuid AND ${target.c} = $4 RETURNING id`,
          [next.ciphertext, next.keyId, id, previous.ciphertext],
        );
        return rows.length > 0;
      },
    },
  };
}

function connectionView(c: {
  tenantId: string;
  kind: 'ews' | 'graph';
  endpoint: string | null;
  authKind: ExchangeConnectionRecord['authKind'];
  username: string | null;
  entraTenantId: string | null;
  clientId: string | null;
  secretCiphertext: string | null;
  secretKeyId: string | null;
  certificateCiphertext: string | null;
  certificateKeyId: string | null;
  createdAt: Date;
  updatedAt: Date;
}): ExchangeConnectionRecord {
  return {
    tenantId: c.tenantId,
    kind: c.kind,
    endpoint: c.endpoint,
    authKind: c.authKind,
    username: c.username,
    entraTenantId: c.entraTenantId,
    clientId: c.clientId,
    secret:
      c.secretCiphertext !== null && c.secretKeyId !== null
        ? { ciphertext: c.secretCiphertext, keyId: c.secretKeyId }
        : null,
    certificate:
      c.certificateCiphertext !== null && c.certificateKeyId !== null
        ? { ciphertext: c.certificateCiphertext, keyId: c.certificateKeyId }
        : null,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}
