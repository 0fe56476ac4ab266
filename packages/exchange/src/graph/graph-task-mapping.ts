import type { Alarm, DateValue, TaskItem, TaskStatus } from '@exsync/core';
import {
  type DateTimeTimeZone,
  dateOfValue,
  dateValueOf,
  graphDateTime,
  instantOfGraph,
  instantOfValue,
} from './graph-datetime';
import { minutesBefore } from './graph-event-mapping';
import { type GraphRecurrence, ruleFromGraph, ruleToGraph } from './graph-recurrence';
import { htmlToText } from './html-text';

/** The parts of a To Do `todoTask` the mapping reads. */
export interface GraphTask {
  readonly id: string;
  readonly '@odata.etag'?: string;
  readonly title?: string | null;
  readonly body?: { readonly content?: string; readonly contentType?: string } | null;
  readonly status?: string;
  readonly importance?: string;
  readonly categories?: readonly string[];
  readonly dueDateTime?: DateTimeTimeZone | null;
  readonly startDateTime?: DateTimeTimeZone | null;
  readonly completedDateTime?: DateTimeTimeZone | null;
  readonly reminderDateTime?: DateTimeTimeZone | null;
  readonly isReminderOn?: boolean;
  readonly recurrence?: GraphRecurrence | null;
  readonly lastModifiedDateTime?: string;
}

const STATUS_IN: Record<string, TaskStatus> = {
  notStarted: 'needs-action',
  inProgress: 'in-process',
  completed: 'completed',
  waitingOnOthers: 'in-process',
  deferred: 'needs-action',
};
const STATUS_OUT: Record<TaskStatus, string> = {
  'needs-action': 'notStarted',
  'in-process': 'inProgress',
  completed: 'completed',
  cancelled: 'deferred',
};

export function taskFromGraph(t: GraphTask, uid: string): TaskItem {
  const description = t.body?.content
    ? t.body.contentType === 'html'
      ? htmlToText(t.body.content)
      : t.body.content
    : '';
  const reminders: Alarm[] =
    t.isReminderOn && t.reminderDateTime
      ? [{ action: 'display', trigger: { absolute: dateValueOf(t.reminderDateTime, 'UTC', false) } }]
      : [];
  return {
    kind: 'task',
    uid,
    ...(t.title ? { summary: t.title } : {}),
    ...(description.trim() ? { description: description.replace(/\r\n/g, '\n').trimEnd() } : {}),
    ...(t.startDateTime ? { start: toDoDate(t.startDateTime) } : {}),
    ...(t.dueDateTime ? { due: toDoDate(t.dueDateTime) } : {}),
    ...(t.completedDateTime ? { completed: dateValueOf(t.completedDateTime, 'UTC', false) } : {}),
    ...(t.importance === 'high' ? { priority: 1 } : t.importance === 'low' ? { priority: 9 } : {}),
    status: STATUS_IN[t.status ?? ''] ?? 'needs-action',
    categories: [...(t.categories ?? [])],
    ...(t.recurrence ? { recurrence: ruleFromGraph(t.recurrence) } : {}),
    reminders,
  };
}

/**
 * To Do keeps a start and a due date, not a time (MS-OXOTASK 2.2.2.2.4/5: midnight in the user's zone), and Graph
 * reports that midnight as an instant. The nearest midnight (UTC) names the date for every zone from UTC-11 to
 * UTC+12; the few zones beyond (Samoa, Tonga, Kiribati; Baker Island) would read a day off.
 */
export function toDoDate(v: DateTimeTimeZone): DateValue {
  return { kind: 'date', date: new Date(instantOfGraph(v) + 12 * 3600_000).toISOString().slice(0, 10) };
}

/** A start or due for To Do: its calendar date (in its own zone), as midnight of that date in UTC. */
function toDoDateTime(v: DateValue): DateTimeTimeZone {
  return { dateTime: `${dateOfValue(v)}T00:00:00`, timeZone: 'UTC' };
}

/**
 * To Do keeps one reminder, at an instant (UTC ms): the first alarm at an absolute time, or relative to the start
 * (RELATED=END: the due) when the task has one — an all-day anchor counts from its UTC midnight.
 */
export function taskReminderInstant(t: TaskItem): number | undefined {
  for (const alarm of t.reminders) {
    const trigger = alarm.trigger;
    if ('absolute' in trigger) return instantOfValue(trigger.absolute);
    const anchor = trigger.related === 'end' ? t.due : t.start;
    const before = anchor ? minutesBefore(trigger.relative) : undefined;
    if (anchor && before !== undefined) return instantOfValue(anchor) - before * 60_000;
  }
  return undefined;
}

export function taskToGraph(t: TaskItem): Record<string, unknown> {
  const reminder = taskReminderInstant(t);
  const anchor = t.due ?? t.start;
  return {
    title: t.summary ?? '',
    body: { contentType: 'text', content: t.description ?? '' },
    status: STATUS_OUT[t.status],
    importance:
      t.priority === undefined || t.priority === 0
        ? 'normal'
        : t.priority < 5
          ? 'high'
          : t.priority > 5
            ? 'low'
            : 'normal',
    categories: [...t.categories],
    dueDateTime: t.due ? toDoDateTime(t.due) : null,
    startDateTime: t.start ? toDoDateTime(t.start) : null,
    completedDateTime: t.completed ? graphDateTime(t.completed) : null,
    isReminderOn: reminder !== undefined,
    reminderDateTime:
      reminder !== undefined ? { dateTime: new Date(reminder).toISOString().slice(0, 19), timeZone: 'UTC' } : null,
    recurrence: t.recurrence && anchor ? ruleToGraph(t.recurrence, anchor, 'UTC') : null,
  };
}
