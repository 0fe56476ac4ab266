import type { Alarm } from './alarm';
import type { Sensitivity } from './event';
import type { RecurrenceRule } from './recurrence';
import type { DateValue } from './temporal';

export type TaskStatus = 'needs-action' | 'in-process' | 'completed' | 'cancelled';

export interface TaskItem {
  readonly kind: 'task';
  readonly uid: string;
  readonly summary?: string;
  readonly description?: string;
  readonly url?: string;
  readonly start?: DateValue;
  readonly due?: DateValue;
  /** When it was completed, a UTC instant. */
  readonly completed?: DateValue;
  readonly percentComplete?: number;
  /** RFC 5545 priority: 0 undefined, 1 highest … 9 lowest. Exchange's High/Normal/Low map to 1/5/9. */
  readonly priority?: number;
  readonly status: TaskStatus;
  readonly sensitivity?: Sensitivity;
  readonly categories: readonly string[];
  readonly recurrence?: RecurrenceRule;
  readonly reminders: readonly Alarm[];
  /** UID of a parent task (RELATED-TO;RELTYPE=PARENT). */
  readonly parentUid?: string;
}
