/**
 * Node flags for the simulator's own process: with BENCH_SIM_PROF=<dir> it writes a V8 CPU profile there when it
 * exits (open it in Chrome DevTools), so the simulator's cost can be profiled under the very load a benchmark puts
 * on it. `--cpu-prof` is refused in NODE_OPTIONS, hence a flag of our own.
 */
export function simProfileFlags(): string[] {
  const dir = process.env.BENCH_SIM_PROF;
  return dir ? ['--cpu-prof', '--cpu-prof-dir', dir] : [];
}
