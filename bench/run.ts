/**
 * Benchmarks that print figures (timing goals live here, never in tests). Run: `pnpm bench`.
 * Each benchmark reports wall time and throughput on this machine; compare runs on the same machine only.
 */
import { engineBenchmarks } from './engine.bench';
import { pimBenchmarks } from './pim.bench';
import { pushBenchmarks } from './push.bench';
import { simBenchmarks } from './sim.bench';
import { statusBenchmarks } from './status.bench';

export interface Figure {
  readonly name: string;
  readonly items: number;
  readonly ms: number;
}

const figures: Figure[] = [
  ...(await engineBenchmarks()),
  ...(await pimBenchmarks()),
  ...(await simBenchmarks()),
  ...(await statusBenchmarks()),
  ...(await pushBenchmarks()),
];

const width = Math.max(...figures.map((f) => f.name.length));
console.log(`${'benchmark'.padEnd(width)}  ${'items'.padStart(7)}  ${'ms'.padStart(9)}  ${'items/s'.padStart(10)}`);
for (const f of figures) {
  const perSecond = f.ms > 0 ? Math.round((f.items / f.ms) * 1000) : Number.POSITIVE_INFINITY;
  console.log(
    `${f.name.padEnd(width)}  ${String(f.items).padStart(7)}  ${f.ms.toFixed(1).padStart(9)}  ${String(perSecond).padStart(10)}`,
  );
}
