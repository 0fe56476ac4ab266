import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { intlOffsetAt, utcOffsetAt, wallClockToUtc } from '@exsync/core';
import { buildVtimezone, contentHash, patch, toModel } from '@exsync/pim';
import type { Figure } from './run';

const FIXTURES = join(import.meta.dirname, '..', '..', 'shared', 'fixtures');

/** Parsing, hashing and patching the real-world fixtures: the per-item CPU cost of every sync. */
export async function pimBenchmarks(): Promise<Figure[]> {
  // Only the fixtures the layer maps: the few it rightly rejects would measure the error path instead.
  const raws = ['ics', 'vcf']
    .flatMap((dir) => {
      const folder = join(FIXTURES, dir);
      return readdirSync(folder).map((name) => readFileSync(join(folder, name), 'utf8'));
    })
    .filter(mapsCleanly);
  const rounds = 20;
  const items = raws.length * rounds;
  return [
    timed('pim toModel (fixtures)', items, () => repeat(rounds, raws, (raw) => toModel(raw))),
    timed('pim contentHash (fixtures)', items, () => repeat(rounds, raws, (raw) => contentHash(raw))),
    timed('pim patch, unchanged (fixtures)', items, () => repeat(rounds, raws, (raw) => patch(raw, toModel(raw)))),
    ...offsetBenchmarks(),
  ];
}

/**
 * Zone offsets at the instants a year of events asks for: straight from Intl (the cost before the memo) next to
 * the memoised lookup every conversion uses, and the wall-clock → UTC conversion built on it.
 */
function offsetBenchmarks(): Figure[] {
  const zones = ['Europe/Berlin', 'America/New_York', 'Asia/Kathmandu', 'Australia/Sydney'];
  const instants: number[] = [];
  for (let i = 0; i < 20_000; i++) instants.push(Date.UTC(2026, 0, 1) + ((i * 7_919_000) % (365 * 86_400_000)));
  const n = zones.length * instants.length;
  const each = (fn: (zone: string, t: number) => unknown) => () => {
    for (const zone of zones) for (const t of instants) fn(zone, t);
  };
  return [
    timed('zone offset straight from Intl (before the memo)', n, each(intlOffsetAt)),
    timed('zone offset memoised (utcOffsetAt)', n, each(utcOffsetAt)),
    timed('VTIMEZONE block per event (buildVtimezone, memoised per zone and year)', n / 20, () => {
      for (let i = 0; i < n / 20; i++) buildVtimezone(zones[i % zones.length]!, 2026);
    }),
    timed(
      'wall clock → UTC (wallClockToUtc)',
      n,
      each((zone, t) => wallClockToUtc(new Date(t).toISOString(), zone)),
    ),
  ];
}

function repeat(rounds: number, raws: readonly string[], fn: (raw: string) => unknown): void {
  for (let i = 0; i < rounds; i++) for (const raw of raws) fn(raw);
}

function timed(name: string, items: number, run: () => void): Figure {
  const started = performance.now();
  run();
  return { name, items, ms: performance.now() - started };
}

function mapsCleanly(raw: string): boolean {
  try {
    toModel(raw);
    return true;
  } catch {
    return false;
  }
}
