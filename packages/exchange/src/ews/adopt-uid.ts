import { NotFoundError } from '@exsync/core';
import { EXSYNC_MARKER_PROPERTY_SET } from '../marker-property';
import { classifyEwsError } from './classify-error';
import { UID_PROPERTY_NAME } from './item-properties';
import { isMalformedId } from './malformed-id';
import { messageError, type ResponseMessage } from './soap-answer';
import { xmlAttribute } from './soap-envelope';
import { xmlText } from './wire-values';

/** The item types a contact or task folder holds, as EWS names their elements in SetItemField. */
export type UidHolderType = 'Contact' | 'DistributionList' | 'Task';

const UID_FIELD = `<t:ExtendedFieldURI PropertySetId="${EXSYNC_MARKER_PROPERTY_SET}" PropertyName="${UID_PROPERTY_NAME}" PropertyType="String"/>`;

/**
 * The UpdateItem that gives one contact, group or task our ExsyncUid — written by us, not through the library's Bind
 * and Update (two round trips and its XML DOM for every contact and task made in Outlook, a third of an initial
 * cycle's CPU). The ChangeKey the item was read at goes with it, under NeverOverwrite: if Outlook changed the item
 * since, Exchange refuses with ErrorIrresolvableConflict instead of writing over a version we have not seen.
 */
export function adoptUidRequest(itemId: string, changeKey: string, type: UidHolderType, uid: string): string {
  const value = `<t:${type}><t:ExtendedProperty>${UID_FIELD}<t:Value>${xmlText(uid)}</t:Value></t:ExtendedProperty></t:${type}>`;
  return (
    '<m:UpdateItem ConflictResolution="NeverOverwrite"><m:ItemChanges><t:ItemChange>' +
    `<t:ItemId Id="${xmlAttribute(itemId)}" ChangeKey="${xmlAttribute(changeKey)}"/>` +
    `<t:Updates><t:SetItemField>${UID_FIELD}${value}</t:SetItemField></t:Updates>` +
    '</t:ItemChange></m:ItemChanges></m:UpdateItem>'
  );
}

/**
 * Whether the answer says the UID was set: false when the item changed since it was read (the next run, which reads
 * the new version, tries again); a missing item is NotFoundError, any other error what it stands for.
 */
export function uidAdopted(messages: readonly ResponseMessage[]): boolean {
  const [m] = messages;
  if (!m) throw classifyEwsError(undefined);
  if (m.responseClass === 'Success') return true;
  if (m.code === 'ErrorIrresolvableConflict') return false;
  if (isMalformedId(m.code)) throw new NotFoundError(`Exchange has no item with that id (${m.code})`);
  throw classifyEwsError(messageError(m));
}
