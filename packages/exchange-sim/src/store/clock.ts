/**
 * The simulator's virtual clock. It runs with real time (so client timeouts and token lifetimes behave) plus an
 * offset that tests move forward with advance(); frozen mode stops it for fully deterministic tests.
 */
export class VirtualClock {
  private offset = 0;
  private frozenAt: number | undefined;

  /** The virtual time the clock started at (what a never-changed folder reports as its last change). */
  readonly startedAt: number;

  constructor(opts: { start?: number; frozen?: boolean } = {}) {
    if (opts.start !== undefined) this.offset = opts.start - Date.now();
    if (opts.frozen) this.frozenAt = opts.start ?? Date.now();
    this.startedAt = this.now();
  }

  now(): number {
    return this.frozenAt ?? Date.now() + this.offset;
  }

  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advance() takes a non-negative number of ms');
    if (this.frozenAt !== undefined) this.frozenAt += ms;
    else this.offset += ms;
    return this.now();
  }

  set(epochMs: number): number {
    if (this.frozenAt !== undefined) this.frozenAt = epochMs;
    else this.offset = epochMs - Date.now();
    return this.now();
  }
}
