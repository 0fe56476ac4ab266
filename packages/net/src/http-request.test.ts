import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpTimeoutError, httpRequest } from './http-request';

let server: http.Server;
let base: string;
const seen: { headers: http.IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      switch (req.url) {
        case '/created':
          res.writeHead(201, [
            ['ETag', '"v1"'],
            ['DAV', '1'],
            ['dav', 'calendar-access'],
            ['Connection', 'close'],
          ]);
          res.end('stored');
          return;
        case '/stall':
          return; // never answers
        case '/half':
          res.writeHead(200, { 'Content-Length': '100' });
          res.write('only part');
          return; // headers and part of the body, then nothing
        default:
          res.writeHead(200);
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

describe('httpRequest', () => {
  it('sends method, headers and body, and answers status, headers by any-case name (repeats joined) and the body', async () => {
    const answer = await httpRequest(new URL(`${base}/created`), {
      method: 'put',
      headers: { 'Content-Type': 'text/calendar; charset=utf-8', 'If-None-Match': '*' },
      body: 'SUMMARY:Grüße',
    });
    expect(answer.status).toBe(201);
    expect(answer.header('etag')).toBe('"v1"');
    expect(answer.header('ETag')).toBe('"v1"');
    expect(answer.header('Dav')).toBe('1, calendar-access');
    expect(answer.header('location')).toBeNull();
    expect(answer.body.toString()).toBe('stored');
    const request = seen.at(-1)!;
    expect(request.body).toBe('SUMMARY:Grüße');
    expect(request.headers['content-length']).toBe(String(Buffer.byteLength('SUMMARY:Grüße')));
    expect(request.headers['if-none-match']).toBe('*');
    expect(request.headers.accept).toBe('*/*');
    expect(request.headers['accept-encoding']).toBeUndefined();
  });

  it('fails with HttpTimeoutError when no answer, or only part of one, arrives in time', async () => {
    await expect(httpRequest(new URL(`${base}/stall`), { timeoutMs: 50 })).rejects.toBeInstanceOf(HttpTimeoutError);
    await expect(httpRequest(new URL(`${base}/half`), { timeoutMs: 100 })).rejects.toBeInstanceOf(HttpTimeoutError);
  });

  it('rejects with the signal’s reason when it aborts before the request or while waiting', async () => {
    const gone = AbortSignal.abort(new Error('gone already'));
    await expect(httpRequest(new URL(`${base}/`), { signal: gone })).rejects.toThrow('gone already');
    const controller = new AbortController();
    const pending = httpRequest(new URL(`${base}/stall`), { signal: controller.signal, timeoutMs: 10_000 });
    setTimeout(() => controller.abort(new Error('run cancelled')), 20);
    await expect(pending).rejects.toThrow('run cancelled');
  });

  it('rejects a refused connection', async () => {
    await expect(httpRequest(new URL('http://127.0.0.1:1/'))).rejects.toThrow();
  });
});
