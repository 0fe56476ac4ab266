import { DatabaseError } from './errors';
import type { ExchangeConnection as ExchangeConnectionRow } from './generated/client';
import type { Database } from './open-database';
import { isForeignKeyViolation } from './prisma-errors';
import { isUuid } from './tenants';
import type { ExchangeAuthKind, ExchangeConnection, ExchangeConnectionSecrets, ExchangeKind, Sealed } from './types';

export interface ExchangeConnectionInput {
  kind: ExchangeKind;
  endpoint?: string | null;
  authKind: ExchangeAuthKind;
  username?: string | null;
  entraTenantId?: string | null;
  clientId?: string | null;
  /** Entra authority root; null/undefined means the global cloud. */
  authority?: string | null;
  /** Sealed password or client secret: a value replaces, null clears, undefined keeps what is stored. */
  secret?: Sealed | null;
  /** Sealed PEM certificate + private key, with the same replace / clear / keep rule. */
  certificate?: Sealed | null;
}

export interface ExchangeConnectionRepository {
  /** The tenant's connection without secrets, or null. */
  get(tenantId: string): Promise<ExchangeConnection | null>;
  /** The sealed secrets, for the sync workers that must decrypt them. Null if there is no connection. */
  getSecrets(tenantId: string): Promise<ExchangeConnectionSecrets | null>;
  /** Creates or replaces the tenant's connection. Throws DatabaseError('not_found') for an unknown tenant. */
  upsert(tenantId: string, input: ExchangeConnectionInput): Promise<ExchangeConnection>;
  delete(tenantId: string): Promise<boolean>;
  /** The tenant a connection belongs to (the vault context of its secrets), or null for an unknown id. */
  tenantOf(connectionId: string): Promise<string | null>;
}

function sealed(ciphertext: string | null, keyId: string | null): Sealed | null {
  return ciphertext !== null && keyId !== null ? { ciphertext, keyId } : null;
}

function toConnection(row: ExchangeConnectionRow): ExchangeConnection {
  return {
    id: row.id,
    tenantId: row.tenantId,
    kind: row.kind,
    endpoint: row.endpoint,
    authKind: row.authKind,
    username: row.username,
    entraTenantId: row.entraTenantId,
    clientId: row.clientId,
    authority: row.authority,
    hasSecret: row.secretCiphertext !== null,
    hasCertificate: row.certificateCiphertext !== null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function secretColumns(value: Sealed | null | undefined, ciphertext: string, keyId: string) {
  if (value === undefined) return {};
  return { [ciphertext]: value?.ciphertext ?? null, [keyId]: value?.keyId ?? null };
}

export function createExchangeConnectionRepository(db: Database): ExchangeConnectionRepository {
  const { prisma } = db;
  return {
    async get(tenantId) {
      if (!isUuid(tenantId)) return null;
      const row = await prisma.exchangeConnection.findUnique({ where: { tenantId } });
      return row ? toConnection(row) : null;
    },

    async getSecrets(tenantId) {
      if (!isUuid(tenantId)) return null;
      const row = await prisma.exchangeConnection.findUnique({ where: { tenantId } });
      if (!row) return null;
      return {
        secret: sealed(row.secretCiphertext, row.secretKeyId),
        certificate: sealed(row.certificateCiphertext, row.certificateKeyId),
      };
    },

    async upsert(tenantId, input) {
      if (!isUuid(tenantId)) throw new DatabaseError('not_found', `Tenant ${tenantId} does not exist.`);
      const fields = {
        kind: input.kind,
        endpoint: input.endpoint ?? null,
        authKind: input.authKind,
        username: input.username ?? null,
        entraTenantId: input.entraTenantId ?? null,
        clientId: input.clientId ?? null,
        authority: input.authority ?? null,
        ...secretColumns(input.secret, 'secretCiphertext', 'secretKeyId'),
        ...secretColumns(input.certificate, 'certificateCiphertext', 'certificateKeyId'),
      };
      try {
        const row = await prisma.exchangeConnection.upsert({
          where: { tenantId },
          create: { tenantId, ...fields },
          update: fields,
        });
        return toConnection(row);
      } catch (error) {
        if (isForeignKeyViolation(error)) {
          throw new DatabaseError('not_found', `Tenant ${tenantId} does not exist.`, { cause: error });
        }
        throw error;
      }
    },

    async delete(tenantId) {
      if (!isUuid(tenantId)) return false;
      const { count } = await prisma.exchangeConnection.deleteMany({ where: { tenantId } });
      return count > 0;
    },

    async tenantOf(connectionId) {
      if (!isUuid(connectionId)) return null;
      const row = await prisma.exchangeConnection.findUnique({
        where: { id: connectionId },
        select: { tenantId: true },
      });
      return row?.tenantId ?? null;
    },
  };
}
