import type { ContactGroupItem } from '@exsync/core';
import { BodyType, type ContactGroup, MessageBody } from 'ews-javascript-api';
import { clean } from './event-mapping';
import { applyWriters, type ItemWriter } from './item-writers';
import { stringList, xmlText } from './wire-values';

/** A contact group as EWS holds it (DistributionList): a name and one-off or linked members. */
export interface GroupSnapshot {
  type: 'DistributionList';
  itemId: string;
  changeKey: string;
  uid?: string;
  marker?: string;
  lastModified?: string;
  displayName?: string;
  body?: string;
  categories: string[];
  members: { address: string; name?: string }[];
}

export function groupFromSnapshot(s: GroupSnapshot, uid: string): ContactGroupItem {
  return clean({
    kind: 'group' as const,
    uid,
    name: s.displayName ?? '',
    members: s.members.map((m) => clean({ email: m.address, name: m.name })),
    notes: s.body,
    categories: s.categories,
  });
}

type Writer = ItemWriter<ContactGroup, ContactGroupItem>;

const WRITERS: readonly Writer[] = [
  {
    get: (g) => g.name,
    set: (e, g) => {
      e.DisplayName = xmlText(g.name);
    },
  },
  {
    get: (g) => g.notes,
    set: (e, g) => {
      e.Body = new MessageBody(BodyType.Text, xmlText(g.notes ?? ''));
    },
  },
  {
    get: (g) => g.categories,
    set: (e, g) => {
      e.Categories = stringList(g.categories);
    },
  },
  {
    // Members known only by UID (no address) cannot be written as one-offs; they stay on the other side only.
    get: (g) => g.members.filter((m) => m.email).map((m) => [m.email?.toLowerCase(), m.name]),
    set: (e, g) => {
      e.Members.Clear();
      for (const m of g.members) if (m.email) e.Members.AddOneOff(xmlText(m.name ?? m.email), xmlText(m.email));
    },
  },
];

export function writeGroup(e: ContactGroup, next: ContactGroupItem, base?: ContactGroupItem): number {
  return applyWriters(WRITERS, e, next, base);
}
