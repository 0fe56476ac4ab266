import type { CollectionKind } from '@exsync/core';
import type { DavComponent } from '@exsync/dav';
import type { ItemKind } from '@exsync/db';
import type { ItemKindName } from '../settings';

/** Everything that differs between the three item kinds, in one table. */
export interface KindSpec {
  readonly name: ItemKindName;
  /** The `item_kind` of its collection pairs. */
  readonly itemKind: ItemKind;
  readonly collectionKind: CollectionKind;
  /** The Exchange distinguished folder. */
  readonly exchangeFolder: 'calendar' | 'contacts' | 'tasks';
  readonly dav: { readonly type: 'calendar' | 'addressbook'; readonly components?: readonly DavComponent[] };
  /** Last path segment of the Nextcloud collection the sync creates in the user's home. */
  readonly slug: string;
  readonly displayName: string;
}

export const KINDS: Readonly<Record<ItemKindName, KindSpec>> = {
  events: {
    name: 'events',
    itemKind: 'event',
    collectionKind: 'calendar',
    exchangeFolder: 'calendar',
    dav: { type: 'calendar', components: ['VEVENT'] },
    slug: 'exchange-calendar',
    displayName: 'Exchange Calendar',
  },
  tasks: {
    name: 'tasks',
    itemKind: 'task',
    collectionKind: 'tasks',
    exchangeFolder: 'tasks',
    dav: { type: 'calendar', components: ['VTODO'] },
    slug: 'exchange-tasks',
    displayName: 'Exchange Tasks',
  },
  contacts: {
    name: 'contacts',
    itemKind: 'contact',
    collectionKind: 'addressbook',
    exchangeFolder: 'contacts',
    dav: { type: 'addressbook' },
    slug: 'exchange-contacts',
    displayName: 'Exchange Contacts',
  },
};
