import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTenant, startTestApp, type TestApp } from '../testing/harness';

/**
 * Walks every operation of the generated OpenAPI document, so a route added later is covered without editing
 * this file: each /v1 route must refuse a missing key, a wrong key, and another tenant's key.
 */

interface Operation {
  method: string;
  path: string;
  spec: {
    security?: unknown[];
    summary?: string;
    responses?: Record<string, unknown>;
    requestBody?: { content?: Record<string, { schema?: unknown }> };
  };
}

let t: TestApp;
let a: { id: string; key: string };
let b: { id: string; key: string };
let doc: { paths: Record<string, Record<string, Operation['spec']>>; security?: unknown[] };
let operations: Operation[];
let keyOfA: string;

async function snapshotOfA(): Promise<string> {
  const q = async (sql: string) => JSON.stringify(await t.db.query(sql, [a.id]));
  return [
    await q('SELECT * FROM tenants WHERE id = $1::uuid'),
    await q('SELECT * FROM api_keys WHERE tenant_id = $1::uuid ORDER BY id'),
    await q('SELECT * FROM exchange_connections WHERE tenant_id = $1::uuid'),
    await q('SELECT * FROM users WHERE tenant_id = $1::uuid ORDER BY nc_user_id'),
  ].join('\n');
}

beforeAll(async () => {
  t = await startTestApp();
  a = await createTenant(t, 'Alpha');
  b = await createTenant(t, 'Beta');
  const enroll = await t.app.inject({
    method: 'PUT',
    url: '/v1/users/alice',
    headers: bearer(a.key),
    payload: { loginName: 'alpha-login-7731', appPassword: 'alpha-secret-app-password' },
  });
  expect(enroll.statusCode).toBe(201);
  const conn = await t.app.inject({
    method: 'PUT',
    url: '/v1/exchange-connection',
    headers: bearer(a.key),
    payload: {
      kind: 'ews',
      url: 'https://mail.alpha.example/EWS/Exchange.asmx',
      authKind: 'ntlm',
      username: 'ALPHA\\svc',
      password: 'alpha-ews-password',
    },
  });
  expect(conn.statusCode).toBe(200);
  const keys = await t.app.inject({ method: 'GET', url: `/v1/tenants/${a.id}/api-keys`, headers: bearer(t.adminKey) });
  keyOfA = keys.json().items[0].id;

  doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, spec]) => ({ method: method.toUpperCase(), path, spec })),
  );
});
afterAll(async () => t?.close());

function concrete(path: string): string {
  return path.replace('{tenantId}', a.id).replace('{ncUserId}', 'alice').replace('{keyId}', keyOfA);
}

function hasBody(op: Operation): boolean {
  return op.spec.requestBody !== undefined;
}

/** Documented as open (`security: []`): called by Microsoft Graph, which cannot hold a key; checked below. */
const PUBLIC = ['POST /v1/notifications/graph'];
const isPublic = (op: Operation) => PUBLIC.includes(`${op.method} ${op.path}`);
const v1 = () => operations.filter((op) => op.path.startsWith('/v1') && !isPublic(op));

describe('the OpenAPI document', () => {
  it('describes every /v1 route the app registered (nothing hidden from the walk)', () => {
    const documented = new Set(operations.map((op) => `${op.method} ${op.path}`));
    const registered = t.app.registeredRoutes
      .filter((r) => r.url.startsWith('/v1') && r.method !== 'HEAD')
      .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
    expect(registered.length).toBeGreaterThanOrEqual(20);
    for (const route of registered) expect(documented, route).toContain(route);
  });

  it('documents no /v1 operation as open except the Graph notification route', () => {
    const open = operations.filter(
      (op) => op.path.startsWith('/v1') && Array.isArray(op.spec.security) && op.spec.security.length === 0,
    );
    expect(open.map((op) => `${op.method} ${op.path}`)).toEqual(PUBLIC);
    expect(operations.filter(isPublic)).toHaveLength(PUBLIC.length);
  });

  it('requires the bearer scheme on every /v1 operation and documents 401', () => {
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    for (const op of v1()) {
      expect(op.spec.security, `${op.method} ${op.path}`).toBeUndefined();
      expect(op.spec.summary, `${op.method} ${op.path}`).toBeTruthy();
      expect(Object.keys(op.spec.responses ?? {}), `${op.method} ${op.path}`).toContain('401');
    }
  });

  it('closes every request body object to unknown fields', () => {
    const open: string[] = [];
    const visit = (schema: unknown, where: string) => {
      if (typeof schema !== 'object' || schema === null) return;
      const s = schema as Record<string, unknown>;
      if (s.type === 'object' && s.additionalProperties !== false) open.push(where);
      for (const [k, v] of Object.entries(s)) {
        if (k === 'properties' && typeof v === 'object' && v) {
          for (const [p, sub] of Object.entries(v)) visit(sub, `${where}.${p}`);
        } else if (typeof v === 'object') visit(v, `${where}/${k}`);
      }
    };
    for (const op of v1()) {
      for (const media of Object.values(op.spec.requestBody?.content ?? {}))
        visit(media.schema, `${op.method} ${op.path}`);
    }
    expect(open).toEqual([]);
  });
});

