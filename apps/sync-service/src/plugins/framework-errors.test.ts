import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCatalogue } from '../errors';
import { bearer, startTestApp, type TestApp } from '../testing/harness';
import { sendRaw } from '../testing/raw-http';

/** Errors Fastify and Node raise before any route runs still answer `{ code, message }` with a catalogue code. */
let t: TestApp;
let port: number;
const catalogue = new Map(errorCatalogue().map((e) => [e.code, e.statusCode]));

function expectCatalogueShape(status: number, body: string): { code: string; message: string } {
  const parsed = JSON.parse(body) as { code: string; message: string };
  expect(Object.keys(parsed).sort(), body).toEqual(['code', 'message']);
  expect(catalogue.get(parsed.code), `${parsed.code} is in the catalogue with status ${status}`).toBe(status);
  return parsed;
}

beforeAll(async () => {
  t = await startTestApp();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = (t.app.server.address() as { port: number }).port;
});
afterAll(async () => t?.close());

describe('framework errors through inject()', () => {
  it.each([
    ['bad %-encoding in the path', '/v1/users/%E0%A4%A', 400, 'EXSYNC_BAD_REQUEST'],
    ['bad %-encoding in a tenant id', '/v1/tenants/%ZZ/users', 400, 'EXSYNC_BAD_REQUEST'],
    ['an encoded lone surrogate', '/v1/users/%ED%A0%80', 400, 'EXSYNC_BAD_REQUEST'],
    ['a path parameter over 100 characters', `/v1/users/${'a'.repeat(150)}`, 414, 'EXSYNC_URI_TOO_LONG'],
    ['an unknown route', '/v2/nothing', 404, 'EXSYNC_ROUTE_NOT_FOUND'],
  ])('%s', async (_name, url, status, code) => {
    const res = await t.app.inject({ method: 'GET', url, headers: bearer(t.adminKey) });
    expect(res.statusCode).toBe(status);
    expect(expectCatalogueShape(status, res.body).code).toBe(code);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });
});

describe('client errors on a real socket', () => {
  it.each([
    ['a malformed request line', 'G@T / HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'EXSYNC_BAD_REQUEST'],
    ['a header without a colon', 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header y\r\n\r\n', 400, 'EXSYNC_BAD_REQUEST'],
    [
      'a 20 KB header',
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`,
      431,
      'EXSYNC_HEADERS_TOO_LARGE',
    ],
    ['a 70 KB URL', `GET /v1/users/${'a'.repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431, 'EXSYNC_HEADERS_TOO_LARGE'],
    [
      'a broken chunked body',
      'POST /v1/tenants HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nZZ\r\n',
      400,
      'EXSYNC_BAD_REQUEST',
    ],
    [
      'bad %-encoding',
      'GET /v1/users/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      400,
      'EXSYNC_BAD_REQUEST',
    ],
  ])('%s', async (_name, data, status, code) => {
    const answer = await sendRaw(port, data);
    expect(answer.status).toBe(status);
    expect(expectCatalogueShape(status, answer.body).code).toBe(code);
    expect(answer.headers).toMatch(/content-type: application\/json/i);
  });

  it('keeps serving after all of them', async () => {
    const answer = await sendRaw(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(answer.status).toBe(200);
  });
});
