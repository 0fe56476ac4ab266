import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { RecordingXhr } from './transport';

let server: Server;
let url: string;
const ANSWER = '<answer>plain</answer>';

beforeAll(async () => {
  // Answers gzip to whoever asks for it, as IIS does; resets the connection on /reset.
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/reset') return req.socket.destroy();
      if (String(req.headers['accept-encoding'] ?? '').includes('gzip')) {
        res.writeHead(200, { 'content-encoding': 'gzip', 'retry-after': '7' });
        return res.end(gzipSync(ANSWER));
      }
      res.writeHead(req.url === '/empty-500' ? 500 : 200, { 'retry-after': '7' });
      res.end(req.url === '/empty-500' ? '' : ANSWER);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
afterEach(() => vi.unstubAllEnvs());

/** As the library prepares a request: with its Accept-Encoding. */
const request = (path: string) => ({
  url: `${url}${path}`,
  type: 'POST',
  headers: { 'Content-Type': 'text/xml; charset=utf-8', 'Accept-Encoding': 'gzip,deflate' },
  data: '<soap/>',
});

describe('RecordingXhr.send (our own SOAP requests over node:http)', () => {
  it('asks for no encoding, so the answer is read as sent, and records status and Retry-After', async () => {
    const statuses: (number | undefined)[] = [];
    const xhr = RecordingXhr.create(undefined, (s) => statuses.push(s));
    expect(xhr.direct).toBe(true);
    expect(await xhr.send(request('/'))).toMatchObject({ status: 200, body: ANSWER });
    expect(xhr.facts).toMatchObject({ requests: 1, status: 200, retryAfterMs: 7000 });
    expect(statuses).toEqual([200]);
  });

  it('records a connection that ends without an answer as a network failure, counted once', async () => {
    const statuses: (number | undefined)[] = [];
    const xhr = RecordingXhr.create(undefined, (s) => statuses.push(s));
    await expect(xhr.send(request('/reset'))).rejects.toThrow();
    expect(xhr.facts).toMatchObject({ requests: 1, network: true });
    expect(statuses).toEqual([undefined]);
  });

  it('refuses an empty 5xx as the library path does (the library would hang on it)', async () => {
    const xhr = RecordingXhr.create();
    await expect(xhr.send(request('/empty-500'))).rejects.toThrow(/HTTP 500 with an empty body/);
    expect(xhr.facts).toMatchObject({ status: 500, emptyServerError: true });
  });

  it('stays with @ewsjs/xhr for NTLM and when an HTTP(S) proxy is configured (axios honours it)', async () => {
    expect(RecordingXhr.create({ username: 'u', password: 'p' }).direct).toBe(false);
    vi.stubEnv('HTTPS_PROXY', 'http://proxy.example:3128');
    expect(RecordingXhr.create().direct).toBe(false);
    await expect(RecordingXhr.create().send(request('/'))).rejects.toThrow(/direct/);
  });
});
