import type { Alarm, DateValue, TaskItem } from '@exsync/core';
import { BodyType, Importance, MessageBody, Sensitivity, type Task, TaskStatus } from 'ews-javascript-api';
import { clean } from './event-mapping';
import { ewsSensitivityOf, importanceOf, priorityOf, sensitivityOf } from './importance-sensitivity';
import { applyWriters, type ItemWriter } from './item-writers';
import { dateTimeOf, enumName, instantOf, isoOf, read, stringList, stringsOf, xmlText } from './wire-values';

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
}

export function snapshotTask(t: Task): Omit<TaskSnapshot, 'type' | 'itemId' | 'changeKey'> {
  return clean({
    subject: read(() => t.Subject),
    body: read(() => t.Body?.Text) || undefined,
    startDate: isoOf(read(() => t.StartDate)),
    dueDate: isoOf(read(() => t.DueDate)),
    completeDate: isoOf(read(() => t.CompleteDate)),
    percentComplete: read(() => t.PercentComplete) || undefined,
    status: enumName(
      TaskStatus as never,
      read(() => t.Status),
    ),
    importance: enumName(
      Importance as never,
      read(() => t.Importance),
    ),
    sensitivity: enumName(
      Sensitivity as never,
      read(() => t.Sensitivity),
    ),
    categories: stringsOf(read(() => t.Categories)),
    reminderDueBy: read(() => t.IsReminderSet) ? isoOf(read(() => t.ReminderDueBy)) : undefined,
  });
}

const STATUS: Record<string, TaskItem['status']> = {
  NotStarted: 'needs-action',
  InProgress: 'in-process',
  WaitingOnOthers: 'in-process',
  Deferred: 'needs-action',
  Completed: 'completed',
};

const utc = (iso: string | undefined): DateValue | undefined => (iso ? { kind: 'utc', dateTime: iso } : undefined);

export function taskFromSnapshot(s: TaskSnapshot, uid: string): TaskItem {
  const reminders: Alarm[] = s.reminderDueBy
    ? [{ action: 'display', trigger: { absolute: { kind: 'utc', dateTime: s.reminderDueBy } } }]
    : [];
  return clean({
    kind: 'task' as const,
    uid,
    summary: s.subject,
    description: s.body,
    start: utc(s.startDate),
    due: utc(s.dueDate),
    completed: utc(s.completeDate),
    percentComplete: s.percentComplete,
    priority: priorityOf(s.importance),
    status: (s.status && STATUS[s.status]) || 'needs-action',
    sensitivity: sensitivityOf(s.sensitivity),
    categories: s.categories,
    reminders,
  });
}

const at = (v: DateValue | undefined) => (v ? dateTimeOf(new Date(instantOf(v)).toISOString()) : (null as never));

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
      e.StartDate = at(t.start);
    },
  },
  {
    get: (t) => t.due,
    set: (e, t) => {
      e.DueDate = at(t.due);
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
function reminderAt(t: TaskItem): number | undefined {
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

export function writeTask(e: Task, next: TaskItem, base?: TaskItem): number {
  return applyWriters(WRITERS, e, next, base);
}
