import type { Alarm } from './alarm';
import type { Attendee, Person } from './people';
import type { RecurrenceRule } from './recurrence';
import type { DateValue, Duration } from './temporal';

export type Sensitivity = 'public' | 'private' | 'confidential';
export type FreeBusy = 'free' | 'tentative' | 'busy' | 'out-of-office' | 'working-elsewhere';

export interface AttachmentRef {
  readonly uri: string;
  readonly filename?: string;
  readonly mediaType?: string;
}

/** What one occurrence (or a single event) says. Shared by the series master and its exceptions. */
export interface EventOccurrenceData {
  readonly summary?: string;
  readonly description?: string;
  readonly location?: string;
  readonly url?: string;
  /** All-day events have `date` starts; `end` is exclusive as in RFC 5545. */
  readonly start: DateValue;
  readonly end?: DateValue;
  /** Kept only when the source used DURATION instead of DTEND. */
  readonly duration?: Duration;
  readonly status?: 'tentative' | 'confirmed' | 'cancelled';
  readonly freeBusy?: FreeBusy;
  readonly sensitivity?: Sensitivity;
  readonly priority?: number;
  readonly categories: readonly string[];
  readonly organizer?: Person;
  readonly attendees: readonly Attendee[];
  readonly reminders: readonly Alarm[];
  readonly attachments: readonly AttachmentRef[];
}

/** An exception of a series: a moved or edited occurrence, identified by its original start. */
export interface EventException extends EventOccurrenceData {
  readonly recurrenceId: DateValue;
}

/**
 * A single event or a whole recurring series (master + exceptions + deleted occurrences): the unit of sync.
 *
 * A third shape: occurrences of a series whose master this store does not hold (RFC 5545 §3.8.4.4; CalDAV servers
 * hold these for invitations to single occurrences). Then `recurrenceId` is set and names the occurrence the item
 * itself describes, `exceptions` are the further occurrences, each with its own RECURRENCE-ID, and `recurrence`,
 * `recurrenceDates` and `excludedDates` are empty: there is no rule to expand, only these occurrences.
 */
export interface EventItem extends EventOccurrenceData {
  readonly kind: 'event';
  readonly uid: string;
  /** Set only for occurrences without their master (see above): the original start of the first one. */
  readonly recurrenceId?: DateValue;
  readonly recurrence?: RecurrenceRule;
  readonly recurrenceDates: readonly DateValue[];
  /** Deleted occurrences (EXDATE / Exchange DeletedOccurrences). */
  readonly excludedDates: readonly DateValue[];
  readonly exceptions: readonly EventException[];
}
