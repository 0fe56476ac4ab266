/**
 * JSON Schemas of the control API's bodies. Fastify (Ajv) checks them before a handler runs, so a wrong shape is a
 * 400 naming the field (`body/location must be string`) instead of a value stored as `[object Object]`.
 * Documented field by field in the package README ("Control API").
 */

const str = { type: 'string' } as const;
const bool = { type: 'boolean' } as const;
const int = { type: 'integer' } as const;
/** Times: an ISO 8601 date-time or epoch milliseconds (seed-input.ts turns strings into ms). */
const time = { anyOf: [{ type: 'string', minLength: 1 }, { type: 'number' }] } as const;
const strings = { type: 'array', items: str } as const;
const email = {
  type: 'object',
  required: ['address'],
  properties: { address: str, name: str },
  additionalProperties: false,
} as const;
const itemBody = {
  type: 'object',
  required: ['contentType', 'content'],
  properties: { contentType: { enum: ['text', 'html'] }, content: str },
  additionalProperties: false,
} as const;
const sensitivity = { enum: ['normal', 'personal', 'private', 'confidential'] } as const;
const importance = { enum: ['low', 'normal', 'high'] } as const;
const response = {
  enum: ['none', 'organizer', 'tentativelyAccepted', 'accepted', 'declined', 'notResponded'],
} as const;
/** Either the store's shape or the short one ({ address, name?, type?, response? }). */
const attendee = {
  type: 'object',
  properties: {
    emailAddress: email,
    address: str,
    name: str,
    type: { enum: ['required', 'optional', 'resource'] },
    response,
    status: {
      type: 'object',
      properties: { response, time: { type: 'number' } },
      required: ['response'],
      additionalProperties: false,
    },
  },
  anyOf: [{ required: ['emailAddress'] }, { required: ['address'] }],
  additionalProperties: false,
} as const;
const extendedProperty = {
  type: 'object',
  required: ['propertySetId', 'type', 'value'],
  properties: { propertySetId: str, name: str, id: int, type: str, value: { anyOf: [str, strings] } },
  additionalProperties: false,
} as const;
const address = {
  type: 'object',
  properties: { street: str, city: str, state: str, postalCode: str, countryOrRegion: str },
  additionalProperties: false,
} as const;
/** Graph's patternedRecurrence; checked by the store's recurrence rules once the shape is right. */
const recurrence = {
  type: 'object',
  required: ['pattern', 'range'],
  properties: { pattern: { type: 'object' }, range: { type: 'object' } },
  additionalProperties: false,
} as const;
const common = {
  id: str,
  folderId: str,
  categories: strings,
  extendedProperties: { type: 'array', items: extendedProperty },
} as const;

const eventFields = {
  ...common,
  subject: str,
  body: itemBody,
  location: str,
  start: time,
  end: time,
  timeZone: str,
  endTimeZone: str,
  isAllDay: bool,
  showAs: { enum: ['free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown'] },
  sensitivity,
  importance,
  isReminderOn: bool,
  reminderMinutesBeforeStart: int,
  attendees: { type: 'array', items: attendee },
  isCancelled: bool,
  uid: str,
  organizer: email,
  isOrganizer: bool,
  responseStatus: {
    type: 'object',
    properties: { response, time: { type: 'number' } },
    required: ['response'],
    additionalProperties: false,
  },
  recurrence: { anyOf: [recurrence, { type: 'null' }] },
  transactionId: str,
} as const;

const contactFields = {
  ...common,
  displayName: str,
  givenName: str,
  middleName: str,
  surname: str,
  nickName: str,
  title: str,
  generation: str,
  fileAs: str,
  emailAddresses: { type: 'array', items: email },
  businessPhones: strings,
  homePhones: strings,
  mobilePhone: str,
  otherPhones: strings,
  ewsOnlyPhones: { type: 'object', additionalProperties: str },
  businessAddress: address,
  homeAddress: address,
  otherAddress: address,
  companyName: str,
  department: str,
  jobTitle: str,
  birthday: str,
  personalNotes: str,
  imAddresses: strings,
  businessHomePage: str,
} as const;

