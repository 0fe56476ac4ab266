import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpFetch } from './http-fetch';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const seen: Seen[] = [];
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
      switch (req.url) {
        case '/created':
          res.writeHead(201, { ETag: '"v1"', 'Set-Cookie': ['a=1', 'b=2'], Connection: 'close' });
          res.end('stored');
          return;
        case '/empty':
          res.writeHead(204, { ETag: '"v2"' });
          res.end();
          return;
        case '/moved':
          res.writeHead(301, { Location: '/created' });
          res.end('see elsewhere');
          return;
        case '/stall':
          return; // never answers
        case '/half':
          res.writeHead(200, { 'Content-Length': '100' });
          res.write('only part');
          return; // headers and part of the body, then nothing
        case '/hangup':
          res.writeHead(200, { 'Content-Length': '100' });
          res.write('only part', () => res.destroy());
          return;
        default:
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.end(`echo ${req.method}`);
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

const manual = { redirect: 'manual' } as const;

describe('httpFetch', () => {
  it('sends the method, headers and string body, and answers status, every header and the body', async () => {
    const response = await httpFetch(new URL(`${base}/created`), {
      ...manual,
      method: 'PUT',
      headers: new Headers({ 'Content-Type': 'text/calendar; charset=utf-8', 'If-None-Match': '*' }),
      body: 'BEGIN:VCALENDAR\r\nSUMMARY:Grüße\r\nEND:VCALENDAR\r\n',
    });
    expect(response.status).toBe(201);
    expect(response.ok).toBe(true);
    expect(response.headers.get('etag')).toBe('"v1"');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.text()).toBe('stored');
    const request = seen.at(-1)!;
    expect(request).toMatchObject({ method: 'PUT', url: '/created' });
    expect(request.body).toBe('BEGIN:VCALENDAR\r\nSUMMARY:Grüße\r\nEND:VCALENDAR\r\n');
    expect(request.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(request.headers['if-none-match']).toBe('*');
    expect(request.headers['content-length']).toBe(String(Buffer.byteLength(request.body)));
    expect(request.headers['accept-encoding']).toBeUndefined();
  });

  it('sends a byte body as it is', async () => {
    const response = await httpFetch(`${base}/echo`, { ...manual, method: 'POST', body: new Uint8Array([104, 105]) });
    expect(await response.text()).toBe('echo POST');
    expect(seen.at(-1)!.body).toBe('hi');
  });

  it('answers 204 with a null body', async () => {
    const response = await httpFetch(`${base}/empty`, { ...manual, method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
    expect(response.headers.get('etag')).toBe('"v2"');
  });

  it('returns a redirect as it is under redirect: manual, and leaves following one to the global fetch', async () => {
    const manualResponse = await httpFetch(`${base}/moved`, manual);
    expect(manualResponse.status).toBe(301);
    expect(manualResponse.headers.get('location')).toBe('/created');
    const followed = await httpFetch(`${base}/moved`);
    expect(followed.status).toBe(201);
    expect(await followed.text()).toBe('stored');
  });

  it('rejects with the signal’s reason when it aborts before the answer or in the middle of the body', async () => {
    await expect(httpFetch(`${base}/stall`, { ...manual, signal: AbortSignal.timeout(50) })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    await expect(httpFetch(`${base}/half`, { ...manual, signal: AbortSignal.timeout(100) })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    const aborted = AbortSignal.abort(new Error('gone already'));
    await expect(httpFetch(`${base}/echo`, { ...manual, signal: aborted })).rejects.toThrow('gone already');
  });

  it('rejects a body the peer cut off, and a refused connection', async () => {
    await expect(httpFetch(`${base}/hangup`, manual)).rejects.toThrow();
    await expect(httpFetch('http://127.0.0.1:1/', manual)).rejects.toThrow();
  });
});
