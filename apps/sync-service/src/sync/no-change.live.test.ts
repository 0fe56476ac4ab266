import { describe, expect, it } from 'vitest';
import { liveSkipReason } from '../../../../packages/dav/src/testing/dav-servers';
import { noChangeScenario } from '../testing/no-change';

/**
 * A sync in which nothing changed costs the minimum: one SyncFolderItems per Exchange folder (3) and one
 * PROPFIND Depth 1 per DAV home. Nextcloud has two homes (calendars with task lists, and address books), so 3 + 2
 * there; Radicale keeps calendars and address books in one home (/alice/), so 3 + 1 here.
 */
describe.skipIf(liveSkipReason('radicale'))('the cost of a no-change sync (events, contacts, tasks)', () => {
  it('is 3 EWS requests and one DAV request per home (Radicale: one home)', async () => {
    const scenario = await noChangeScenario();
    try {
      const first = await scenario.sync(); // discovery, collections created, 5 events copied
      expect(first.dav).toBeGreaterThan(2);
      await scenario.sync(); // reads back its own writes once (the echo), then the tokens settle
      expect(await scenario.sync()).toEqual({ ews: 3, dav: 1 });
      expect(await scenario.sync()).toEqual({ ews: 3, dav: 1 });
    } finally {
      await scenario.close();
    }
  }, 180_000);
});
