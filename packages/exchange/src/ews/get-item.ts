import { RetryableError } from '@exsync/core';
import { child, type XNode } from '@exsync/xml';
import { EXSYNC_MARKER_PROPERTY_NAME, EXSYNC_MARKER_PROPERTY_SET } from '../marker-property';
import { UID_PROPERTY_NAME } from './item-properties';
import type { ResponseMessage } from './soap-answer';
import { MESSAGES_NS, xmlAttribute } from './soap-envelope';

/**
 * GetItem requests of the read path, written as ews-javascript-api wrote them (AllProperties — the library's
 * FirstClassProperties —, bodies as text, and the properties AllProperties leaves out), so Exchange answers the
 * same; the answer is read by `item-snapshot.ts`.
 */
export type ReadShape = 'calendar' | 'addressbook' | 'tasks' | 'occurrence';

const field = (uri: string) => `<t:FieldURI FieldURI="${uri}"/>`;
const ours = (name: string) =>
  `<t:ExtendedFieldURI PropertySetId="${EXSYNC_MARKER_PROPERTY_SET}" PropertyName="${name}" PropertyType="String"/>`;

const CALENDAR_EXTRA = [
  'calendar:UID',
  'calendar:Recurrence',
  'calendar:ModifiedOccurrences',
  'calendar:DeletedOccurrences',
  'calendar:StartTimeZone',
  'calendar:EndTimeZone',
  'calendar:IsAllDayEvent',
].map(field);
const ITEM_EXTRA = [field('item:LastModifiedTime'), ours(EXSYNC_MARKER_PROPERTY_NAME), ours(UID_PROPERTY_NAME)];

const SHAPES: Record<ReadShape, string> = {
  calendar: shape([...CALENDAR_EXTRA, ...ITEM_EXTRA]),
  addressbook: shape(ITEM_EXTRA),
  tasks: shape(ITEM_EXTRA),
  // A modified occurrence: its own content only (its identity and series come from the master).
  occurrence: shape([]),
};

function shape(additional: readonly string[]): string {
  return (
    '<m:ItemShape><t:BaseShape>AllProperties</t:BaseShape><t:BodyType>Text</t:BodyType>' +
    (additional.length ? `<t:AdditionalProperties>${additional.join('')}</t:AdditionalProperties>` : '') +
    '</m:ItemShape>'
  );
}

/** The body of a GetItem for `ids`, one response message per id in this order. */
export function getItemRequest(ids: readonly string[], readShape: ReadShape): string {
  const itemIds = ids.map((id) => `<t:ItemId Id="${xmlAttribute(id)}"/>`).join('');
  return `<m:GetItem>${SHAPES[readShape]}<m:ItemIds>${itemIds}</m:ItemIds></m:GetItem>`;
}

/** The item a successful GetItem response message carries. */
export function answeredItem(m: ResponseMessage): XNode {
  const item = child(m.node, MESSAGES_NS, 'Items')?.children[0];
  if (!item) throw new RetryableError(`Exchange answered GetItem with ${m.responseClass} but without the item`);
  return item;
}
