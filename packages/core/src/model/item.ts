import type { ContactGroupItem, ContactItem } from './contact';
import type { EventItem } from './event';
import type { TaskItem } from './task';

/** Every item the engine moves. The discriminant `kind` is the model's only notion of type. */
export type PimItem = EventItem | TaskItem | ContactItem | ContactGroupItem;
export type ItemKind = PimItem['kind'];

/** What a collection holds: calendars hold events, task lists tasks, address books contacts and groups. */
export type CollectionKind = 'calendar' | 'tasks' | 'addressbook';

export const itemKindsOf: Record<CollectionKind, readonly ItemKind[]> = {
  calendar: ['event'],
  tasks: ['task'],
  addressbook: ['contact', 'group'],
};
