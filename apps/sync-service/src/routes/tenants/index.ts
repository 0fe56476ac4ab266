import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { Type } from 'typebox';
import { Errors } from '../../errors';
import type { ApiKey, ServiceStore, Tenant } from '../../store/port';
import { errorResponses, NoContent, TenantIdParam } from '../common';
import {
  ApiKeyCreateBody,
  ApiKeyList,
  type ApiKeyView,
  IssuedApiKey,
  TenantCreateBody,
  TenantList,
  TenantPatchBody,
  TenantView,
} from './schemas';

function view(t: Tenant): Static<typeof TenantView> {
  return {
    id: t.id,
    name: t.name,
    nextcloudUrl: t.nextcloudUrl,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

function keyView(k: ApiKey): Static<typeof ApiKeyView> {
  return {
    id: k.id,
    prefix: k.prefix,
    label: k.label,
    createdAt: k.createdAt.toISOString(),
    revokedAt: k.revokedAt?.toISOString() ?? null,
  };
}

const TenantParams = Type.Object({ tenantId: TenantIdParam }, { additionalProperties: false });

/** Operator routes: tenants and their API keys. Admin key only. */
export const tenantRoutes: FastifyPluginAsyncTypebox<{ store: ServiceStore }> = async (app, { store }) => {
  const admin = { access: 'admin' as const };

  async function mustExist(id: string): Promise<Tenant> {
    const t = await store.tenants.get(id);
    if (!t) throw new Errors.TENANT_NOT_FOUND(id);
    return t;
  }

  app.post(
    '/tenants',
    {
      config: admin,
      schema: {
        tags: ['tenants'],
        operationId: 'createTenant',
        summary: 'Create a tenant (one Nextcloud instance and its Exchange organisation)',
        body: TenantCreateBody,
        response: { 201: TenantView, ...errorResponses(413, 415) },
      },
    },
    async (request, reply) => reply.status(201).send(view(await store.tenants.create(request.body))),
  );

  app.get(
    '/tenants',
    {
      config: admin,
      schema: {
        tags: ['tenants'],
        operationId: 'listTenants',
        summary: 'List tenants',
        response: { 200: TenantList, ...errorResponses() },
      },
    },
    async () => ({ items: (await store.tenants.list()).map(view) }),
  );

  app.get(
    '/tenants/:tenantId',
    {
      config: admin,
      schema: {
        tags: ['tenants'],
        operationId: 'getTenant',
        summary: 'Read a tenant',
        params: TenantParams,
        response: { 200: TenantView, ...errorResponses(404) },
      },
    },
    async (request) => view(await mustExist(request.params.tenantId)),
  );

  app.patch(
    '/tenants/:tenantId',
    {
      config: admin,
      schema: {
        tags: ['tenants'],
        operationId: 'updateTenant',
        summary: "Change a tenant's name or Nextcloud URL",
        params: TenantParams,
        body: TenantPatchBody,
        response: { 200: TenantView, ...errorResponses(404, 413, 415) },
      },
    },
    async (request) => {
      const t = await store.tenants.update(request.params.tenantId, request.body);
      if (!t) throw new Errors.TENANT_NOT_FOUND(request.params.tenantId);
      return view(t);
    },
  );

  app.delete(
    '/tenants/:tenantId',
    {
      config: admin,
      schema: {
        tags: ['tenants'],
        operationId: 'deleteTenant',
        summary: 'Delete a tenant with its keys, connection, users and sync state',
        description: 'Nothing is deleted in Nextcloud or Exchange; the service only forgets the tenant.',
        params: TenantParams,
        response: { 204: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      if (!(await store.tenants.delete(request.params.tenantId))) {
        throw new Errors.TENANT_NOT_FOUND(request.params.tenantId);
      }
      return reply.status(204).send();
    },
  );

  app.post(
    '/tenants/:tenantId/api-keys',
    {
      config: admin,
      schema: {
        tags: ['tenants'],
        operationId: 'issueTenantApiKey',
        summary: 'Issue an API key for the tenant (for its Nextcloud app); the key is shown once',
        params: TenantParams,
        body: ApiKeyCreateBody,
        response: { 201: IssuedApiKey, ...errorResponses(404, 413, 415) },
      },
    },
    async (request, reply) => {
      const tenant = await mustExist(request.params.tenantId);
      const issued = await store.apiKeys.issue({
        role: 'tenant',
        tenantId: tenant.id,
        ...(request.body.label ? { label: request.body.label } : {}),
      });
      const { revokedAt: _revoked, ...shown } = keyView(issued.key);
      return reply.status(201).send({ ...shown, key: issued.plaintext });
    },
  );

  app.get(
    '/tenants/:tenantId/api-keys',
    {
      config: admin,
      schema: {
        tags: ['tenants'],
        operationId: 'listTenantApiKeys',
        summary: "List the tenant's API keys (prefixes only, never the keys)",
        params: TenantParams,
        response: { 200: ApiKeyList, ...errorResponses(404) },
      },
    },
    async (request) => {
      await mustExist(request.params.tenantId);
      return { items: (await store.apiKeys.listForTenant(request.params.tenantId)).map(keyView) };
    },
  );

  app.delete(
    '/tenants/:tenantId/api-keys/:keyId',
    {
      config: admin,
      schema: {
        tags: ['tenants'],
        operationId: 'revokeTenantApiKey',
        summary: 'Revoke one of the tenant’s API keys (it stops working at once)',
        params: Type.Object(
          { tenantId: TenantIdParam, keyId: Type.String({ format: 'uuid' }) },
          { additionalProperties: false },
        ),
        response: { 204: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await mustExist(request.params.tenantId);
      if (!(await store.apiKeys.revoke(request.params.tenantId, request.params.keyId))) {
        throw new Errors.API_KEY_NOT_FOUND(request.params.keyId);
      }
      return reply.status(204).send();
    },
  );
};
