import type { RunProgressView } from '@exsync/db';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import { createProgressReporter } from './progress';

function reporter() {
  let t = 0;
  const written: RunProgressView[] = [];
  const lines: string[] = [];
  const log = createLogger('info', {
    write: (chunk: string) => {
      lines.push(chunk);
      return true;
    },
  } as never);
  const r = createProgressReporter({ record: async (p) => void written.push(p), log, now: () => t });
  return { r, written, lines, advance: (ms: number) => (t += ms) };
}

describe('progress reporter', () => {
  it('writes nothing for a run that ends within a second, however many phases it goes through', async () => {
    const { r, written, advance } = reporter();
    for (const phase of ['listing', 'fetching', 'writing'] as const) {
      advance(300);
      r.onProgress({ phase, side: 'a', done: 0, planned: 0 });
    }
    await r.flush();
    expect(written).toEqual([]);
  });

  it('writes at most once a second while counts move, at once on a new phase and at the end of one', async () => {
    const { r, written, advance } = reporter();
    advance(1000); // after the run's first second
    r.onProgress({ phase: 'writing', done: 0, planned: 1000 });
    for (let i = 1; i <= 1000; i++) {
      await new Promise(setImmediate); // the engine awaits a write between two reports
      advance(10); // 100 items a second: 10 s in all
      r.onProgress({ phase: 'writing', done: i, planned: 1000 });
    }
    await r.flush();
    const dones = written.map((w) => w.done);
    expect(dones[0]).toBe(0);
    expect(dones.at(-1)).toBe(1000);
    // ~ one per second over 10 s (plus the first and the last), never one per item.
    expect(written.length).toBeGreaterThanOrEqual(10);
    expect(written.length).toBeLessThanOrEqual(13);
    expect(dones).toEqual([...dones].sort((a, b) => a - b));
  });

  it('logs a progress line per 500 items or 10 s, and nothing for a short run', async () => {
    const long = reporter();
    for (let i = 0; i <= 1200; i++) {
      long.advance(1);
      long.r.onProgress({ phase: 'fetching', side: 'a', done: i, planned: 1200 });
    }
    expect(long.lines.filter((l) => l.includes('sync progress')).map((l) => JSON.parse(l).done)).toEqual([500, 1000]);

    const slow = reporter();
    slow.r.onProgress({ phase: 'listing', side: 'b', done: 1, planned: null });
    slow.advance(10_500);
    slow.r.onProgress({ phase: 'listing', side: 'b', done: 2, planned: null });
    expect(slow.lines.filter((l) => l.includes('sync progress'))).toHaveLength(1);

    const short = reporter();
    for (let i = 0; i <= 40; i++) short.r.onProgress({ phase: 'writing', done: i, planned: 40 });
    expect(short.lines.filter((l) => l.includes('sync progress'))).toEqual([]);
  });
});
