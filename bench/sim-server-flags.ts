/**
 * Node flags for the simulator's own process. A young generation of 64 MB semi-spaces (V8's default is 16 MB on
 * 64-bit): the simulator renders answers of hundreds of KB that die at once, and with the default every few answers
 * set off a scavenge — in the `sync` benchmark's first read, 640 → 480 ms of simulator CPU with it (one pair of runs).
 * No memory reducer: once a sync has read everything, the simulator idles while exsync writes to Radicale, and V8's
 * memory reducer spent that idle time compacting the heap the read had grown (71 ms of GC with no JavaScript running
 * in a profile of the measured run); two alternated pairs: 368 / 387 against 847 / 498 ms for the first run.
 * The simulator is a test tool, so memory for a cheaper stand-in is the right trade (`pnpm sim` runs with both too).
 *
 * With BENCH_SIM_PROF=<dir> it also writes a V8 CPU profile there when it exits (open it in Chrome DevTools), so the
 * simulator's cost can be profiled under the very load a benchmark puts on it (BENCH_SIM_PROF_INTERVAL_US sets the
 * sampling interval). `--cpu-prof` is refused in NODE_OPTIONS, hence a flag of our own.
 */
export function simNodeFlags(): string[] {
  const gc = ['--max-semi-space-size=64', '--no-memory-reducer'];
  const dir = process.env.BENCH_SIM_PROF;
  if (!dir) return gc;
  // The default 1 ms sampling is coarse for a process that serves a read in a few hundred ms.
  const interval = process.env.BENCH_SIM_PROF_INTERVAL_US;
  return [...gc, '--cpu-prof', '--cpu-prof-dir', dir, ...(interval ? ['--cpu-prof-interval', interval] : [])];
}
