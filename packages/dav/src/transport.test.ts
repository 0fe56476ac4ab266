import { AuthError, RetryableError } from '@exsync/core';
import { describe, expect, it } from 'vitest';
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
