import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { EwsCollectionStore } from '@exsync/exchange';
import type { Figure } from './run';
import { simProfileFlags } from './sim-server-flags';

const EVENTS = 1000;

/**
 * The simulator's own cost while a client reads 1,000 events through EWS the way a first sync does (list the
 * window, fetch every item), next to that client's CPU: the simulator must stay a small fraction of it, or every
 * timing taken against it measures the simulator. The simulator runs in its own process and reports its CPU.
 */
export async function simBenchmarks(): Promise<Figure[]> {
  const child = spawn(
    process.execPath,
    [...simProfileFlags(), '--import', 'tsx', join(import.meta.dirname, 'sim-server.ts')],
    {
      env: { ...process.env, EVENTS: String(EVENTS) },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => JSON.parse(((await lines.next()).value as string | undefined) ?? '{}');
  try {
    const { ews } = (await next()) as { ews: string };
    const simCpu = async (): Promise<number> => {
      child.stdin!.write('cpu\n');
      return ((await next()) as { cpuMs: number }).cpuMs;
    };
    const store = new EwsCollectionStore({
      url: ews,
      auth: { kind: 'basic', username: 'CONTOSO\\svc-sync', password: 'Passw0rd!' },
      mailbox: 'alice@contoso.com',
      folder: 'calendar',
      timeoutMs: 60_000,
    });
    const window = { start: '2026-01-01T00:00:00Z', end: '2027-06-30T00:00:00Z' };
    // The first read is what the benchmark holds to the goal (a first sync meets a cold process on both sides);
    // a second identical read shows the steady state once both processes are warm.
    const read = async () => {
      const simBefore = await simCpu();
      const clientBefore = process.cpuUsage();
      const started = performance.now();
      const hrefs: string[] = [];
      for await (const listed of store.listWindow(window)) hrefs.push(listed.href);
      let fetched = 0;
      for await (const r of store.getMany(hrefs)) if (r.found) fetched++;
      const wall = performance.now() - started;
      const c = process.cpuUsage(clientBefore);
      const clientMs = (c.user + c.system) / 1000;
      const simMs = (await simCpu()) - simBefore;
      if (fetched !== EVENTS) throw new Error(`the client fetched ${fetched} of ${EVENTS} events`);
      return { simMs, clientMs, wall };
    };
    const first = await read();
    const second = await read();
    for (const [label, r] of [
      ['first read', first],
      ['second read', second],
    ] as const) {
      console.log(
        `exchange-sim (${label}): ${r.simMs.toFixed(0)} ms simulator CPU vs ${r.clientMs.toFixed(0)} ms client CPU ` +
          `(${((r.simMs / r.clientMs) * 100).toFixed(1)} %, goal < 10 %) for ${EVENTS} events, ${r.wall.toFixed(0)} ms wall`,
      );
    }
    return [
      { name: 'exchange-sim CPU, EWS first read of 1,000 events', items: EVENTS, ms: first.simMs },
      { name: 'EWS client CPU, same read', items: EVENTS, ms: first.clientMs },
      { name: 'exchange-sim CPU, second read (warm)', items: EVENTS, ms: second.simMs },
      { name: 'EWS client CPU, second read (warm)', items: EVENTS, ms: second.clientMs },
    ];
  } finally {
    stopChild(child);
  }
}

function stopChild(child: ChildProcess): void {
  child.stdin?.end();
  if (child.exitCode === null) child.kill('SIGTERM');
}
