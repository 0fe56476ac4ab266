import type { CollectionStore } from '@exsync/core';
import type { ExchangeConnection } from '@exsync/db';
import { type EwsAuth, EwsCollectionStore } from '@exsync/exchange';
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
}

/** Builds the Exchange side of one pair. A seam: tests and future backends plug in here. */
export type ExchangeStoreFactory = (input: {
  readonly connection: OpenedConnection;
  /** SMTP address of the user's mailbox. */
  readonly mailbox: string;
  readonly kind: KindSpec;
}) => ExchangeSide | Promise<ExchangeSide>;

/** The Exchange connection cannot serve this sync; the message says what to fix. */
export class ExchangeSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExchangeSetupError';
  }
}

/** EWS with impersonation of the user's mailbox. Graph connections are refused with a clear message (see report). */
export const defaultExchangeStores: ExchangeStoreFactory = ({ connection, mailbox, kind }) => {
  const c = connection.connection;
  if (c.kind !== 'ews') {
    throw new ExchangeSetupError(
      'Microsoft Graph connections are not yet wired into the sync runtime; use an EWS connection for now.',
    );
  }
  if (!c.endpoint) throw new ExchangeSetupError('The EWS connection has no url; set it on the Exchange connection.');
  return {
    store: new EwsCollectionStore({ url: c.endpoint, auth: ewsAuth(connection), mailbox, folder: kind.exchangeFolder }),
    collectionId: `ews:${mailbox.toLowerCase()}:${kind.exchangeFolder}`,
  };
};

function ewsAuth({ connection: c, secret }: OpenedConnection): EwsAuth {
  if (!secret)
    throw new ExchangeSetupError('The Exchange connection has no secret; set its password or client secret.');
  switch (c.authKind) {
    case 'basic':
    case 'ntlm':
      if (!c.username) throw new ExchangeSetupError('The EWS connection has no username.');
      return { kind: c.authKind, username: c.username, password: secret };
    case 'oauth':
      if (!c.clientId || !c.entraTenantId) {
        throw new ExchangeSetupError('EWS OAuth needs entraTenantId and clientId on the Exchange connection.');
      }
      return {
        kind: 'oauth',
        clientId: c.clientId,
        clientSecret: secret,
        authority: `https://login.microsoftonline.com/${c.entraTenantId}`,
      };
    default:
      throw new ExchangeSetupError(`EWS does not support the auth kind ${c.authKind}.`);
  }
}
