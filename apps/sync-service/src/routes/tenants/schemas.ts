import { Type } from 'typebox';

const closed = { additionalProperties: false } as const;

const name = Type.String({ minLength: 1, maxLength: 200, description: 'A name for people, e.g. the organisation.' });
const nextcloudUrl = Type.String({
  format: 'uri',
  pattern: '^https?://',
  maxLength: 2048,
  description: 'Base URL of the Nextcloud instance; the service talks to no other Nextcloud.',
});

export const TenantCreateBody = Type.Object({ name, nextcloudUrl }, closed);
export const TenantPatchBody = Type.Object(
  { name: Type.Optional(name), nextcloudUrl: Type.Optional(nextcloudUrl) },
  { ...closed, minProperties: 1 },
);

export const TenantView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    nextcloudUrl: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  closed,
);

export const TenantList = Type.Object({ items: Type.Array(TenantView) }, closed);

export const ApiKeyCreateBody = Type.Object(
  { label: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Where the key is used.' })) },
  closed,
);

const keyFields = {
  id: Type.String({ format: 'uuid' }),
  prefix: Type.String({ description: 'The public part of the key, to recognise it.' }),
  label: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
};

export const ApiKeyView = Type.Object(
  { ...keyFields, revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]) },
  closed,
);
export const ApiKeyList = Type.Object({ items: Type.Array(ApiKeyView) }, closed);
export const IssuedApiKey = Type.Object(
  {
    ...keyFields,
    key: Type.String({
      description: 'The API key. Shown only in this response: store it now (the service keeps only a hash).',
    }),
  },
  closed,
);
