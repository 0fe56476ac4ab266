import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTenant, startTestApp, type TestApp } from '../../testing/harness';

/** The Exchange connection's Entra authority: stored, shown, and checked like every other field. */
describe('PUT /v1/exchange-connection: authority', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await startTestApp();
    key = (await createTenant(t, 'Authority')).key;
  });
  afterAll(async () => t?.close());

  const graph = {
    kind: 'graph',
    entraTenantId: '11111111-2222-3333-4444-555555555555',
    clientId: 'a0b1c2d3-0000-4000-8000-00000000e5c1',
    authKind: 'client_secret',
    clientSecret: 'secret',
  };
  const put = (payload: object) =>
    t.app.inject({ method: 'PUT', url: '/v1/exchange-connection', headers: bearer(key), payload });

  it('a US Government authority is stored without its trailing slash and shown back', async () => {
    const res = await put({
      ...graph,
      authority: 'https://login.microsoftonline.us/',
      url: 'https://graph.microsoft.us',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      authority: 'https://login.microsoftonline.us',
      url: 'https://graph.microsoft.us',
    });
    const got = await t.app.inject({ method: 'GET', url: '/v1/exchange-connection', headers: bearer(key) });
    expect(got.json().authority).toBe('https://login.microsoftonline.us');
  });

  it('left out, it is null: the global cloud', async () => {
    const res = await put(graph);
    expect(res.json().authority).toBeNull();
  });

  it('a value that is not an http(s) URL is refused, naming the field', async () => {
    const res = await put({ ...graph, authority: 'login.microsoftonline.us' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'EXSYNC_VALIDATION_FAILED' });
    expect(res.json().message).toMatch(/authority/);
  });
});
