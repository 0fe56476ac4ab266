import createError from '@fastify/error';

/**
 * The one catalogue of errors the API can answer with. Codes are stable: clients (the Nextcloud app) branch on
 * them, so a code is never renamed or reused. README.md lists every code; errors.test.ts keeps the two in step.
 * Messages say what the caller should do next. `%s` is filled from the constructor argument.
 */
export const Errors = {
  UNAUTHENTICATED: createError(
    'EXSYNC_UNAUTHENTICATED',
    'Missing or unknown API key. Send the header "Authorization: Bearer <key>" with a key issued by the operator.',
    401,
  ),
  TOO_MANY_AUTH_FAILURES: createError(
    'EXSYNC_TOO_MANY_AUTH_FAILURES',
    'Too many failed authentication attempts from this address. Wait %s seconds, then retry with a valid API key.',
    429,
  ),
  ADMIN_REQUIRED: createError(
    'EXSYNC_ADMIN_REQUIRED',
    'This route needs the operator (admin) API key; a tenant API key may not use it.',
    403,
  ),
  TENANT_FORBIDDEN: createError(
    'EXSYNC_TENANT_FORBIDDEN',
    'This API key belongs to another tenant. Use the key issued for tenant %s, or the admin key.',
    403,
  ),
  TENANT_REQUIRED: createError(
    'EXSYNC_TENANT_REQUIRED',
    'The admin key has no tenant of its own. Address the tenant explicitly: /v1/tenants/{tenantId}%s',
    400,
  ),
  VALIDATION_FAILED: createError(
    'EXSYNC_VALIDATION_FAILED',
    'The request is invalid: %s. Correct it and retry; /docs describes every field.',
    400,
  ),
  INVALID_JSON: createError(
    'EXSYNC_INVALID_JSON',
    'The request body is not valid JSON. Send a JSON document with "Content-Type: application/json".',
    400,
  ),
  UNSUPPORTED_MEDIA_TYPE: createError(
    'EXSYNC_UNSUPPORTED_MEDIA_TYPE',
    'Unsupported Content-Type %s. Send the body as JSON with "Content-Type: application/json".',
    415,
  ),
  BODY_TOO_LARGE: createError(
    'EXSYNC_BODY_TOO_LARGE',
    'The request body is larger than the %s bytes the service accepts. Split it into smaller requests.',
    413,
  ),
  BAD_REQUEST: createError(
    'EXSYNC_BAD_REQUEST',
    'The request could not be read: %s. Send a well-formed HTTP/1.1 request with a UTF-8, %%-encoded URL.',
    400,
  ),
  URI_TOO_LONG: createError(
    'EXSYNC_URI_TOO_LONG',
    'A path segment is longer than the %s characters any identifier of this API has. Check the URL.',
    414,
  ),
  HEADERS_TOO_LARGE: createError(
    'EXSYNC_HEADERS_TOO_LARGE',
    'The request line and headers are larger than the service accepts (16 KiB). Send shorter headers and URL.',
    431,
  ),
  REQUEST_TIMEOUT: createError(
    'EXSYNC_REQUEST_TIMEOUT',
    'The request did not arrive in time. Send it again in one go.',
    408,
  ),
  BULK_LIMIT_EXCEEDED: createError(
    'EXSYNC_BULK_LIMIT_EXCEEDED',
    'A bulk request may carry at most %s users. Split the list into several requests.',
    400,
  ),
  DUPLICATE_USER_IN_BULK: createError(
    'EXSYNC_DUPLICATE_USER_IN_BULK',
    'The user %s appears more than once in the bulk request. Send each ncUserId once.',
    400,
  ),
  INVALID_CURSOR: createError(
    'EXSYNC_INVALID_CURSOR',
    'The pagination cursor is not one this service issued. Start again without a cursor.',
    400,
  ),
  INVALID_SETTINGS: createError(
    'EXSYNC_INVALID_SETTINGS',
    'The sync settings are inconsistent: %s. Correct them and retry.',
    400,
  ),
  ROUTE_NOT_FOUND: createError(
    'EXSYNC_ROUTE_NOT_FOUND',
    'No route %s. The API is described at /docs and /openapi.json.',
    404,
  ),
  TENANT_NOT_FOUND: createError(
    'EXSYNC_TENANT_NOT_FOUND',
    'No tenant with id %s. List tenants with GET /v1/tenants.',
    404,
  ),
  API_KEY_NOT_FOUND: createError('EXSYNC_API_KEY_NOT_FOUND', 'No API key with id %s for this tenant.', 404),
  USER_NOT_FOUND: createError(
    'EXSYNC_USER_NOT_FOUND',
    'No enrolled user %s in this tenant. Enroll the user with PUT /v1/users/{ncUserId}.',
    404,
  ),
  USER_NOT_SYNCABLE: createError(
    'EXSYNC_USER_NOT_SYNCABLE',
    'User %s is not synced now. Resume a paused user with POST …/resume; a user in auth_required needs a new app password (PUT /v1/users/{ncUserId}).',
    409,
  ),
  CONNECTION_NOT_FOUND: createError(
    'EXSYNC_CONNECTION_NOT_FOUND',
    'This tenant has no Exchange connection yet. Configure one with PUT /v1/exchange-connection.',
    404,
  ),
  NOT_READY: createError(
    'EXSYNC_NOT_READY',
    'The service is not ready: %s. Check the service log; it retries on its own.',
    503,
  ),
  INTERNAL: createError(
    'EXSYNC_INTERNAL',
    'The service failed unexpectedly. The operator finds the details in the log under request id %s.',
    500,
  ),
} as const;

export type ErrorCode = (typeof Errors)[keyof typeof Errors]['prototype']['code'];

/** Every code in the catalogue, for the documentation test and the OpenAPI description. */
export function errorCatalogue(): { code: string; statusCode: number }[] {
  return Object.values(Errors).map((E) => {
    const e = new E('x');
    return { code: e.code, statusCode: e.statusCode ?? 500 };
  });
}
