import { type TSchema, Type } from 'typebox';

export const ErrorBody = Type.Object(
  {
    code: Type.String({ description: 'Stable error code from the catalogue (see the API description).' }),
    message: Type.String({ description: 'What went wrong and what to do about it.' }),
  },
  { additionalProperties: false, $id: undefined },
);

/** Error responses every authenticated route can give, so the OpenAPI document lists them. */
export function errorResponses(...extra: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const status of [400, 401, 403, 429, ...extra]) {
    out[status] = { ...ErrorBody, description: 'Error `{ code, message }`' } as TSchema;
  }
  return out;
}

export const TenantIdParam = Type.String({ format: 'uuid', description: 'Tenant id (UUID).' });

/**
 * Tenant-scoped route modules are registered twice: under /v1 (the tenant is the key's own) and under
 * /v1/tenants/{tenantId} (the admin key, or the tenant's own key). `explicit` tells the module which.
 */
export interface TenantScopeOptions {
  explicit: boolean;
}

export function scopeParams<P extends Record<string, TSchema>>(explicit: boolean, params: P) {
  return Type.Object(explicit ? { tenantId: TenantIdParam, ...params } : params, { additionalProperties: false });
}

/** Distinct operation ids for the two registrations of a tenant-scoped route. */
export function opId(explicit: boolean, name: string): string {
  return explicit ? `${name}ForTenant` : name;
}

export const NoContent = { type: 'null', description: 'Done; no content.' } as unknown as TSchema;
