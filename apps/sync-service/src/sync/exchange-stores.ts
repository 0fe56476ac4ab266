import { X509Certificate } from 'node:crypto';
import type { CollectionStore } from '@exsync/core';
import type { ExchangeConnection } from '@exsync/db';
import {
  type AppCredential,
  type EwsAuth,
  EwsCollectionStore,
  GraphClient,
  GraphCollectionStore,
  MsalTokenProvider,
  type PortableIdentities,
} from '@exsync/exchange';
import { httpFetch, sleep } from '@exsync/net';
import { countingFetch } from '../metrics/counting-fetch';
import type { SyncMetrics } from '../metrics/metrics';
import type { GraphWatch } from '../push/graph-push';
import {
  AuthoritySetupError,
  graphBaseUrl,
  graphScope,
  type ResolvedAuthority,
  resolveAuthority,
} from './entra-authority';
import type { KindSpec } from './kinds';

/** The tenant's Exchange connection with its secrets opened, for one sync run only; never logged. */
export interface OpenedConnection {
  readonly connection: ExchangeConnection;
  readonly secret: string | null;
  readonly certificate: string | null;
}

export interface ExchangeSide {
  readonly store: CollectionStore;
  /** Stable id of the Exchange collection, stored on the collection pair. */
  readonly collectionId: string;
  /** Portable item keys, so links survive a move of the connection between EWS and Graph. */
  readonly identities?: PortableIdentities;
  /** Graph only: where the folder can be watched for change notifications. */
  readonly watch?: GraphWatch;
}

/** Builds the Exchange side of one pair. A seam: tests and future backends plug in here. */
export type ExchangeStoreFactory = (input: {
  readonly connection: OpenedConnection;
  /** SMTP address of the user's mailbox. */
  readonly mailbox: string;
  readonly kind: KindSpec;
  /** Told of every request the side sends to Exchange (EWS or Graph), for the run record. */
  readonly onRequest?: () => void;
  /**
   * The Exchange collection id the kind's pair was made with, when its last run did not fail: a factory may reuse
   * what it names (Graph: the folder id) rather than look it up again, so a sync in which nothing changed costs
   * one request per folder.
   */
  readonly knownCollectionId?: string;
}) => ExchangeSide | Promise<ExchangeSide>;

/** The Exchange connection cannot serve this sync; the message says what to fix. */
export class ExchangeSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExchangeSetupError';
  }
}

/**
 * EWS (impersonating the user's mailbox) or Microsoft Graph (application permissions on the user's mailbox).
 * Graph token providers are kept per connection version, so msal's token cache outlives one run. The Entra
 * authority comes from the connection (global cloud by default; a national cloud or the simulator when set).
 */
