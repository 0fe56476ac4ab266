import { describe, expect, it } from 'vitest';
import { HostSlots } from './host-slots';
import { DavTransport } from './transport';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fetch that answers after `ms`, counting requests in flight; `fail` makes it reject instead. */
function slowFetch(ms: number, fail = false) {
  const seen = { inFlight: 0, max: 0 };
  const fetch = (async () => {
    seen.inFlight += 1;
    seen.max = Math.max(seen.max, seen.inFlight);
    await tick(ms);
    seen.inFlight -= 1;
    if (fail) throw new TypeError('fetch failed');
    return new Response(null, { status: 204 });
  }) as typeof globalThis.fetch;
  return { fetch, seen };
}

describe('requests in flight per Nextcloud host (maxPerHost)', () => {
  it('two users on one host share the cap; another host has its own', async () => {
    const slots = new HostSlots();
    const { fetch, seen } = slowFetch(5);
    const other = slowFetch(5);
    const transport = (user: string, f = fetch) =>
      new DavTransport({ credentials: { username: user, password: 'p' }, fetch: f, maxPerHost: 3, hostSlots: slots });
    const alice = transport('alice');
    const bob = transport('bob');
    const carol = transport('carol', other.fetch);
    const put = (t: DavTransport, host: string, i: number) =>
      t.fetch(`https://${host}/dav/${i}.ics`, { method: 'PUT' });
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => put(alice, 'cloud.example', i)),
      ...Array.from({ length: 10 }, (_, i) => put(bob, 'cloud.example', i)),
      ...Array.from({ length: 10 }, (_, i) => put(carol, 'other.example', i)),
    ]);
    expect(seen.max).toBe(3);
    expect(other.seen.max).toBe(3);
    expect(slots.inFlight('cloud.example')).toBe(0);
  });

  it('a request that fails gives its slot back', async () => {
    const slots = new HostSlots();
    const { fetch } = slowFetch(1, true);
    const t = new DavTransport({
      fetch,
      maxPerHost: 1,
      hostSlots: slots,
      retry: { retries: 0, maxWaitMs: 0, baseWaitMs: 0 },
    });
    for (let i = 0; i < 3; i++) await expect(t.fetch('https://cloud.example/x', { method: 'PUT' })).rejects.toThrow();
    expect(slots.inFlight('cloud.example')).toBe(0);
  });
});
