import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthError, RetryableError } from '@exsync/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthCircuit } from './auth-circuit';
import { DavTransport } from './transport';

function fakeFetch(responses: Response[], seen: Request[] = []): typeof fetch {
  return async (input, init) => {
    seen.push(new Request(input, init));
    const next = responses.shift();
    if (!next) throw new Error('no more responses');
    return next;
  };
}

describe('DavTransport', () => {
  it('sends Basic auth and refuses to send credentials to another origin', async () => {
    const seen: Request[] = [];
    const t = new DavTransport({
      credentials: { username: 'u', password: 'p' },
      origin: 'https://cloud.example.org',
      circuit: new AuthCircuit(),
      fetch: fakeFetch([new Response('ok')], seen),
    });
    await t.fetch('https://cloud.example.org/remote.php/dav/');
    expect(seen[0]?.headers.get('authorization')).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    await expect(t.fetch('https://evil.example.net/')).rejects.toBeInstanceOf(AuthError);
    expect(seen).toHaveLength(1);
  });

  it('maps 503 with an HTTP-date Retry-After to a retryable error with that delay', async () => {
    const at = new Date(Date.now() + 60_000).toUTCString();
    const t = new DavTransport({
      circuit: new AuthCircuit(),
      fetch: fakeFetch([new Response('', { status: 503, headers: { 'Retry-After': at } })]),
    });
    const error = await t.fetch('https://cloud.example.org/').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).retryAfterMs).toBeGreaterThan(50_000);
  });

  it('maps network failures to retryable errors', async () => {
    const t = new DavTransport({
      circuit: new AuthCircuit(),
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    await expect(t.fetch('https://cloud.example.org/')).rejects.toBeInstanceOf(RetryableError);
  });

  it('opens the circuit for one credential only', async () => {
    const circuit = new AuthCircuit();
    const alice = new DavTransport({
      credentials: { username: 'alice', password: 'p' },
      circuit,
      fetch: fakeFetch([new Response('', { status: 401 })]),
    });
    await expect(alice.fetch('https://cloud.example.org/')).rejects.toBeInstanceOf(AuthError);
    expect(alice.authFailed).toBe(true);
    const bob = new DavTransport({
      credentials: { username: 'bob', password: 'p' },
      circuit,
      fetch: fakeFetch([new Response('ok')]),
    });
    await expect(bob.fetch('https://cloud.example.org/')).resolves.toBeInstanceOf(Response);
  });
});

describe('DavTransport.request (the store’s own requests, over node:http)', () => {
  let server: http.Server;
  let base: string;
  const hits: Record<string, number> = {};

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        hits[req.url!] = (hits[req.url!] ?? 0) + 1;
        switch (req.url) {
          case '/bom.ics':
            res.writeHead(200, { ETag: '"e1"' });
            res.end(
              Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('BEGIN:VCALENDAR\r\nSUMMARY:Grüße\r\n')]),
            );
            return;
          case '/busy':
            res.writeHead(503, { 'Retry-After': '2' });
            res.end('later');
            return;
          case '/denied':
            res.writeHead(401);
            res.end();
            return;
          case '/stall':
            return; // never answers
          default:
            res.writeHead(201, { ETag: '"e2"', Connection: 'close' });
            res.end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const noRetry = { retries: 0, maxWaitMs: 0, baseWaitMs: 0 };

  it('answers status, headers and the body decoded as Response.text() would (UTF-8, BOM dropped)', async () => {
    const t = new DavTransport({ circuit: new AuthCircuit() });
    const reply = await t.request(new URL(`${base}/bom.ics`), { method: 'GET' });
    expect(reply).toMatchObject({ status: 200, ok: true, text: 'BEGIN:VCALENDAR\r\nSUMMARY:Grüße\r\n' });
    expect(reply.header('ETag')).toBe('"e1"');
    const created = await t.request(new URL(`${base}/new.ics`), { method: 'PUT', body: 'x', headers: {} });
    expect(created).toMatchObject({ status: 201, ok: true, text: '' });
  });

  it('fails as retryable "timed out" when no answer arrives within timeoutMs', async () => {
    const t = new DavTransport({ circuit: new AuthCircuit(), timeoutMs: 60, retry: noRetry });
    const error = await t.request(new URL(`${base}/stall`), { method: 'GET' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toContain('timed out after 60 ms');
  });

  it('maps 503 with Retry-After to a retryable error with that delay, and 401 to AuthError opening the circuit', async () => {
    const t = new DavTransport({
      credentials: { username: 'carol', password: 'p' },
      circuit: new AuthCircuit(),
      retry: noRetry,
    });
    const busy = await t.request(new URL(`${base}/busy`), { method: 'GET' }).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(RetryableError);
    expect((busy as RetryableError).retryAfterMs).toBe(2000);
    await expect(t.request(new URL(`${base}/denied`), { method: 'GET' })).rejects.toBeInstanceOf(AuthError);
    expect(t.authFailed).toBe(true);
    const before = hits['/bom.ics'] ?? 0;
    await expect(t.request(new URL(`${base}/bom.ics`), { method: 'GET' })).rejects.toBeInstanceOf(AuthError);
    expect(hits['/bom.ics'] ?? 0).toBe(before); // nothing sent once refused
  });

  it('refuses to send credentials to another origin', async () => {
    const t = new DavTransport({
      credentials: { username: 'u', password: 'p' },
      origin: base,
      circuit: new AuthCircuit(),
    });
    await expect(t.request(new URL('http://127.0.0.2:1/x'), { method: 'GET' })).rejects.toBeInstanceOf(AuthError);
  });
});
