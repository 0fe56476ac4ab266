import { describe, expect, it } from 'vitest';
import { liveSkipReason } from '../../../../packages/dav/src/testing/dav-servers';
import { type NoChangeOptions, noChangeScenario } from '../testing/no-change';

/**
 * A sync in which nothing changed costs the minimum: one request per Exchange folder (EWS SyncFolderItems, Graph
 * delta: 3) and one PROPFIND Depth 1 per DAV home. Nextcloud has two homes (calendars/<user>/ with the task
 * lists, addressbooks/users/<user>/), so 3 + 2 there; Radicale keeps calendars and address books in one home
 * (/alice/), so 3 + 1. The run record (GET user → lastRun) says the same as the servers' own logs.
 */
async function settledCost(options: NoChangeOptions) {
  const scenario = await noChangeScenario(options);
  try {
    const first = await scenario.sync(); // discovery, collections created, 5 events copied
    expect(first.dav).toBeGreaterThan(2);
    await scenario.sync(); // reads back its own writes once (the echo), then the tokens settle
    const quiet = [await scenario.sync(), await scenario.sync()];
    return { quiet, recorded: await scenario.recorded() };
  } finally {
    await scenario.close();
  }
}

describe('the cost of a no-change sync (events, contacts, tasks)', () => {
  it('EWS ⇄ the fake Nextcloud (two homes): 3 EWS requests + 2 DAV requests, as the run record says', async () => {
    const { quiet, recorded } = await settledCost({ exchange: 'ews', dav: 'nextcloud' });
    expect(quiet).toEqual([
      { exchange: 3, dav: 2 },
      { exchange: 3, dav: 2 },
    ]);
    expect(recorded.requests).toEqual({ exchange: 3, nextcloud: 2 });
    // Per kind, in the order they ran: one SyncFolderItems each; the calendar home's PROPFIND is paid by events
    // (tasks share it), the address-book home's by contacts.
    expect(recorded.kinds).toEqual([
      { kind: 'event', requests: { exchange: 1, nextcloud: 1 } },
      { kind: 'contact', requests: { exchange: 1, nextcloud: 1 } },
      { kind: 'task', requests: { exchange: 1, nextcloud: 0 } },
    ]);
  }, 180_000);

  it('Graph ⇄ the fake Nextcloud (two homes): 3 Graph requests (one delta per folder) + 2 DAV requests', async () => {
    const { quiet, recorded } = await settledCost({ exchange: 'graph', dav: 'nextcloud' });
    expect(quiet).toEqual([
      { exchange: 3, dav: 2 },
      { exchange: 3, dav: 2 },
    ]);
    expect(recorded.requests).toEqual({ exchange: 3, nextcloud: 2 });
  }, 180_000);

  it.skipIf(liveSkipReason('radicale'))(
    'EWS ⇄ Radicale (one home): 3 EWS requests + 1 DAV request, as the run record says',
    async () => {
      const { quiet, recorded } = await settledCost({ exchange: 'ews', dav: 'radicale' });
      expect(quiet).toEqual([
        { exchange: 3, dav: 1 },
        { exchange: 3, dav: 1 },
      ]);
      expect(recorded.requests).toEqual({ exchange: 3, nextcloud: 1 });
    },
    180_000,
  );
});
