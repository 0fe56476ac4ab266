/**
 * Throttling state shared by the faces: a concurrency meter per (app, mailbox), a rolling request counter, and the
 * back-off each client was told to observe, so the next request can be judged "waited long enough" or not.
 */
import type { RetryWait } from './request-log';

export class Throttle {
  private readonly inFlight = new Map<string, number>();
  private readonly advertised = new Map<string, { at: number; ms: number }>();
  /** Request times per key in time order; those before `head` have left the window (dropped in batches). */
  private readonly windows = new Map<string, { times: number[]; head: number }>();

  /** Take a slot; returns a release function, or undefined when `limit` requests are already running. */
  acquire(key: string, limit: number): (() => void) | undefined {
    const n = this.inFlight.get(key) ?? 0;
    if (n >= limit) return undefined;
    this.inFlight.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(key);
      else this.inFlight.set(key, left);
    };
  }

  running(key: string): number {
    return this.inFlight.get(key) ?? 0;
  }

  /** Count a request in a rolling window; true when the count exceeds `max`. */
  overRate(key: string, max: number, windowMs: number, now = Date.now()): boolean {
    let w = this.windows.get(key);
    if (!w) {
      w = { times: [], head: 0 };
      this.windows.set(key, w);
    }
    // Kept in time order, the times that left the window are a prefix: skipped from the front, instead of the
    // whole window copied on every request (quadratic over a long run of requests).
    const times = w.times;
    while (w.head < times.length && (times[w.head] as number) <= now - windowMs) w.head++;
    if (w.head >= 1024 && w.head * 2 >= times.length) {
      times.splice(0, w.head);
      w.head = 0;
    }
    let at = times.length;
    while (at > w.head && (times[at - 1] as number) > now) at--;
    if (at === times.length) times.push(now);
    else times.splice(at, 0, now);
    return times.length - w.head > max;
  }

  /** Remember that this client was told to wait `ms`. */
  advertise(key: string, ms: number, now = Date.now()): void {
    this.advertised.set(key, { at: now, ms });
  }

  /** Judge the request that follows a throttled answer (once per advertisement). */
  checkWait(key: string, now = Date.now()): RetryWait | undefined {
    const a = this.advertised.get(key);
    if (!a) return undefined;
    this.advertised.delete(key);
    const waitedMs = now - a.at;
    return { advertisedMs: a.ms, waitedMs, honoured: waitedMs >= a.ms };
  }
}
