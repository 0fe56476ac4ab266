import { assertSameItems, radicaleHoldings } from './dav-check';
import { DAV_PASSWORD, davUser } from './mailbox-layout';
import { startBenchRadicale } from './radicale';
import { type Result, result } from './results';
import { startService } from './service-process';
import { startSimProcess } from './sim-process';

/** A realistic mailbox: issue 14's 35 items a user (the no-change benchmark's mix). */
const MAILBOX = { events: 20, contacts: 10, tasks: 5 };
const FIVE_MINUTES = 5 * 60_000;

/**
 * The many-user cycle: the real service (`exsync serve`, own process, PostgreSQL, default worker concurrency)
 * syncs N users with realistic mailboxes (EWS simulator → Radicale): the initial cycle, the echo of its writes, then
 * a cycle in which nothing changed, each triggered as "sync now" for every user and timed until the queue is empty.
 * Reported: wall and service CPU per cycle, the wall extrapolated to 10,000 users (goal < 5 min), the service's peak
 * RSS (goal < 1 GiB at 10,000 users), and a check that Radicale holds exactly every mailbox's items. 100 and 1,000
 * users by default; `--users N` for one size (`pnpm bench cycle --users 10000`).
 */
export async function cycleBenchmarks(users?: number): Promise<Result[]> {
  const sizes = users ? [users] : (process.env.BENCH_CYCLE_USERS ?? '100,1000').split(',').map(Number);
  const results: Result[] = [];
  for (const n of sizes) results.push(...(await cycle(n)));
  return results;
}

async function cycle(users: number): Promise<Result[]> {
  const sim = await startSimProcess({ users, ...MAILBOX });
  const radicale = await startBenchRadicale(davUser(0), DAV_PASSWORD);
  try {
    const service = await startService({ users, face: 'ews', sim, radicale });
    try {
      // Started, users enrolled, nothing synced yet: what the process holds before any work.
      const idleRss = service.rssMiB();
      const simBefore = await sim.cpuMs();
      const initial = await service.cycle();
      const simInitial = (await sim.cpuMs()) - simBefore;
      const healthy = await service.states();
      if ((healthy.active ?? 0) !== users) {
        throw new Error(`${users} users: after the initial cycle the users are ${JSON.stringify(healthy)}`);
      }
      for (let u = 0; u < users; u++) {
        assertSameItems(
          `${users}-user cycle, ${davUser(u)}`,
          await sim.items(u),
          radicaleHoldings(radicale.dataDir, davUser(u)),
        );
      }
      // The second cycle sees the service's own writes echo back from Radicale (new ETags, the collection's token
      // moved): not a no-change cycle, but what follows every initial one. The third is the steady state.
      const echo = await service.cycle();
      const simIdleBefore = await sim.cpuMs();
      const idle = await service.cycle();
      const simIdle = (await sim.cpuMs()) - simIdleBefore;
      const after = await service.states();
      if ((after.active ?? 0) !== users) {
        throw new Error(`${users} users: after the no-change cycle the users are ${JSON.stringify(after)}`);
      }
      const items = users * (MAILBOX.events + MAILBOX.contacts + MAILBOX.tasks);
      const rss = service.peakRssMiB();
      console.log(
        `${users}-user cycle: initial ${(initial.wallMs / 1000).toFixed(1)} s wall, ${(initial.cpuMs / 1000).toFixed(1)} s ` +
          `service CPU (simulator ${(simInitial / 1000).toFixed(1)} s); echo ${(echo.wallMs / 1000).toFixed(1)} s wall, ` +
          `${(echo.cpuMs / 1000).toFixed(1)} s service CPU; no-change ${(idle.wallMs / 1000).toFixed(1)} s wall, ` +
          `${(idle.cpuMs / 1000).toFixed(1)} s service CPU (simulator ${(simIdle / 1000).toFixed(1)} s); peak RSS ${rss.toFixed(0)} MiB`,
      );
      const label = `${users} users × ${MAILBOX.events + MAILBOX.contacts + MAILBOX.tasks} items (EWS → Radicale, PostgreSQL)`;
      // Goals at 10,000 users; for a smaller run the cycle's wall scales by users (one process, fixed concurrency).
      const scale = 10_000 / users;
      return [
        result(`initial cycle, ${label}: wall`, 'ms', initial.wallMs),
        result(`initial cycle, ${label}: service CPU per item`, 'ms', initial.cpuMs / items, 2),
        result(`echo cycle (the initial writes read back), ${label}: service CPU per user`, 'ms', echo.cpuMs / users),
        result(`no-change cycle, ${label}: wall`, 'ms', idle.wallMs),
        result(`no-change cycle, ${label}: service CPU per user`, 'ms', idle.cpuMs / users, 5),
        // Below 1,000 users the wall is mostly the worker's idle poll, which does not scale: no extrapolation.
        ...(users >= 1000
          ? [result(`no-change cycle, ${label}: wall scaled to 10,000 users`, 'ms', idle.wallMs * scale, FIVE_MINUTES)]
          : []),
        result(`no-change cycle, ${label}: simulator CPU share`, '%', (simIdle / idle.cpuMs) * 100, 10),
        result(`service RSS before the first cycle (started, ${users} users enrolled)`, 'MiB', idleRss),
        result(`service peak RSS, ${label}`, 'MiB', rss, users >= 10_000 ? 1024 : null),
      ];
    } finally {
      await service.stop();
    }
  } finally {
    await radicale.stop();
    sim.stop();
  }
}
