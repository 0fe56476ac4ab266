import type { TaskItem, TaskStatus } from '@exsync/core';
import { InvalidItemError } from '@exsync/core';
import type { JComp } from '../text/jcal';
import { param, prop, props, setProp, text } from '../text/jcal';
import type { CalendarContext } from './calendar-context';
import {
  categoriesField,
  dateField,
  integerField,
  recurrenceField,
  remindersField,
  sensitivityField,
  textField,
  uriField,
} from './calendar-fields';
import { type FieldMappings, readFields, writeFields } from './fields';

const STATUSES: readonly TaskStatus[] = ['needs-action', 'in-process', 'completed', 'cancelled'];

/** RELATED-TO without RELTYPE means PARENT (RFC 5545 3.2.15). */
function parentProp(c: JComp) {
  return props(c, 'related-to').find((p) => (param(p, 'reltype') ?? 'PARENT').toUpperCase() === 'PARENT');
}

const taskFields: FieldMappings<TaskItem> = {
  summary: textField('summary'),
  description: textField('description', ['x-alt-desc']),
  url: uriField('url'),
  start: dateField('dtstart'),
  due: dateField('due'),
  completed: dateField('completed'),
  percentComplete: integerField('percent-complete'),
  priority: integerField('priority'),
  status: {
    read: (c) => {
      const v = (text(c, 'status') ?? '').toLowerCase() as TaskStatus;
      return STATUSES.includes(v) ? v : 'needs-action';
    },
    write: (c, v) => void setProp(c, 'status', 'text', v.toUpperCase()),
  },
  sensitivity: sensitivityField,
  categories: categoriesField,
  recurrence: recurrenceField,
  reminders: remindersField,
  parentUid: {
    read: (c) => {
      const v = parentProp(c)?.[3];
      return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
    },
    write: (c, v) => {
      const base = parentProp(c);
      if (base && v) base[3] = v;
      else if (base) c[1] = c[1].filter((p) => p !== base);
      else if (v) c[1].push(['related-to', {}, 'text', v]);
    },
  },
};

function taskComponent(calendar: JComp): JComp {
  const todos = calendar[2].filter((c) => c[0] === 'vtodo');
  const master = todos.find((c) => !prop(c, 'recurrence-id')) ?? todos[0];
  if (!master) throw new InvalidItemError('The calendar object holds no VTODO.');
  return master;
}

export function readTask(calendar: JComp, ctx: CalendarContext): TaskItem {
  const c = taskComponent(calendar);
  const uid = text(c, 'uid');
  if (!uid) throw new InvalidItemError('The VTODO has no UID.');
  return { kind: 'task', uid, ...(readFields(taskFields, c, ctx) as Omit<TaskItem, 'kind' | 'uid'>) };
}

export function writeTask(calendar: JComp, before: TaskItem | undefined, after: TaskItem, ctx: CalendarContext) {
  let c = before ? taskComponent(calendar) : undefined;
  if (!c) {
    c = ['vtodo', [['uid', {}, 'text', after.uid]], []];
    calendar[2].push(c);
  } else if (before && before.uid !== after.uid) setProp(c, 'uid', 'text', after.uid);
  writeFields(taskFields, c, before, after, ctx);
}
