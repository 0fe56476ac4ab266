/**
 * Throttling state shared by the faces: a concurrency meter per (app, mailbox), a rolling request counter, and the
 * back-off each client was told to observe, so the next request can be judged "waited long enough" or not.
 */
import type { RetryWait } from './request-log';

export class Throttle {
  private readonly inFlight = new Map<string, number>();
  private readonly advertised = new Map<string, { at: number; ms: number }>();
  private readonly windows = new Map<string, number[]>();

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
    const list = (this.windows.get(key) ?? []).filter((t) => t > now - windowMs);
    list.push(now);
    this.windows.set(key, list);
    return list.length > max;
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
