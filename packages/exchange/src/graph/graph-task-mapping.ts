import type { Alarm, TaskItem, TaskStatus } from '@exsync/core';
import { type DateTimeTimeZone, dateValueOf, graphDateTime } from './graph-datetime';
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
    ...(description.trim() ? { description: description.trimEnd() } : {}),
    ...(t.startDateTime ? { start: dateValueOf(t.startDateTime, 'UTC', false) } : {}),
    ...(t.dueDateTime ? { due: dateValueOf(t.dueDateTime, 'UTC', false) } : {}),
    ...(t.completedDateTime ? { completed: dateValueOf(t.completedDateTime, 'UTC', false) } : {}),
    ...(t.importance === 'high' ? { priority: 1 } : t.importance === 'low' ? { priority: 9 } : {}),
    status: STATUS_IN[t.status ?? ''] ?? 'needs-action',
    categories: [...(t.categories ?? [])],
    ...(t.recurrence ? { recurrence: ruleFromGraph(t.recurrence) } : {}),
    reminders,
  };
}

export function taskToGraph(t: TaskItem): Record<string, unknown> {
  const reminder = t.reminders.find((r) => 'absolute' in r.trigger);
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
    dueDateTime: t.due ? graphDateTime(t.due) : null,
    startDateTime: t.start ? graphDateTime(t.start) : null,
    completedDateTime: t.completed ? graphDateTime(t.completed) : null,
    isReminderOn: reminder !== undefined,
    reminderDateTime: reminder && 'absolute' in reminder.trigger ? graphDateTime(reminder.trigger.absolute) : null,
    recurrence: t.recurrence && anchor ? ruleToGraph(t.recurrence, anchor, 'UTC') : null,
  };
}
