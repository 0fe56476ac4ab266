export type { Alarm } from './alarm';
export type { Capabilities, FieldCapabilities, FieldHolding, IdentityField } from './capabilities';
export { coupledFieldsOf, heldField, holdingOf, normalisedField, notHeldField, projectItem } from './capabilities';
export { capabilitiesMarkdown } from './capabilities-doc';
export type {
  ContactGroupItem,
  ContactItem,
  GroupMember,
  Photo,
  PostalAddress,
  StructuredName,
  TypedValue,
} from './contact';
export { effectiveEnd } from './effective-end';
export type {
  AttachmentRef,
  EventException,
  EventItem,
  EventOccurrenceData,
  FreeBusy,
  Sensitivity,
} from './event';
export type { CollectionKind, ItemKind, PimItem } from './item';
export { itemKindsOf } from './item';
export type { Attendee, AttendeeRole, ParticipationStatus, Person } from './people';
export type { RecurrenceRule, Weekday } from './recurrence';
export type { TaskItem, TaskStatus } from './task';
export type { DateValue, Duration, PartialDate, SyncWindow } from './temporal';
export { intlOffsetAt, utcOffsetAt, utcToWallClock, wallClockToUtc } from './wall-clock';
