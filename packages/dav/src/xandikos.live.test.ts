import { randomUUID } from 'node:crypto';
import { describeCollectionStoreContract } from '@exsync/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthCircuit } from './auth-circuit';
import { ensureCollection, listCollections } from './collections';
import { DavCollectionStore } from './dav-collection-store';
import { type DavHomes, discoverHomes } from './discovery';
import { pimCodec } from './pim-codec';
import { liveSkipReason, type RunningDavServer, startXandikos } from './testing/dav-servers';
import { DavTransport } from './transport';

// Xandikos has no authentication, an empty supported-report-set, bare SHA-1 sync tokens and answers an unknown
// token with 500: the store must cope with all of it. Its time-range filter ignores recurrence, hence
// `serverExpandsRecurrence: false`.
const skip = liveSkipReason('xandikos');
let server: RunningDavServer | undefined;
let homes: DavHomes | undefined;

function transport(): DavTransport {
  return new DavTransport({ credentials: { username: 'user', password: 'unused' }, circuit: new AuthCircuit() });
}

function home(type: 'calendar' | 'addressbook'): string {
  const url = type === 'calendar' ? homes?.calendarHomeUrl : homes?.addressBookHomeUrl;
  if (!url) throw new Error(`Xandikos offered no ${type} home`);
  return url;
}

if (!skip) {
  beforeAll(async () => {
    server = await startXandikos();
    homes = await discoverHomes(server.baseUrl, transport());
  });
  afterAll(async () => {
    await server?.stop();
  });
}

describeCollectionStoreContract('DAV store against Xandikos', {
  skip,
  invalidToken: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
  async createStore(kind) {
    const t = transport();
    const type = kind === 'addressbook' ? 'addressbook' : 'calendar';
    const info = await ensureCollection(
      { url: `${home(type)}${randomUUID()}/`, type, components: kind === 'tasks' ? ['VTODO'] : ['VEVENT'] },
      t,
    );
    return {
      store: new DavCollectionStore({
        transport: t,
        url: info.url,
        type,
        components: info.components,
        codec: pimCodec,
        serverExpandsRecurrence: false,
      }),
    };
  },
});

describe.skipIf(skip)('Xandikos discovery', () => {
  it('finds separate calendar and address-book homes under the principal', async () => {
    expect(homes?.calendarHomeUrl).toMatch(/\/calendars\/$/);
    expect(homes?.addressBookHomeUrl).toMatch(/\/contacts\/$/);
    const calendars = await listCollections(home('calendar'), transport());
    expect(calendars.some((c) => c.type === 'calendar')).toBe(true);
  });
});
