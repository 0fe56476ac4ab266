import { DatabaseError } from './errors';
import type { Tenant as TenantRow } from './generated/client';
import type { Database } from './open-database';
import { isRecordNotFound } from './prisma-errors';
import type { JsonObject, Tenant } from './types';

export interface NewTenant {
  name: string;
  nextcloudUrl: string;
  settings?: JsonObject;
}

export interface TenantChanges {
  name?: string;
  nextcloudUrl?: string;
}

export interface TenantRepository {
  create(input: NewTenant): Promise<Tenant>;
  get(id: string): Promise<Tenant | null>;
  list(): Promise<Tenant[]>;
  /** Throws DatabaseError('not_found') for an unknown tenant. */
  update(id: string, changes: TenantChanges): Promise<Tenant>;
  /** Throws DatabaseError('not_found') for an unknown tenant. */
  getSettings(id: string): Promise<JsonObject>;
  /** Replaces the whole settings object (the service validates and merges). Throws 'not_found'. */
  setSettings(id: string, settings: JsonObject): Promise<Tenant>;
  /** Removes the tenant with its keys, connection, users and all their sync state. False if unknown. */
  delete(id: string): Promise<boolean>;
}

export function toTenant(row: TenantRow): Tenant {
  return {
    id: row.id,
    name: row.name,
    nextcloudUrl: row.nextcloudUrl,
    settings: (row.settings ?? {}) as JsonObject,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else cannot exist, and Postgres would reject it with a cast error. */
export function isUuid(id: string): boolean {
  return uuidPattern.test(id);
}

function notFound(id: string): DatabaseError {
  return new DatabaseError('not_found', `Tenant ${id} does not exist.`);
}

export function createTenantRepository(db: Database): TenantRepository {
  const { prisma } = db;
  return {
    async create(input) {
      return toTenant(
        await prisma.tenant.create({
          data: { name: input.name, nextcloudUrl: input.nextcloudUrl, settings: input.settings ?? {} },
        }),
      );
    },
    async get(id) {
      if (!isUuid(id)) return null;
      const row = await prisma.tenant.findUnique({ where: { id } });
      return row ? toTenant(row) : null;
    },
    async list() {
      return (await prisma.tenant.findMany({ orderBy: { createdAt: 'asc' } })).map(toTenant);
    },
    async update(id, changes) {
      if (!isUuid(id)) throw notFound(id);
      try {
        return toTenant(await prisma.tenant.update({ where: { id }, data: changes }));
      } catch (error) {
        if (isRecordNotFound(error)) throw notFound(id);
        throw error;
      }
    },
    async getSettings(id) {
      const tenant = await this.get(id);
      if (!tenant) throw notFound(id);
      return tenant.settings;
    },
    async setSettings(id, settings) {
      if (!isUuid(id)) throw notFound(id);
      try {
        return toTenant(await prisma.tenant.update({ where: { id }, data: { settings } }));
      } catch (error) {
        if (isRecordNotFound(error)) throw notFound(id);
        throw error;
      }
    },
    async delete(id) {
      if (!isUuid(id)) return false;
      const { count } = await prisma.tenant.deleteMany({ where: { id } });
      return count > 0;
    },
  };
}
