import { AuthError, RetryableError } from '@exsync/core';
import { EXSYNC_MARKER_PROPERTY_SET } from '../marker-property';
import { classifyEwsError } from './classify-error';
import { UID_PROPERTY_NAME } from './item-properties';
import { isMalformedId } from './malformed-id';
import { messageError, messagesForEach, type ResponseMessage } from './soap-answer';
import { xmlAttribute } from './soap-envelope';
import { xmlText } from './wire-values';

/** The item types a contact or task folder holds, as EWS names their elements in SetItemField. */
export type UidHolderType = 'Contact' | 'DistributionList' | 'Task';

const UID_FIELD = `<t:ExtendedFieldURI PropertySetId="${EXSYNC_MARKER_PROPERTY_SET}" PropertyName="${UID_PROPERTY_NAME}" PropertyType="String"/>`;

/** One item to give its ExsyncUid, at the version it was read at. */
export interface UidAdoption {
  readonly itemId: string;
  readonly changeKey: string;
  readonly type: UidHolderType;
  readonly uid: string;
}

/**
 * The UpdateItem that gives contacts, groups and tasks made in Outlook our ExsyncUid — one ItemChange each, so a
 * folder's items take one request, not one apiece (EWS batches updates in the same operation: "Process calendar
 * items in batches in Exchange", UpdateItem with several ItemChange elements, answered one message each in order).
 * Written by us, not through the library's Bind and Update (two round trips and its XML DOM for every item). The
 * ChangeKey each item was read at goes with it, under NeverOverwrite: if Outlook changed the item since, Exchange
 * refuses that change with ErrorIrresolvableConflict instead of writing over a version we have not seen — which also
 * makes a resent batch harmless (what the first attempt wrote has a new ChangeKey, and is refused).
 */
export function adoptUidsRequest(adoptions: readonly UidAdoption[]): string {
  const changes = adoptions.map(({ itemId, changeKey, type, uid }) => {
    const value = `<t:${type}><t:ExtendedProperty>${UID_FIELD}<t:Value>${xmlText(uid)}</t:Value></t:ExtendedProperty></t:${type}>`;
    return (
      `<t:ItemChange><t:ItemId Id="${xmlAttribute(itemId)}" ChangeKey="${xmlAttribute(changeKey)}"/>` +
      `<t:Updates><t:SetItemField>${UID_FIELD}${value}</t:SetItemField></t:Updates></t:ItemChange>`
    );
  });
  return `<m:UpdateItem ConflictResolution="NeverOverwrite"><m:ItemChanges>${changes.join('')}</m:ItemChanges></m:UpdateItem>`;
}

/**
 * How many of `count` items the answer says were given their UID. An item changed since it was read (the next run,
 * which reads the new version, tries again), deleted, or refused for a reason of its own is left out; a refused
 * login or a busy server ends the batch as it would any request (what it did write stays written). An answer whose
 * messages do not pair up with the items asked is unreadable, and retried.
 */
export function uidsAdopted(messages: readonly ResponseMessage[], count: number): number {
  let adopted = 0;
  for (const m of messagesForEach(messages, count, 'UpdateItem')) {
    if (m.responseClass === 'Success') {
      adopted++;
      continue;
    }
    if (m.code === 'ErrorIrresolvableConflict' || isMalformedId(m.code)) continue;
    const error = classifyEwsError(messageError(m));
    if (error instanceof AuthError || error instanceof RetryableError) throw error;
  }
  return adopted;
}
