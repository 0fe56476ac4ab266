/**
 * EWS error codes the simulator emits, with the message text Exchange uses. Two channels exist (reference §1.9):
 * a request-level SOAP fault (`EwsFault`, HTTP 500) and an in-band `ResponseClass="Error"` message
 * (`EwsItemError`, HTTP 200), raised by an operation for one input id and caught by the operation's loop.
 */
export const EWS_MESSAGES = {
  ErrorAccessDenied: 'Access is denied. Check credentials and try again.',
  ErrorAffectedTaskOccurrencesRequired: 'The AffectedTaskOccurrences attribute is required for task items.',
  ErrorCalendarFolderIsInvalidForCalendarView: 'The specified folder is not a calendar folder.',
  ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange: 'The occurrence index is out of the recurrence range.',
  ErrorCalendarOccurrenceIsDeletedFromRecurrence: 'The occurrence has been deleted from the recurrence.',
  ErrorCalendarViewRangeTooBig: 'The time window specified is larger than the maximum allowed range of two years.',
  ErrorChangeKeyRequiredForWriteOperations: 'When making a write operation, a change key is required.',
  ErrorCorruptData: 'The data is corrupt.',
  ErrorFolderNotFound: 'The specified folder could not be found in the store.',
  ErrorFolderExists: 'A folder with the specified name already exists.',
  ErrorDeleteDistinguishedFolder: 'Distinguished folders cannot be deleted.',
  ErrorImpersonationDenied:
    'The server to which the application is connected cannot impersonate the requested user due to insufficient permission.',
  ErrorImpersonateUserDenied: 'The account does not have permission to impersonate the requested user.',
  ErrorIncorrectUpdatePropertyCount:
    'An object within a change description must contain one and only one property to modify.',
  ErrorInvalidExchangeImpersonationHeaderData:
    'ExchangeImpersonation SOAP header must be present for this type of OAuth token.',
  ErrorInvalidIdMalformed: 'Id is malformed.',
  ErrorInvalidPropertyAppend: 'This property does not support append.',
  ErrorInvalidOperation: 'The operation is not valid.',
  ErrorInvalidPropertyRequest: 'The property request is invalid.',
  ErrorInvalidPropertySet: 'The property set is invalid.',
  ErrorInvalidRecurrence: 'The recurrence pattern is invalid.',
  ErrorInvalidRestriction: 'The restriction is invalid: restrictions cannot be combined with a CalendarView.',
  ErrorInvalidRequest: 'The request is invalid.',
  ErrorInvalidServerVersion: 'The specified server version is invalid.',
  ErrorInvalidSubscriptionRequest: 'A subscription can cover the folders of one mailbox only.',
  ErrorInvalidSyncStateData: 'Synchronization state data is corrupt or otherwise invalid.',
  ErrorIrresolvableConflict:
    'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.',
  ErrorItemNotFound: 'The specified object was not found in the store.',
  ErrorItemSave: 'The item could not be saved.',
  ErrorMimeContentConversionFailed: 'Content conversion failed.',
  ErrorMissingInformationReferenceItemId: 'Required information is missing.',
  ErrorNonExistentMailbox: 'The SMTP address has no mailbox associated with it.',
  ErrorSchemaValidation: 'The request failed schema validation.',
  ErrorSendMeetingInvitationsRequired: 'SendMeetingInvitations attribute is required for calendar items.',
  ErrorSendMeetingInvitationsOrCancellationsRequired:
    'SendMeetingInvitationsOrCancellations attribute is required for calendar items.',
  ErrorSendMeetingCancellationsRequired: 'SendMeetingCancellations attribute is required for calendar items.',
  ErrorServerBusy: 'The server cannot service this request right now. Try again later.',
  ErrorStaleObject: 'The change key passed in the request does not match the current change key for the item.',
  ErrorSubscriptionNotFound: 'The specified subscription was not found.',
  ErrorSyncFolderNotFound: 'The specified folder could not be found in the store.',
  ErrorUnsupportedMimeConversion: 'Exchange Web Services does not support MIME conversion for this item type.',
  ErrorValueOutOfRange: 'The value is out of range.',
  ErrorInternalServerError: 'An internal server error occurred. The operation failed.',
} as const;

export type EwsCode = keyof typeof EWS_MESSAGES;

export interface EwsErrorDetail {
  readonly code: EwsCode;
  readonly message: string;
  /** `t:Value` entries of MessageXml, e.g. BackOffMilliseconds. */
  readonly values?: Readonly<Record<string, string>>;
}

/** A request-level failure rendered as a SOAP fault. */
export class EwsFault extends Error implements EwsErrorDetail {
  override readonly name = 'EwsFault';
  constructor(
    readonly code: EwsCode,
    message?: string,
    readonly values?: Readonly<Record<string, string>>,
    readonly httpStatus = 500,
  ) {
    super(message ?? EWS_MESSAGES[code]);
  }
}

/** A failure of one response message, rendered in-band with ResponseClass="Error". */
export class EwsItemError extends Error implements EwsErrorDetail {
  override readonly name = 'EwsItemError';
  constructor(
    readonly code: EwsCode,
    message?: string,
    readonly values?: Readonly<Record<string, string>>,
  ) {
    super(message ?? EWS_MESSAGES[code]);
  }
}