export function createExchangeStores(
  options: { fetch?: typeof fetch; metrics?: SyncMetrics } = {},
): ExchangeStoreFactory & { graphClient(connection: OpenedConnection): Promise<GraphClient> } {
  const providers = new Map<string, MsalTokenProvider>();
  const { metrics } = options;
  const authorityOf = async (c: ExchangeConnection, entraTenantId: string): Promise<ResolvedAuthority> => {
    try {
      return await resolveAuthority(c.authority, entraTenantId, options.fetch);
    } catch (error) {
      if (error instanceof AuthoritySetupError) throw new ExchangeSetupError(error.message);
      throw error;
    }
  };
  // Counted for /metrics: every EWS exchange, every Graph request and every wait before a Graph retry.
  // Over node:http keep-alive, as the Graph client's default (the global fetch costs more CPU a request).
  const graphFetch = metrics ? countingFetch(metrics, 'graph', httpFetch) : httpFetch;
  const graphSleep = metrics
    ? {
        sleep: (ms: number, signal?: AbortSignal) => {
          metrics.throttleWait('client', ms);
          return sleep(ms, signal);
        },
      }
    : {};
  /**
   * A Graph client on the connection's app credential; msal's token cache kept per connection version. Each
   * client counts its own requests for `onRequest` (the run record); token requests go through msal, not here.
   */
  const graphClient = async (connection: OpenedConnection, onRequest?: () => void): Promise<GraphClient> => {
    const c = connection.connection;
    let baseUrl: string;
    try {
      baseUrl = graphBaseUrl(c.endpoint);
    } catch {
      throw new ExchangeSetupError(`The Graph url ${c.endpoint} is not a URL.`);
    }
    const key = `${c.id}:${c.updatedAt.toISOString()}`;
    let tokens = providers.get(key);
    if (!tokens) {
      if (!c.entraTenantId || !c.clientId) {
        throw new ExchangeSetupError('The Graph connection needs entraTenantId and clientId.');
      }
      tokens = graphTokens(connection, await authorityOf(c, c.entraTenantId), graphScope(baseUrl));
      providers.set(key, tokens);
    }
    const counted: typeof fetch = onRequest
      ? (input, init) => {
          onRequest();
          return graphFetch(input, init);
        }
      : graphFetch;
    return new GraphClient({ baseUrl, tokens, ...(metrics || onRequest ? { fetch: counted } : {}), ...graphSleep });
  };
  const factory: ExchangeStoreFactory = async ({ connection, mailbox, kind, onRequest, knownCollectionId }) => {
    const c = connection.connection;
    if (c.kind === 'ews') {
      if (!c.endpoint)
        throw new ExchangeSetupError('The EWS connection has no url; set it on the Exchange connection.');
      const store = new EwsCollectionStore({
        url: c.endpoint,
        auth: await ewsAuth(connection, authorityOf),
        mailbox,
        folder: kind.exchangeFolder,
        ...(metrics || onRequest
          ? {
              onResponse: (status: number | undefined) => {
                metrics?.backendRequest('ews', status);
                onRequest?.();
              },
            }
          : {}),
      });
      return { store, identities: store, collectionId: `ews:${mailbox.toLowerCase()}:${kind.exchangeFolder}` };
    }
    const client = await graphClient(connection, onRequest);
    const folderId = knownGraphFolder(knownCollectionId, mailbox) ?? (await graphFolderId(client, mailbox, kind));
    const store = new GraphCollectionStore({
      client,
      user: mailbox,
      mailboxAddress: mailbox,
      kind: kind.collectionKind,
      folderId,
    });
    return {
      store,
      identities: store,
      collectionId: `graph:${mailbox.toLowerCase()}:${folderId}`,
      watch: { client, resource: watchedResource(mailbox, kind, folderId) },
    };
  };
  return Object.assign(factory, { graphClient });
}

/**
 * The folder id inside a Graph collection id of this mailbox (`graph:<mailbox>:<folder id>`). A folder deleted
 * since fails that run (404), and the next sync looks it up again (its pair's last run failed).
 */
function knownGraphFolder(collectionId: string | undefined, mailbox: string): string | undefined {
  const prefix = `graph:${mailbox.toLowerCase()}:`;
  return collectionId?.startsWith(prefix) && collectionId.length > prefix.length
    ? collectionId.slice(prefix.length)
    : undefined;
}

/** The Graph resource of the synced folder, in a form change notifications accept for it. */
function watchedResource(mailbox: string, kind: KindSpec, folderId: string): string {
  const user = `/users/${encodeURIComponent(mailbox)}`;
  const folder = encodeURIComponent(folderId);
  if (kind.exchangeFolder === 'calendar') return `${user}/calendars/${folder}/events`;
  if (kind.exchangeFolder === 'contacts') return `${user}/contactFolders/${folder}/contacts`;
  return `${user}/todo/lists/${folder}/tasks`;
}

export const defaultExchangeStores: ExchangeStoreFactory = createExchangeStores();

function graphTokens(
  { connection: c, secret, certificate }: OpenedConnection,
  authority: ResolvedAuthority,
  scope: string,
) {
  return new MsalTokenProvider({
    tenantId: c.entraTenantId ?? '',
    clientId: c.clientId ?? '',
    credential: graphCredential(c, secret, certificate),
    scopes: [scope],
    authority: authority.authority,
    ...(authority.knownAuthorities ? { knownAuthorities: authority.knownAuthorities } : {}),
    ...(authority.authorityMetadata ? { authorityMetadata: authority.authorityMetadata } : {}),
  });
}

