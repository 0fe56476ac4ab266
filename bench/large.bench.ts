import { assertSameItems, radicaleHoldings } from './dav-check';
import { DAV_PASSWORD, davUser } from './mailbox-layout';
import { startBenchRadicale } from './radicale';
import { type Result, result } from './results';
import { startService } from './service-process';
import { startSimProcess } from './sim-process';

/**
 * One mailbox of 10,000 events (`--events N` for another size) synced for the first time by the real service
 * (own process, PostgreSQL) over EWS and over Graph into Radicale: wall, service CPU per item (goal ≤ 2 ms),
 * peak RSS, and a check that Radicale holds exactly the mailbox's events. Big: runs only with `pnpm bench large`.
 */
export async function largeMailboxBenchmarks(events = 10_000): Promise<Result[]> {
  const results: Result[] = [];
  for (const face of ['ews', 'graph'] as const) {
    const sim = await startSimProcess({ users: 1, events });
    const radicale = await startBenchRadicale(davUser(0), DAV_PASSWORD);
    try {
      const service = await startService({ users: 1, face, sim, radicale });
      try {
        const simBefore = await sim.cpuMs();
        const first = await service.cycle();
        const simMs = (await sim.cpuMs()) - simBefore;
        const states = await service.states();
        if ((states.active ?? 0) !== 1)
          throw new Error(`${face}, ${events} events: the user is ${JSON.stringify(states)}`);
        const label = `initial sync of one mailbox, ${events} events ${face === 'ews' ? 'EWS' : 'Graph'} → Radicale (service, PostgreSQL)`;
        assertSameItems(label, await sim.items(0), radicaleHoldings(radicale.dataDir, davUser(0)), ['event']);
        const rss = service.peakRssMiB();
        console.log(
          `${label}: ${(first.wallMs / 1000).toFixed(1)} s wall, ${(first.cpuMs / 1000).toFixed(1)} s service CPU ` +
            `(simulator ${(simMs / 1000).toFixed(1)} s); peak RSS ${rss.toFixed(0)} MiB`,
        );
        results.push(
          result(`${label}: wall`, 'ms', first.wallMs),
          result(`${label}: service CPU per item`, 'ms', first.cpuMs / events, 2),
          result(`${label}: simulator CPU share`, '%', (simMs / first.cpuMs) * 100, 10),
          result(`${label}: service peak RSS`, 'MiB', rss),
        );
      } finally {
        await service.stop();
      }
    } finally {
      await radicale.stop();
      sim.stop();
    }
  }
  return results;
}
