import { randomUUID } from 'node:crypto';
import { AuthError } from '@exsync/core';
import { describeCollectionStoreContract } from '@exsync/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthCircuit } from './auth-circuit';
import { ensureCollection, listCollections } from './collections';
import { DavCollectionStore } from './dav-collection-store';
import { discoverHomes, discoverNextcloud } from './discovery';
import { pimCodec } from './pim-codec';
import { liveSkipReason, type RunningDavServer, startRadicale } from './testing/dav-servers';
import { DavTransport } from './transport';

const skip = liveSkipReason('radicale');
const user = 'alice';
const password = 'secret-app-password';
let server: RunningDavServer | undefined;

function transport(pass = password, circuit = new AuthCircuit()): DavTransport {
  return new DavTransport({ credentials: { username: user, password: pass }, circuit, timeoutMs: 10_000 });
}

function baseUrl(): string {
  if (!server) throw new Error('Radicale did not start');
  return server.baseUrl;
}

if (!skip) {
  beforeAll(async () => {
    server = await startRadicale(user, password);
  });
  afterAll(async () => {
    await server?.stop();
  });
}

describeCollectionStoreContract('DAV store against Radicale (htpasswd auth)', {
  skip,
  invalidToken: 'http://radicale.org/ns/sync/0000000000000000000000000000000000000000000000000000000000000000',
  async createStore(kind) {
    const t = transport();
    const type = kind === 'addressbook' ? 'addressbook' : 'calendar';
    const info = await ensureCollection(
      { url: `${baseUrl()}${user}/${randomUUID()}/`, type, components: kind === 'tasks' ? ['VTODO'] : ['VEVENT'] },
      t,
    );
    return {
      store: new DavCollectionStore({
        transport: t,
        url: info.url,
        type,
        components: info.components,
        codec: pimCodec,
      }),
    };
  },
});

describe.skipIf(skip)('Radicale discovery and collections', () => {
  it('discovers the principal and both homes from the server root', async () => {
    const homes = await discoverHomes(baseUrl(), transport());
    expect(new URL(homes.principalUrl).pathname).toBe(`/${user}/`);
    expect(new URL(homes.calendarHomeUrl ?? '').pathname).toBe(`/${user}/`);
    expect(new URL(homes.addressBookHomeUrl ?? '').pathname).toBe(`/${user}/`);
  });

  it('finds the DAV root through /.well-known/caldav when given a URL that is not one', async () => {
    const homes = await discoverHomes(`${baseUrl()}not/a/dav/root/`, transport());
    expect(new URL(homes.principalUrl).pathname).toBe(`/${user}/`);
  });

  it('falls back to /.well-known/caldav when the Nextcloud DAV root is refused (403, owner-only rights)', async () => {
    // Radicale with owner_only answers 403 at /remote.php/dav/: not a 404, but no DAV root for this user either.
    const homes = await discoverNextcloud(baseUrl(), transport());
    expect(new URL(homes.principalUrl).pathname).toBe(`/${user}/`);
    expect(new URL(homes.calendarHomeUrl ?? '').pathname).toBe(`/${user}/`);
  });

  it('creates missing collections once and lists them with their components', async () => {
    const t = transport();
    const tasksUrl = `${baseUrl()}${user}/tasks-${randomUUID()}/`;
    const created = await ensureCollection(
      { url: tasksUrl, type: 'calendar', components: ['VTODO'], displayName: 'Tâches' },
      t,
    );
    const again = await ensureCollection({ url: tasksUrl, type: 'calendar', components: ['VTODO'] }, t);
    expect(again.url).toBe(created.url);
    const bookUrl = `${baseUrl()}${user}/book-${randomUUID()}/`;
    await ensureCollection({ url: bookUrl, type: 'addressbook', displayName: 'Contacts' }, t);
    const listed = await listCollections(`${baseUrl()}${user}/`, t);
    const tasks = listed.find((c) => c.url === tasksUrl);
    expect(tasks).toMatchObject({ type: 'calendar', components: ['VTODO'], displayName: 'Tâches', readOnly: false });
    expect(listed.find((c) => c.url === bookUrl)).toMatchObject({ type: 'addressbook', components: [] });
  });

  it('reports refused credentials as an AuthError and sends nothing more with them', async () => {
    let requests = 0;
    const circuit = new AuthCircuit();
    const counting: typeof fetch = (input, init) => {
      requests += 1;
      return fetch(input, init);
    };
    const bad = new DavTransport({ credentials: { username: user, password: 'wrong' }, circuit, fetch: counting });
    await expect(discoverHomes(baseUrl(), bad)).rejects.toBeInstanceOf(AuthError);
    expect(requests).toBe(1);
    const sameUser = new DavTransport({ credentials: { username: user, password: 'wrong' }, circuit, fetch: counting });
    await expect(listCollections(`${baseUrl()}${user}/`, sameUser)).rejects.toBeInstanceOf(AuthError);
    expect(requests).toBe(1);
  });
});
