import {
  AppointmentSchema,
  BasePropertySet,
  ExtendedPropertyDefinition,
  Guid,
  ItemSchema,
  MapiPropertyType,
  PropertySet,
  TaskSchema,
} from 'ews-javascript-api';
import { EXSYNC_MARKER_PROPERTY_NAME, EXSYNC_MARKER_PROPERTY_SET } from '../marker-property';

/** Our marker: the status row id of an item exsync created (exchange.md §0.5, shared with Graph). */
export const MARKER_PROPERTY = new ExtendedPropertyDefinition(
  new Guid(EXSYNC_MARKER_PROPERTY_SET),
  EXSYNC_MARKER_PROPERTY_NAME,
  MapiPropertyType.String,
);

/**
 * The model's UID for contacts and tasks, which have no UID field in EWS. Same property set as the marker; items
 * created in Outlook lack it and take their ItemId as UID.
 */
export const UID_PROPERTY_NAME = 'ExsyncUid';
export const UID_PROPERTY = new ExtendedPropertyDefinition(
  new Guid(EXSYNC_MARKER_PROPERTY_SET),
  UID_PROPERTY_NAME,
  MapiPropertyType.String,
);

export function listShape(kind: 'calendar' | 'addressbook' | 'tasks'): PropertySet {
  if (kind === 'calendar')
    return new PropertySet(BasePropertySet.IdOnly, [
      AppointmentSchema.ICalUid,
      AppointmentSchema.AppointmentType,
      AppointmentSchema.Start,
    ]);
  if (kind === 'tasks')
    return new PropertySet(BasePropertySet.IdOnly, [TaskSchema.StartDate, TaskSchema.DueDate, UID_PROPERTY]);
  return new PropertySet(BasePropertySet.IdOnly, [ItemSchema.ItemClass, UID_PROPERTY]);
}

export function extendedValue(
  item: { ExtendedProperties: unknown },
  def: ExtendedPropertyDefinition,
): string | undefined {
  try {
    const out = { outValue: undefined as unknown };
    const props = item.ExtendedProperties as { TryGetValue(d: unknown, o: { outValue: unknown }): boolean };
    return props.TryGetValue(def, out) && typeof out.outValue === 'string' ? out.outValue : undefined;
  } catch {
    return undefined;
  }
}
