import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DatabaseError } from './errors';
import type { ApiKey as ApiKeyRow } from './generated/client';
import type { Database } from './open-database';
import { isForeignKeyViolation } from './prisma-errors';
import { isUuid } from './tenants';
import type { ApiKey } from './types';

/**
 * Keys look like `exs_<prefix>_<secret>`: the 12 hex-digit prefix is public (stored, shown, used for lookup),
 * the 43-character secret carries 256 random bits. Only the SHA-256 of the whole key is stored.
 */
const keyPattern = /^exs_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export type NewApiKey = { role: 'admin'; label?: string } | { role: 'tenant'; tenantId: string; label?: string };

export interface CreatedApiKey {
  key: ApiKey;
  /** The full key. Returned once, never stored: show it to the operator and forget it. */
  plaintext: string;
}

export interface ApiKeyRepository {
  /** Throws DatabaseError('not_found') when a tenant key names an unknown tenant. */
  create(input: NewApiKey): Promise<CreatedApiKey>;
  /** The active key matching `plaintext`, or null (unknown, malformed or revoked). Records its last use. */
  verify(plaintext: string): Promise<ApiKey | null>;
  /** Keys of one tenant, or the admin keys when tenantId is null. Revoked keys included. */
  list(filter: { tenantId: string } | { role: 'admin' }): Promise<ApiKey[]>;
  /** Whether any admin key that is not revoked exists (so the first start knows to mint one). */
  hasActiveAdminKey(): Promise<boolean>;
  /** Marks the key revoked; false if unknown. */
  revoke(id: string): Promise<boolean>;
}

export function hashApiKey(plaintext: string): string {
  return createHash('sha256').update(plaintext, 'utf8').digest('hex');
}

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    role: row.role,
    tenantId: row.tenantId,
    prefix: row.prefix,
    label: row.label,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}

// Writing last_used_at on every request would turn each authenticated read into a write.
const LAST_USED_RESOLUTION_MS = 60_000;
const dummyHash = Buffer.alloc(32);

export function createApiKeyRepository(db: Database): ApiKeyRepository {
  const { prisma } = db;
  return {
    async create(input) {
      if (input.role === 'tenant' && !isUuid(input.tenantId)) {
        throw new DatabaseError('not_found', `Tenant ${input.tenantId} does not exist.`);
      }
      const prefix = randomBytes(6).toString('hex');
      const plaintext = `exs_${prefix}_${randomBytes(32).toString('base64url')}`;
      try {
        const row = await prisma.apiKey.create({
          data: {
            role: input.role,
            tenantId: input.role === 'tenant' ? input.tenantId : null,
            prefix,
            hash: hashApiKey(plaintext),
            label: input.label ?? null,
          },
        });
        return { key: toApiKey(row), plaintext };
      } catch (error) {
        if (isForeignKeyViolation(error) && input.role === 'tenant') {
          throw new DatabaseError('not_found', `Tenant ${input.tenantId} does not exist.`, { cause: error });
        }
        throw error;
      }
    },

    async verify(plaintext) {
      const match = keyPattern.exec(plaintext);
      const presented = Buffer.from(hashApiKey(plaintext), 'hex');
      const row = match ? await prisma.apiKey.findUnique({ where: { prefix: match[1]! } }) : null;
      // Compare even when nothing was found, so timing does not tell a valid prefix from an invalid one.
      const stored = row ? Buffer.from(row.hash, 'hex') : dummyHash;
      const equal = stored.length === presented.length && timingSafeEqual(stored, presented);
      if (!row || !equal || row.revokedAt !== null) return null;
      const now = new Date();
      if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
        await prisma.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: now } });
        row.lastUsedAt = now;
      }
      return toApiKey(row);
    },

    async list(filter) {
      if ('tenantId' in filter && !isUuid(filter.tenantId)) return [];
      const where = 'tenantId' in filter ? { tenantId: filter.tenantId } : { role: 'admin' as const };
      return (await prisma.apiKey.findMany({ where, orderBy: { createdAt: 'asc' } })).map(toApiKey);
    },

    async hasActiveAdminKey() {
      return (await prisma.apiKey.count({ where: { role: 'admin', revokedAt: null } })) > 0;
    },

    async revoke(id) {
      if (!isUuid(id)) return false;
      const { count } = await prisma.apiKey.updateMany({
        where: { id, revokedAt: null },
        data: { revokedAt: new Date() },
      });
      return count > 0 || (await prisma.apiKey.count({ where: { id } })) > 0;
    },
  };
}