function graphCredential(c: ExchangeConnection, secret: string | null, certificate: string | null): AppCredential {
  if (c.authKind === 'client_secret') {
    if (!secret) throw new ExchangeSetupError('The Graph connection has no client secret.');
    return { kind: 'secret', clientSecret: secret };
  }
  if (c.authKind !== 'certificate' || !certificate) {
    throw new ExchangeSetupError('The Graph connection needs a client secret or a certificate.');
  }
  const key = /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/.exec(
    certificate,
  );
  if (!key) throw new ExchangeSetupError('The Graph certificate PEM holds no private key; upload the key with it.');
  let thumbprint: string;
  try {
    thumbprint = new X509Certificate(certificate).fingerprint256.replaceAll(':', '');
  } catch {
    throw new ExchangeSetupError('The Graph certificate PEM holds no readable certificate.');
  }
  return { kind: 'certificate', privateKey: key[0], thumbprintSha256: thumbprint };
}

/** The id of the mailbox's default calendar, Contacts folder or To Do list; Graph stores need an id, not a well-known name. */
async function graphFolderId(client: GraphClient, mailbox: string, kind: KindSpec): Promise<string> {
  const user = encodeURIComponent(mailbox);
  if (kind.exchangeFolder === 'calendar') {
    const res = await client.request<{ id?: string }>({ method: 'GET', url: `/users/${user}/calendar?$select=id` });
    if (res.body?.id) return res.body.id;
  } else if (kind.exchangeFolder === 'tasks') {
    for await (const page of client.pages<{ id: string; wellknownListName?: string }>({
      method: 'GET',
      url: `/users/${user}/todo/lists`,
    })) {
      const list = page.find((l) => l.wellknownListName === 'defaultList');
      if (list) return list.id;
    }
  } else {
    const id = await defaultContactFolderId(client, user);
    if (id) return id;
  }
  throw new ExchangeSetupError(`The mailbox ${mailbox} has no default ${kind.exchangeFolder} in Microsoft Graph.`);
}

/**
 * Graph v1.0 documents no call that names the default Contacts folder, only one that reveals its id: a contact
 * listed by `GET /users/{id}/contacts` (which lists the default folder) carries it as `parentFolderId`.
 * `GET /users/{id}/contactFolders` is no help: folders created through Graph sit beside Contacts, not in it.
 * A mailbox without contacts falls back to the well-known name `contacts` (the default folder's `wellKnownName`
 * in Graph beta), read once for its real id, so the pair's collection id is the same whichever way was taken.
 */
async function defaultContactFolderId(client: GraphClient, user: string): Promise<string | undefined> {
  const listed = await client.request<{ value?: { parentFolderId?: string | null }[] }>({
    method: 'GET',
    url: `/users/${user}/contacts?$top=1&$select=parentFolderId`,
  });
  const id = listed.body?.value?.[0]?.parentFolderId;
  if (id) return id;
  const folder = await client.request<{ id?: string }>({
    method: 'GET',
    url: `/users/${user}/contactFolders/contacts?$select=id`,
  });
  return folder.body?.id;
}

/** The EWS credential of an opened connection (also used by EWS streaming notifications). */
export async function ewsAuth(
  { connection: c, secret }: OpenedConnection,
  authorityOf: (c: ExchangeConnection, entraTenantId: string) => Promise<ResolvedAuthority> = async (c, id) => {
    try {
      return await resolveAuthority(c.authority, id);
    } catch (error) {
      if (error instanceof AuthoritySetupError) throw new ExchangeSetupError(error.message);
      throw error;
    }
  },
): Promise<EwsAuth> {
  if (!secret)
    throw new ExchangeSetupError('The Exchange connection has no secret; set its password or client secret.');
  switch (c.authKind) {
    case 'basic':
    case 'ntlm':
      if (!c.username) throw new ExchangeSetupError('The EWS connection has no username.');
      return { kind: c.authKind, username: c.username, password: secret };
    case 'oauth': {
      if (!c.clientId || !c.entraTenantId) {
        throw new ExchangeSetupError('EWS OAuth needs entraTenantId and clientId on the Exchange connection.');
      }
      const authority = await authorityOf(c, c.entraTenantId);
      return {
        kind: 'oauth',
        clientId: c.clientId,
        clientSecret: secret,
        authority: authority.authority,
        ...(authority.knownAuthorities ? { knownAuthorities: authority.knownAuthorities } : {}),
        ...(authority.authorityMetadata ? { authorityMetadata: authority.authorityMetadata } : {}),
      };
    }
    default:
      throw new ExchangeSetupError(`EWS does not support the auth kind ${c.authKind}.`);
  }
}
