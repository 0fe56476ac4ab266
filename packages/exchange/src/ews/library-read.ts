import {
  Appointment,
  AppointmentType,
  Contact,
  ContactGroup,
  type ExchangeService,
  type Item,
  ItemId,
  ServiceResult,
  Task,
} from 'ews-javascript-api';
import { snapshotContact } from './contact-mapping';
import { clean, snapshotFields, snapshotRecurrence } from './event-mapping';
import { snapshotGroup } from './group-mapping';
import { extendedValue, fullShape, MARKER_PROPERTY, occurrenceShape, UID_PROPERTY } from './item-properties';
import type { Snapshot } from './item-snapshot';
import { snapshotTask } from './task-mapping';
import { isoOf, read } from './wire-values';

/**
 * Test support, to be removed with the library read path: the snapshot of one item as ews-javascript-api's object
 * model gave it (the store's read path before `item-snapshot.ts`), for the differential test.
 */
export async function librarySnapshot(
  svc: ExchangeService,
  kind: 'calendar' | 'addressbook' | 'tasks',
  href: string,
): Promise<Snapshot | undefined> {
  const responses = await svc.BindToItems([new ItemId(href)], fullShape(kind));
  const r = responses.Responses[0];
  if (!r || r.Result !== ServiceResult.Success) return undefined;
  const item: Item = r.Item;
  const common = {
    itemId: item.Id.UniqueId,
    changeKey: item.Id.ChangeKey,
    marker: extendedValue(item, MARKER_PROPERTY),
    lastModified: isoOf(read(() => item.LastModifiedTime)),
  };
  if (item instanceof Appointment) {
    const modified = read(() => item.ModifiedOccurrences?.GetEnumerator()) ?? [];
    const exceptions = modified.length
      ? await svc.BindToItems(
          modified.map((o) => new ItemId(o.ItemId.UniqueId)),
          occurrenceShape(),
        )
      : undefined;
    return clean({
      type: 'CalendarItem' as const,
      ...common,
      uid: read(() => item.ICalUid),
      appointmentType: AppointmentType[read(() => item.AppointmentType) ?? AppointmentType.Single],
      ...snapshotFields(item),
      recurrence: snapshotRecurrence(item),
      deletedOccurrences: (read(() => item.DeletedOccurrences?.GetEnumerator()) ?? []).flatMap((d) => {
        const iso = isoOf(d.OriginalStart);
        return iso ? [iso] : [];
      }),
      modifiedOccurrences: modified.flatMap((o, k) => {
        const x = exceptions?.Responses[k];
        const original = isoOf(o.OriginalStart);
        if (!original) return [];
        const fields =
          x?.Result === ServiceResult.Success
            ? snapshotFields(x.Item as Appointment)
            : { categories: [], attendees: [] };
        return [{ itemId: o.ItemId.UniqueId, originalStart: original, ...fields }];
      }),
    });
  }
  const uid = extendedValue(item, UID_PROPERTY);
  if (item instanceof ContactGroup)
    return clean({ type: 'DistributionList' as const, ...common, uid, ...snapshotGroup(item) });
  if (item instanceof Contact) return clean({ type: 'Contact' as const, ...common, uid, ...snapshotContact(item) });
  if (item instanceof Task) return clean({ type: 'Task' as const, ...common, uid, ...snapshotTask(item) });
  return undefined;
}
