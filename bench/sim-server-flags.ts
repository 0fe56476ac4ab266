/**
 * Node flags for the simulator's own process: with BENCH_SIM_PROF=<dir> it writes a V8 CPU profile there when it
 * exits (open it in Chrome DevTools), so the simulator's cost can be profiled under the very load a benchmark puts
 * on it (BENCH_SIM_PROF_INTERVAL_US sets the sampling interval). `--cpu-prof` is refused in NODE_OPTIONS, hence a flag of our own.
 */
export function simProfileFlags(): string[] {
  const dir = process.env.BENCH_SIM_PROF;
  if (!dir) return [];
  // The default 1 ms sampling is coarse for a process that serves a read in a few hundred ms.
  const interval = process.env.BENCH_SIM_PROF_INTERVAL_US;
  return ['--cpu-prof', '--cpu-prof-dir', dir, ...(interval ? ['--cpu-prof-interval', interval] : [])];
}
