import { defaultPolicy, MemoryPairLock, MemoryStatusStore, syncPair } from '@exsync/core';
import { MemoryStore, sampleEvent } from '@exsync/core/testing';
import type { Figure } from './run';

const WINDOW = { start: '2026-01-01T00:00:00Z', end: '2027-01-01T00:00:00Z' };

/** First run and incremental runs of one pair between two in-memory stores: the engine's own cost, no network. */
export async function engineBenchmarks(): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const size of [1_000, 5_000]) {
    const a = new MemoryStore({ pageSize: 500 });
    const b = new MemoryStore({ pageSize: 500 });
    for (let i = 0; i < size; i++) {
      const day = String(1 + (i % 28)).padStart(2, '0');
      a.put(sampleEvent(`uid-${i}`, `2026-06-${day}T09:00:00Z`));
    }
    const deps = { a, b, status: new MemoryStatusStore(), lock: new MemoryPairLock() };
    const options = { pair: `bench-${size}`, policy: defaultPolicy('a'), window: WINDOW };

    figures.push(await timed(`engine first run (${size} items)`, size, () => syncPair(deps, options)));
    figures.push(await timed(`engine idle incremental run (${size} items)`, size, () => syncPair(deps, options)));

    const changed = Math.max(1, Math.floor(size / 100));
    for (const entry of a.entries().slice(0, changed)) {
      a.put({ ...entry.item, ...{ summary: `changed ${entry.href}` } } as typeof entry.item, { href: entry.href });
    }
    figures.push(
      await timed(`engine incremental run, 1 % changed (${size} items)`, changed, () => syncPair(deps, options)),
    );
  }
  return figures;
}

async function timed(name: string, items: number, run: () => Promise<{ outcome: string }>): Promise<Figure> {
  const started = performance.now();
  const report = await run();
  const ms = performance.now() - started;
  if (report.outcome !== 'success') throw new Error(`${name}: run ended ${report.outcome}`);
  return { name, items, ms };
}
