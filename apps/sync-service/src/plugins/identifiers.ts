import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Path parameters that hold a UUID. Every other parameter (ncUserId) is matched exactly as written. */
export const UUID_PARAMS = ['tenantId', 'keyId'] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * UUIDs are case-insensitive (RFC 9562) and PostgreSQL returns them lower-cased, so an id used as the caller
 * wrote it would disagree with the stored one: in the vault's authenticated context (the secret could never be
 * opened again), or in the "is this your own tenant?" check. Ids are lower-cased before anything else sees them;
 * malformed ones are left for schema validation to refuse.
 */
async function identifiersPlugin(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', async (request) => {
    const params = request.params as Record<string, unknown> | undefined;
    if (!params) return;
    for (const name of UUID_PARAMS) {
      const value = params[name];
      if (typeof value === 'string' && UUID.test(value)) params[name] = value.toLowerCase();
    }
  });
}

export default fp(identifiersPlugin, { name: 'exsync-identifiers' });