const distributionListFields = {
  ...common,
  displayName: str,
  members: { type: 'array', items: email },
  body: itemBody,
} as const;

const taskFields = {
  ...common,
  title: str,
  body: itemBody,
  status: { enum: ['notStarted', 'inProgress', 'completed', 'waitingOnOthers', 'deferred'] },
  importance,
  dueDateTime: time,
  startDateTime: time,
  completedDateTime: time,
  reminderDateTime: time,
  isReminderOn: bool,
  percentComplete: { type: 'integer', minimum: 0, maximum: 100 },
  timeZone: str,
  recurrence: { anyOf: [recurrence, { type: 'null' }] },
  sensitivity,
} as const;

const closed = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});

export const ControlSchemas = {
  mailbox: closed({ smtpAddress: str, displayName: str, userPrincipalName: str, restEnabled: bool, id: str }, [
    'smtpAddress',
  ]),
  folder: closed({ kind: { enum: ['calendar', 'contacts', 'tasks'] }, displayName: str, parentId: str }, [
    'kind',
    'displayName',
  ]),
  /** The user's photo (EWS GetUserPhoto): the image bytes in base64 and their media type. */
  photo: closed({ data: { type: 'string', minLength: 1 }, contentType: str }, ['data']),
  event: closed(eventFields, ['start', 'end']),
  contact: closed(contactFields),
  distributionList: closed(distributionListFields),
  task: closed(taskFields),
  /** An item of any kind: the fields of that kind, plus the Outlook-side options. Checked per kind by the store. */
  itemPatch: {
    type: 'object',
    properties: {
      ...eventFields,
      ...contactFields,
      ...distributionListFields,
      ...taskFields,
      ifChangeKey: str,
      sendMail: { enum: ['invitation', 'update', 'cancellation'] },
    },
    additionalProperties: false,
  },
  occurrencePatch: closed({
    subject: str,
    body: itemBody,
    location: str,
    start: time,
    end: time,
    isAllDay: bool,
    showAs: eventFields.showAs,
    sensitivity,
    importance,
    isReminderOn: bool,
    reminderMinutesBeforeStart: int,
    categories: strings,
    attendees: eventFields.attendees,
    isCancelled: bool,
  }),
  move: closed({ folderId: str }, ['folderId']),
  clockAdvance: closed({ ms: { type: 'number' }, seconds: { type: 'number' } }),
  clockSet: closed({ now: { type: 'string', minLength: 1 } }, ['now']),
  fault: closed(
    {
      face: { enum: ['ews', 'graph', 'entra', 'control', 'other', 'any'] },
      method: str,
      path: str,
      operation: str,
      mailbox: str,
      count: { type: 'integer', minimum: 1 },
      action: {
        type: 'object',
        required: ['kind'],
        properties: {
          kind: { enum: ['status', 'error500', 'ewsServerBusy', 'slow', 'reset'] },
          status: { enum: [401, 403, 404, 429, 503, 504] },
          retryAfterSeconds: { type: 'number', minimum: 0 },
          code: str,
          body: { enum: ['json', 'soap', 'html', 'empty'] },
          channel: { enum: ['fault', 'inBand'] },
          backOffMs: { type: 'number', minimum: 0 },
          delayMs: { type: 'number', minimum: 0 },
        },
        additionalProperties: false,
      },
    },
    ['action'],
  ),
  lifecycle: closed({ event: { enum: ['missed', 'subscriptionRemoved', 'reauthorizationRequired'] } }, ['event']),
  deltaEvict: closed({ mailbox: str }),
  ewsStreaming: closed({
    streaming: { enum: ['on', 'refuse'] },
    heartbeatMs: { type: 'integer', minimum: 10 },
    idleExpiryMinutes: { type: 'integer', minimum: 1 },
    servers: { type: 'object', additionalProperties: str },
    defaultServer: str,
  }),
  ewsStreamingForget: closed({ mailbox: str }),
} as const;
