import type { Task, TaskStatus } from '../../store/types';
import { computedItemProperties, effectiveProperties } from '../computed-props';
import { EwsItemError } from '../errors';
import { lazy, type Prop, pick } from '../shape';
import { T } from '../xml/namespaces';
import type { XNode } from '../xml/parse';
import { el, tx } from '../xml/write';
import type { RenderContext } from './calendar';
import {
  bodyXml,
  categoriesXml,
  dateTime,
  enumIn,
  extendedKey,
  extendedPropertyXml,
  IMPORTANCE_OUT,
  parentFolderIdXml,
  parseDateTime,
  parseExtendedProperty,
  parseSharedItemField,
  reverse,
  SENSITIVITY_OUT,
} from './common';
import { parseRecurrence, recurrenceXml } from './recurrence-xml';

const STATUS_OUT: Record<TaskStatus, string> = {
  notStarted: 'NotStarted',
  inProgress: 'InProgress',
  completed: 'Completed',
  waitingOnOthers: 'WaitingOnOthers',
  deferred: 'Deferred',
};
const STATUS_IN = reverse(STATUS_OUT);

const opt = (ms: number | undefined) => (ms === undefined ? undefined : dateTime(ms));

export function taskXml(ctx: RenderContext, t: Task): string {
  const ext = effectiveProperties(t.extendedProperties, computedItemProperties(t)).filter((p) =>
    ctx.shape.extended.has(extendedKey(p)),
  );
  const props: Prop[] = [
    { uri: 'item:ItemId', xml: `<t:ItemId Id="${t.id}" ChangeKey="${t.changeKey}"/>` },
    { uri: 'item:ParentFolderId', xml: lazy(() => parentFolderIdXml(ctx.store, t.folderKey)) },
    { uri: 'item:ItemClass', xml: lazy(() => tx('t:ItemClass', 'IPM.Task')) },
    { uri: 'item:Subject', xml: lazy(() => tx('t:Subject', t.title)), inDefault: true },
    { uri: 'item:Sensitivity', xml: lazy(() => tx('t:Sensitivity', SENSITIVITY_OUT[t.sensitivity])) },
    { uri: 'item:Body', xml: lazy(() => bodyXml(t.body, ctx.shape.bodyType)) },
    { uri: 'item:Categories', xml: lazy(() => categoriesXml(t.categories)) },
    { uri: 'item:Importance', xml: lazy(() => tx('t:Importance', IMPORTANCE_OUT[t.importance])) },
    { uri: 'item:DateTimeCreated', xml: lazy(() => tx('t:DateTimeCreated', dateTime(t.createdAt))) },
    { uri: 'item:ReminderDueBy', xml: lazy(() => tx('t:ReminderDueBy', opt(t.reminderDateTime))) },
    { uri: 'item:ReminderIsSet', xml: lazy(() => tx('t:ReminderIsSet', t.isReminderOn)) },
    { uri: 'item:HasAttachments', xml: lazy(() => tx('t:HasAttachments', false)), inDefault: true },
    { uri: '*extended', xml: lazy(() => ext.map(extendedPropertyXml).join('')) },
    { uri: 'item:LastModifiedTime', xml: lazy(() => tx('t:LastModifiedTime', dateTime(t.lastModifiedAt))) },
    { uri: 'task:CompleteDate', xml: lazy(() => tx('t:CompleteDate', opt(t.completedDateTime))) },
    { uri: 'task:DueDate', xml: lazy(() => tx('t:DueDate', opt(t.dueDateTime))), inDefault: true },
    { uri: 'task:IsComplete', xml: lazy(() => tx('t:IsComplete', t.status === 'completed')) },
    { uri: 'task:IsRecurring', xml: lazy(() => tx('t:IsRecurring', t.recurrence !== undefined)) },
    { uri: 'task:PercentComplete', xml: lazy(() => tx('t:PercentComplete', t.percentComplete)), inDefault: true },
    { uri: 'task:Recurrence', xml: lazy(() => (t.recurrence ? recurrenceXml(t.recurrence, t.timeZone) : '')) },
    { uri: 'task:StartDate', xml: lazy(() => tx('t:StartDate', opt(t.startDateTime))) },
    { uri: 'task:Status', xml: lazy(() => tx('t:Status', STATUS_OUT[t.status])), inDefault: true },
  ];
  return el('t:Task', undefined, pick(ctx.shape, props));
}

export function parseTask(
  n: XNode,
  contextZone: string | undefined,
): { patch: Record<string, unknown>; count: number } {
  const patch: Record<string, unknown> = {};
  let count = 0;
  const ext = [];
  const zone = contextZone ?? 'UTC';
  for (const c of n.children) {
    if (c.ns !== T) continue;
    count++;
    if (parseSharedItemField(c, patch)) continue;
    switch (c.name) {
      case 'Subject':
        patch.title = c.text;
        break;
      case 'ReminderDueBy':
        patch.reminderDateTime = parseDateTime(c.text, zone);
        break;
      case 'ExtendedProperty':
        ext.push(parseExtendedProperty(c));
        break;
      case 'CompleteDate':
        patch.completedDateTime = parseDateTime(c.text, zone);
        break;
      case 'DueDate':
        patch.dueDateTime = parseDateTime(c.text, zone);
        break;
      case 'PercentComplete': {
        const v = Number(c.text);
        if (!Number.isFinite(v) || v < 0 || v > 100) {
          throw new EwsItemError('ErrorInvalidPropertyRequest', 'PercentComplete must be between 0 and 100.');
        }
        patch.percentComplete = v;
        break;
      }
      case 'Recurrence':
        patch.recurrence = parseRecurrence(c);
        break;
      case 'StartDate':
        patch.startDateTime = parseDateTime(c.text, zone);
        break;
      case 'Status':
        patch.status = enumIn(STATUS_IN, c.text, 'Status');
        break;
      case 'ItemClass':
      case 'IsComplete':
        break;
      default:
        throw new EwsItemError('ErrorInvalidPropertySet', `Property ${c.name} cannot be set on a task.`);
    }
  }
  if (ext.length) patch.extendedProperties = ext;
  if (patch.status === 'completed' && patch.percentComplete === undefined) patch.percentComplete = 100;
  return { patch, count };
}

export function clearTaskField(uri: string): Record<string, unknown> {
  const map: Record<string, Record<string, unknown>> = {
    'item:Subject': { title: '' },
    'item:Body': { body: { contentType: 'text', content: '' } },
    'item:Categories': { categories: [] },
    'item:ReminderDueBy': { reminderDateTime: undefined },
    'task:CompleteDate': { completedDateTime: undefined },
    'task:DueDate': { dueDateTime: undefined },
    'task:StartDate': { startDateTime: undefined },
    'task:Recurrence': { recurrence: undefined },
  };
  const p = map[uri];
  if (!p) throw new EwsItemError('ErrorInvalidPropertyRequest', `Property ${uri} cannot be deleted.`);
  return p;
}
