/**
 * At most `limit` requests in flight per Nextcloud host, across every store and user of the process: a run writes
 * several items at once, and many users' runs share one Nextcloud, whose PHP workers are the scarce resource.
 * A request waits for a slot in arrival order. The limit is the first one a host is opened with (one setting per
 * process); `releaseAll` exists for tests.
 */
export class HostSlots {
  readonly #hosts = new Map<string, { limit: number; busy: number; waiting: (() => void)[] }>();

  /** Waits for a slot on `host`; the returned function gives it back (call it exactly once). */
  async acquire(host: string, limit: number): Promise<() => void> {
    let h = this.#hosts.get(host);
    if (!h) {
      h = { limit: Math.max(1, Math.floor(limit)), busy: 0, waiting: [] };
      this.#hosts.set(host, h);
    }
    const slot = h;
    if (slot.busy >= slot.limit) await new Promise<void>((resolve) => slot.waiting.push(resolve));
    else slot.busy += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = slot.waiting.shift();
      // The slot passes straight to the next waiter (busy unchanged), so a newcomer cannot jump the queue.
      if (next) next();
      else slot.busy -= 1;
    };
  }

  /** Requests in flight on `host` now. */
  inFlight(host: string): number {
    return this.#hosts.get(host)?.busy ?? 0;
  }
}

/** The process-wide slots every DavTransport uses unless given its own. */
export const sharedHostSlots = new HostSlots();
