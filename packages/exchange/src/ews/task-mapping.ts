import type { Alarm, DateValue, TaskItem } from '@exsync/core';
import { BodyType, MessageBody, type Task, TaskStatus } from 'ews-javascript-api';
import { clean, patternOf, type RecurrenceSnapshot, ruleFromSnapshot } from './event-mapping';
import { ewsSensitivityOf, importanceOf, priorityOf, sensitivityOf } from './importance-sensitivity';
import { applyWriters, type ItemWriter } from './item-writers';
import { dateTimeOf, instantOf, stringList, xmlText } from './wire-values';

export interface TaskSnapshot {
  type: 'Task';
  itemId: string;
  changeKey: string;
  uid?: string;
  marker?: string;
  lastModified?: string;
  subject?: string;
  body?: string;
  startDate?: string;
  dueDate?: string;
  completeDate?: string;
  percentComplete?: number;
  status?: string;
  importance?: string;
  sensitivity?: string;
  categories: string[];
  reminderDueBy?: string;
  recurrence?: RecurrenceSnapshot;
}

const STATUS: Record<string, TaskItem['status']> = {
  NotStarted: 'needs-action',
  InProgress: 'in-process',
  WaitingOnOthers: 'in-process',
  Deferred: 'needs-action',
  Completed: 'completed',
};

const utc = (iso: string | undefined): DateValue | undefined => (iso ? { kind: 'utc', dateTime: iso } : undefined);

/**
 * Outlook tasks have due and start dates, not times: Exchange keeps local midnight of the day, which EWS hands over
 * as a UTC instant (the evening before for a mailbox east of UTC). The nearest UTC midnight is that day for every
 * zone from UTC-12 to UTC+12.
 */
const dayOf = (iso: string | undefined): DateValue | undefined => {
  if (!iso) return undefined;
  const nearest = Math.round(Date.parse(iso) / 86_400_000) * 86_400_000;
  return { kind: 'date', date: new Date(nearest).toISOString().slice(0, 10) };
};

export function taskFromSnapshot(s: TaskSnapshot, uid: string): TaskItem {
  const reminders: Alarm[] = s.reminderDueBy
    ? [{ action: 'display', trigger: { absolute: { kind: 'utc', dateTime: s.reminderDueBy } } }]
    : [];
  return clean({
    kind: 'task' as const,
    uid,
    summary: s.subject,
    description: s.body,
    start: dayOf(s.startDate),
    due: dayOf(s.dueDate),
    completed: utc(s.completeDate),
    percentComplete: s.percentComplete,
    priority: priorityOf(s.importance),
    status: (s.status && STATUS[s.status]) || 'needs-action',
    sensitivity: sensitivityOf(s.sensitivity),
    categories: s.categories,
    ...(s.recurrence ? { recurrence: ruleFromSnapshot(s.recurrence, undefined) } : {}),
    reminders,
  });
}

const at = (v: DateValue | undefined) => (v ? dateTimeOf(new Date(instantOf(v)).toISOString()) : (null as never));
/** A due or start date as Exchange holds it: the day (in the value's own zone), at midnight. */
const day = (v: DateValue | undefined) => (v ? dateTimeOf(`${taskDay(v)}T00:00:00Z`) : (null as never));

type Writer = ItemWriter<Task, TaskItem>;

const WRITERS: readonly Writer[] = [
  {
    get: (t) => t.summary,
    set: (e, t) => {
      e.Subject = t.summary ? xmlText(t.summary) : (null as never);
    },
  },
  {
    get: (t) => t.description,
    set: (e, t) => {
      e.Body = new MessageBody(BodyType.Text, xmlText(t.description ?? ''));
    },
  },
  {
    get: (t) => t.start,
    set: (e, t) => {
      e.StartDate = day(t.start);
    },
  },
  {
    get: (t) => t.due,
    set: (e, t) => {
      e.DueDate = day(t.due);
    },
  },
  {
    get: (t) => [t.status, t.percentComplete, t.completed],
    set: (e, t) => {
      e.Status =
        t.status === 'completed'
          ? TaskStatus.Completed
          : t.status === 'in-process'
            ? TaskStatus.InProgress
            : t.status === 'cancelled'
              ? TaskStatus.Deferred
              : TaskStatus.NotStarted;
      if (t.status !== 'completed' && t.percentComplete !== undefined) e.PercentComplete = t.percentComplete;
      // Exchange keeps a completion date only on a completed task.
      if (t.status === 'completed' && t.completed) e.CompleteDate = at(t.completed);
    },
  },
  {
    // The range starts on the due day (or the start day): Exchange needs a start date for a task's pattern.
    get: (t) => (taskAnchor(t) ? t.recurrence : undefined),
    set: (e, t) => {
      const anchor = taskAnchor(t);
      e.Recurrence = t.recurrence && anchor ? patternOf(t.recurrence, anchor) : (null as never);
    },
  },
  {
    get: (t) => t.priority,
    set: (e, t) => {
      e.Importance = importanceOf(t.priority);
    },
  },
  {
    get: (t) => t.sensitivity,
    set: (e, t) => {
      e.Sensitivity = ewsSensitivityOf(t.sensitivity);
    },
  },
  {
    get: (t) => t.categories,
    set: (e, t) => {
      e.Categories = stringList(t.categories);
    },
  },
  {
    get: (t) => reminderAt(t),
    set: (e, t) => {
      const when = reminderAt(t);
      e.IsReminderSet = when !== undefined;
      if (when !== undefined) e.ReminderDueBy = dateTimeOf(new Date(when).toISOString());
    },
  },
];

/** Exchange's one task reminder is absolute; a relative one is anchored on due (or start). */
export function reminderAt(t: TaskItem): number | undefined {
  const r = t.reminders[0];
  if (!r) return undefined;
  if ('absolute' in r.trigger) return instantOf(r.trigger.absolute);
  const anchor = t.due ?? t.start;
  if (!anchor) return undefined;
  const m = /^(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(r.trigger.relative);
  if (!m) return undefined;
  const ms = (Number(m[2] ?? 0) * 1440 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0)) * 60_000;
  return instantOf(anchor) + (m[1] ? -ms : ms);
}

/** The day a task's recurrence starts on: its start, else its due date. */
export function taskAnchor(t: TaskItem): DateValue | undefined {
  const v = t.start ?? t.due;
  return v ? { kind: 'date', date: taskDay(v) } : undefined;
}

/** The calendar day of a due or start value: a date as is, a time on its own wall clock (UTC for instants). */
export function taskDay(v: DateValue): string {
  return v.kind === 'date' ? v.date : v.dateTime.slice(0, 10);
}

export function writeTask(e: Task, next: TaskItem, base?: TaskItem): number {
  return applyWriters(WRITERS, e, next, base);
}
