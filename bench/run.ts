/**
 * Benchmarks that print figures (timing goals live here, never in tests). Run: `pnpm bench` (everything), or
 * `pnpm bench sync no-change` for some suites. Each suite with goals writes `bench/results/<suite>.json` (issue
 * 14's format: `{ name, unit, measured, goal, passed, machine, date }`); compare runs on the same machine only.
 * Flags: `--users 10000` (cycle: that many users instead of 100 and 1,000), `--events 10000` (large: events in
 * the one mailbox). Suite `large` (10,000 events) runs only when named.
 */

import { cycleBenchmarks } from './cycle.bench';
import { engineBenchmarks } from './engine.bench';
import { largeMailboxBenchmarks } from './large.bench';
import { noChangeBenchmarks } from './no-change.bench';
import { pimBenchmarks } from './pim.bench';
import { pushBenchmarks } from './push.bench';
import { queueBenchmarks } from './queue.bench';
import { referenceBenchmarks } from './reference.bench';
import { printResults, type Result, writeResults } from './results';
import { simBenchmarks } from './sim.bench';
import { statusBenchmarks } from './status.bench';
import { syncBenchmarks } from './sync.bench';

export interface Figure {
  readonly name: string;
  readonly items: number;
  readonly ms: number;
}

const argv = process.argv.slice(2);
/** The numeric value of `--name N`, if given. */
const flag = (name: string): number | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : undefined;
};
// Suite names; a flag's value (`--users 10000`) is not one.
const asked = argv.filter((a, i) => !a.startsWith('-') && !argv[i - 1]?.startsWith('--'));
const BIG = ['large'];
const wanted = (suite: string) => (asked.length === 0 ? !BIG.includes(suite) : asked.includes(suite));

const figures: Figure[] = [];
const results: Result[] = [];
if (wanted('engine')) figures.push(...(await engineBenchmarks()));
if (wanted('pim')) figures.push(...(await pimBenchmarks()));
if (wanted('sim')) figures.push(...(await simBenchmarks()));
if (wanted('status')) figures.push(...(await statusBenchmarks()));
if (wanted('queue')) figures.push(...(await queueBenchmarks()));
if (wanted('push')) figures.push(...(await pushBenchmarks()));
if (wanted('sync')) {
  const sync = await syncBenchmarks();
  figures.push(...sync.figures);
  results.push(...sync.results);
  writeResults('sync', sync.results);
}
if (wanted('no-change')) {
  const noChange = await noChangeBenchmarks();
  results.push(...noChange);
  writeResults('no-change', noChange);
}
/** A suite of figures with goals: run, kept for the table, written to bench/results/<name>.json. */
const suite = async (name: string, run: () => Promise<Result[]>) => {
  if (!wanted(name)) return;
  const r = await run();
  results.push(...r);
  writeResults(name, r);
};
await suite('reference', referenceBenchmarks);
await suite('cycle', () => cycleBenchmarks(flag('users')));
await suite('large', () => largeMailboxBenchmarks(flag('events')));

if (figures.length > 0) {
  const width = Math.max(...figures.map((f) => f.name.length));
  console.log(`${'benchmark'.padEnd(width)}  ${'items'.padStart(7)}  ${'ms'.padStart(9)}  ${'items/s'.padStart(10)}`);
  for (const f of figures) {
    const perSecond = f.ms > 0 ? Math.round((f.items / f.ms) * 1000) : Number.POSITIVE_INFINITY;
    console.log(
      `${f.name.padEnd(width)}  ${String(f.items).padStart(7)}  ${f.ms.toFixed(1).padStart(9)}  ${String(perSecond).padStart(10)}`,
    );
  }
}
if (results.length > 0) printResults(results);
