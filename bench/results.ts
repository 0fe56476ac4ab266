import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

/** One measured figure against its goal, as `bench/results/*.json` holds them (issue 14's format). */
export interface Result {
  readonly name: string;
  readonly unit: string;
  readonly measured: number;
  /** The most the figure may be (every goal here is a ceiling); null where the figure is only reported. */
  readonly goal: number | null;
  readonly passed: boolean | null;
  readonly machine: string;
  readonly date: string;
}

export const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;

const date = new Date().toISOString();

/** A figure rounded to what the measurement can tell, passed when at most `goal`. */
export function result(name: string, unit: string, measured: number, goal: number | null = null): Result {
  const rounded = Math.abs(measured) >= 100 ? Math.round(measured) : Math.round(measured * 100) / 100;
  return { name, unit, measured: rounded, goal, passed: goal === null ? null : measured <= goal, machine, date };
}

/** Writes one suite's results to `bench/results/<suite>.json` (committed after each run on the reference machine). */
export function writeResults(suite: string, results: readonly Result[]): void {
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${suite}.json`), `${JSON.stringify(results, null, 2)}\n`);
}

/** The readable table of results: figure, goal, and whether it was met. */
export function printResults(results: readonly Result[]): void {
  const width = Math.max(...results.map((r) => r.name.length));
  console.log(`\n${'figure'.padEnd(width)}  ${'measured'.padStart(12)}  ${'goal'.padStart(10)}  verdict`);
  for (const r of results) {
    const goal = r.goal === null ? '—' : `≤ ${r.goal} ${r.unit}`;
    const verdict = r.passed === null ? '' : r.passed ? 'passes' : 'falls short';
    console.log(`${r.name.padEnd(width)}  ${`${r.measured} ${r.unit}`.padStart(12)}  ${goal.padStart(10)}  ${verdict}`);
  }
}
