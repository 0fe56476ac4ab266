import { createSimulator, type SimulatorHandle } from '@exsync/exchange-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExchangeStores, type ExchangeStoreFactory, type OpenedConnection } from './exchange-stores';
import { KINDS } from './kinds';

/** Finding the default Contacts folder over Graph against the simulator, however much the mailbox holds. */
const CLIENT_ID = 'b0b1c2d3-0000-4000-8000-00000000c0a1';
const CLIENT_SECRET = 'graph-client-secret';

/** A simulator with a registered Graph app, and the connection the service would open to it. */
async function graphSimulator(
  seed: string,
  idDigit: string,
): Promise<{ exchange: SimulatorHandle; connection: OpenedConnection }> {
  const exchange = createSimulator({ seed });
  exchange.sim.directory.addApp({ clientId: CLIENT_ID, secrets: [CLIENT_SECRET] });
  const urls = await exchange.listen(0);
  const now = new Date();
  return {
    exchange,
    connection: {
      connection: {
        id: `00000000-0000-4000-8000-0000000000${idDigit}1`,
        tenantId: `00000000-0000-4000-8000-0000000000${idDigit}2`,
        kind: 'graph',
        endpoint: urls.graph,
        authKind: 'client_secret',
        username: null,
        entraTenantId: exchange.sim.tenantId,
        clientId: CLIENT_ID,
        authority: urls.base,
        hasSecret: true,
        hasCertificate: false,
        createdAt: now,
        updatedAt: now,
      },
      secret: CLIENT_SECRET,
      certificate: null,
    },
  };
}

describe('Graph contacts: the default Contacts folder id', () => {
  let exchange: SimulatorHandle;
  let stores: ExchangeStoreFactory;
  let connection: OpenedConnection;

  beforeAll(async () => {
    ({ exchange, connection } = await graphSimulator('exsync-exchange-stores', '0'));
    // No test-only override: the connection's own authority points msal at the simulator's Entra endpoint.
    stores = createExchangeStores();
  }, 30_000);

  afterAll(async () => exchange?.close());

  const defaultId = (mailbox: string) => exchange.sim.store.distinguishedFolder(mailbox, 'contacts').graphId;
  const side = (mailbox: string) => stores({ connection, mailbox, kind: KINDS.contacts });

  it('an empty mailbox (no contacts, no sub-folders) still resolves to the real folder id', async () => {
    exchange.sim.store.createMailbox({ smtpAddress: 'empty@contoso.com', displayName: 'Empty' });
    const got = await side('empty@contoso.com');
    expect(got.collectionId).toBe(`graph:empty@contoso.com:${defaultId('empty@contoso.com')}`);
  });

  it('a contact folder beside Contacts (where Graph creates them) is not taken for the default one', async () => {
    exchange.sim.store.createMailbox({ smtpAddress: 'folders@contoso.com', displayName: 'Folders' });
    const other = exchange.sim.store.createFolder('folders@contoso.com', {
      kind: 'contacts',
      displayName: 'Suppliers',
    });
    exchange.sim.store.createContact(other.id, { displayName: 'Frank Supplier' });
    const got = await side('folders@contoso.com');
    expect(got.collectionId).toBe(`graph:folders@contoso.com:${defaultId('folders@contoso.com')}`);
    expect(got.collectionId).not.toContain(other.graphId);
  });

  it('a mailbox with a contact resolves to the folder that holds it', async () => {
    exchange.sim.store.createMailbox({ smtpAddress: 'full@contoso.com', displayName: 'Full' });
    exchange.sim.store.createContact(exchange.sim.store.distinguishedFolder('full@contoso.com', 'contacts').id, {
      displayName: 'Eve Adams',
    });
    const got = await side('full@contoso.com');
    expect(got.collectionId).toBe(`graph:full@contoso.com:${defaultId('full@contoso.com')}`);
  });
});

describe('Graph: a folder id the pair remembers is not looked up again', () => {
  let exchange: SimulatorHandle;
  let connection: OpenedConnection;

  beforeAll(async () => {
    ({ exchange, connection } = await graphSimulator('exsync-exchange-stores-known', '1'));
    exchange.sim.store.createMailbox({ smtpAddress: 'known@contoso.com', displayName: 'Known' });
  }, 30_000);

  afterAll(async () => exchange?.close());

  it.each([KINDS.events, KINDS.contacts, KINDS.tasks])(
    '$name: looked up (and counted) without one, taken from the collection id with one: no request at all',
    async (kind) => {
      const stores = createExchangeStores();
      let counted = 0;
      const onRequest = () => {
        counted += 1;
      };
      const graphRequests = () => exchange.sim.requests().filter((r) => r.face === 'graph').length;
      const before = graphRequests();
      const first = await stores({ connection, mailbox: 'known@contoso.com', kind, onRequest });
      expect(graphRequests() - before).toBeGreaterThan(0);
      expect(counted).toBe(graphRequests() - before); // every Graph request of the side is counted for the record
      const again = graphRequests();
      const second = await stores({
        connection,
        mailbox: 'known@contoso.com',
        kind,
        onRequest,
        knownCollectionId: first.collectionId,
      });
      expect(second.collectionId).toBe(first.collectionId);
      expect(graphRequests()).toBe(again);
      // Another mailbox's id is never taken for this one.
      const other = await stores({
        connection,
        mailbox: 'known@contoso.com',
        kind,
        knownCollectionId: 'graph:someone@contoso.com:AAMkOther',
      });
      expect(other.collectionId).toBe(first.collectionId);
    },
  );
});
