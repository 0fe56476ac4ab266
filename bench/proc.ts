import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (Linux's USER_HZ, 100 on every mainstream build). */
const TICKS_PER_SECOND = 100;

/** Fields of /proc/<pid>/stat after the command (which may hold spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU time (user + system, all threads) a live process has used so far, in ms; 0 once it is gone. */
export function processCpuMs(pid: number): number {
  const f = statFields(pid);
  if (!f) return 0;
  // After the command: state(0) ppid(1) … utime(11) stime(12).
  return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SECOND;
}

/** Peak resident set (VmHWM) of a live process, in MiB. */
export function processPeakRssMiB(pid: number): number {
  return statusKb(pid, 'VmHWM') / 1024;
}

/** Resident set now (VmRSS) of a live process, in MiB. */
export function processRssMiB(pid: number): number {
  return statusKb(pid, 'VmRSS') / 1024;
}

function statusKb(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
}

/**
 * The first process below `root` (children, grandchildren…) whose command line contains `needle`: how a benchmark
 * finds the JVM or Python a launcher script started, to read its CPU.
 */
export function findDescendant(root: number, needle: string): number | undefined {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const f = statFields(pid);
    if (f) parent.set(pid, Number(f[1]));
  }
  const below = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  for (const pid of parent.keys()) {
    if (!below(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle)) return pid;
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}