describe('every /v1 route', () => {
  it('answers 401 EXSYNC_UNAUTHENTICATED without a key', async () => {
    for (const op of v1()) {
      const res = await t.app.inject({
        method: op.method as 'GET',
        url: concrete(op.path),
        ...(hasBody(op) ? { payload: {} } : {}),
      });
      expect(res.statusCode, `${op.method} ${op.path}`).toBe(401);
      expect(res.json().code).toBe('EXSYNC_UNAUTHENTICATED');
    }
  });

  it('answers 401 with a wrong key (well-formed, malformed, or not a bearer token)', async () => {
    const wrong = [
      bearer(`exs_${randomBytes(6).toString('hex')}_${randomBytes(32).toString('base64url')}`),
      bearer('nonsense'),
      bearer(`${t.adminKey.slice(0, -4)}AAAA`),
      { authorization: `Basic ${Buffer.from(`admin:${t.adminKey}`).toString('base64')}` },
      bearer(randomBytes(40).toString('base64')),
    ];
    for (const op of v1()) {
      for (const headers of wrong) {
        const res = await t.app.inject({
          method: op.method as 'GET',
          url: concrete(op.path),
          headers,
          ...(hasBody(op) ? { payload: {} } : {}),
        });
        expect(res.statusCode, `${op.method} ${op.path} ${headers.authorization}`).toBe(401);
        expect(res.json().code).toBe('EXSYNC_UNAUTHENTICATED');
      }
    }
  });

  it("refuses another tenant's key: 403 where a tenant is named or the route is admin-only, and never reaches the other tenant's data elsewhere", async () => {
    const before = await snapshotOfA();
    let refused = 0;
    for (const op of v1()) {
      const res = await t.app.inject({
        method: op.method as 'GET',
        url: concrete(op.path),
        headers: bearer(b.key),
        ...(hasBody(op) ? { payload: {} } : {}),
      });
      const where = `${op.method} ${op.path} -> ${res.statusCode} ${res.body}`;
      // A route acts on the key's own tenant exactly when the document also has it under /v1/tenants/{tenantId};
      // every other /v1 route names a tenant or is admin-only, and must refuse Beta's key outright.
      const ownTenantRoute = doc.paths[`/v1/tenants/{tenantId}${op.path.slice('/v1'.length)}`] !== undefined;
      if (!ownTenantRoute) {
        expect(res.statusCode, where).toBe(403);
        expect(['EXSYNC_TENANT_FORBIDDEN', 'EXSYNC_ADMIN_REQUIRED'], where).toContain(res.json().code);
        refused++;
      } else {
        // Routes without a tenant in the path act on the key's own tenant (Beta): they must not show Alpha.
        expect(res.body, where).not.toContain(a.id);
        expect(res.body, where).not.toContain('alpha-login-7731');
        if (op.path.includes('{ncUserId}')) expect(res.statusCode, where).toBeGreaterThanOrEqual(400);
        expect(res.body, where).not.toContain('mail.alpha.example');
      }
    }
    expect(refused).toBeGreaterThanOrEqual(10);
    expect(await snapshotOfA()).toBe(before);
  });

  it("lets a tenant's own key and the admin key reach the tenant's resources under /v1/tenants/{tenantId}", async () => {
    for (const headers of [bearer(a.key), bearer(t.adminKey)]) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/tenants/${a.id}/users/alice`, headers });
      expect(res.statusCode).toBe(200);
    }
  });
});
