import { describe, expect, it } from 'vitest';
import { type FailureVerdict, pace, type RetryPolicy, retryDelay } from './pacer';

class Failure extends Error {
  constructor(readonly verdict: FailureVerdict) {
    super('failed');
  }
}
const classify = (e: unknown): FailureVerdict =>
  e instanceof Failure ? e.verdict : { retryable: false, mayHaveApplied: false };
const lost: FailureVerdict = { retryable: true, mayHaveApplied: true };
const throttled: FailureVerdict = { retryable: true, mayHaveApplied: false, retryAfterMs: 2000 };
const policy: RetryPolicy = { retries: 2, maxWaitMs: 10_000, baseWaitMs: 100 };

function script<T>(answers: (T | FailureVerdict)[]) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    send: async (): Promise<T> => {
      const a = answers[calls++];
      if (a && typeof a === 'object' && 'retryable' in a) throw new Failure(a);
      return a as T;
    },
  };
}

describe('retryDelay', () => {
  it('takes the peer’s Retry-After, refuses one over the cap, and backs off exponentially without one', () => {
    expect(retryDelay(policy, 0, 2000)).toBe(2000);
    expect(retryDelay(policy, 0, 20_000)).toBeUndefined();
    expect([0, 1].map((a) => retryDelay(policy, a, undefined))).toEqual([100, 200]);
    expect(retryDelay({ ...policy, retries: 10 }, 9, undefined)).toBe(10_000);
    expect(retryDelay(policy, 2, undefined)).toBeUndefined();
  });
});

describe('pace', () => {
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
  };

  it('resends a replay-safe request after a lost reply, waiting the back-off', async () => {
    waits.length = 0;
    const s = script<string>([lost, 'ok']);
    expect(await pace({ send: s.send, classify, replaySafe: true }, { policy, sleep })).toBe('ok');
    expect(s.calls).toBe(2);
    expect(waits).toEqual([100]);
  });

  it('never resends a create without an idempotency key whose reply was lost: it looks the item up instead', async () => {
    const s = script<string>([lost, 'second create']);
    let lookups = 0;
    const result = await pace(
      {
        send: s.send,
        classify,
        replaySafe: false,
        recover: async () => {
          lookups++;
          return 'found by marker';
        },
      },
      { policy, sleep },
    );
    expect(result).toBe('found by marker');
    expect(s.calls).toBe(1);
    expect(lookups).toBe(1);
  });

  it('tries the create again when the look-up shows the first try was not applied', async () => {
    const s = script<string>([lost, 'created']);
    const result = await pace(
      { send: s.send, classify, replaySafe: false, recover: async () => undefined },
      { policy, sleep },
    );
    expect(result).toBe('created');
    expect(s.calls).toBe(2);
  });

  it('hands the failure back when an unsafe request may have been applied and cannot be looked up', async () => {
    const s = script<string>([lost, 'duplicate']);
    await expect(pace({ send: s.send, classify, replaySafe: false }, { policy, sleep })).rejects.toBeInstanceOf(
      Failure,
    );
    expect(s.calls).toBe(1);
  });

  it('resends even an unsafe request the server said it did not apply (throttled), after its Retry-After', async () => {
    waits.length = 0;
    const s = script<string>([throttled, 'ok']);
    expect(await pace({ send: s.send, classify, replaySafe: false }, { policy, sleep })).toBe('ok');
    expect(waits).toEqual([2000]);
  });

  it('gives up after the policy’s retries, and at once on what is not retryable', async () => {
    const s = script<string>([lost, lost, lost, 'never']);
    await expect(pace({ send: s.send, classify, replaySafe: true }, { policy, sleep })).rejects.toBeInstanceOf(Failure);
    expect(s.calls).toBe(3);
    const t = script<string>([{ retryable: false, mayHaveApplied: false }, 'never']);
    await expect(pace({ send: t.send, classify, replaySafe: true }, { policy, sleep })).rejects.toBeInstanceOf(Failure);
    expect(t.calls).toBe(1);
  });
});
