import type { Alarm } from '@exsync/core';
import type { JComp, JProp } from '../text/jcal';
import { param, prop, text } from '../text/jcal';
import type { CalendarContext } from './calendar-context';
import { fromDateValue, toDateValue } from './dates';

const ACTIONS = ['display', 'audio', 'email'] as const;

/** The VALARMs the model can hold (with a TRIGGER and a known ACTION); others stay in the raw object only. */
export function mappedAlarms(c: JComp): JComp[] {
  return c[2].filter((a) => {
    if (a[0] !== 'valarm' || !prop(a, 'trigger')) return false;
    return (ACTIONS as readonly string[]).includes((text(a, 'action') ?? '').toLowerCase());
  });
}

export function toAlarm(a: JComp, ctx: CalendarContext): Alarm {
  const action = (text(a, 'action') ?? 'display').toLowerCase() as Alarm['action'];
  const t = prop(a, 'trigger')!;
  let trigger: Alarm['trigger'];
  if (t[2] === 'duration' || typeof t[3] !== 'string' || /^[+-]?P/.test(t[3])) {
    const related = (param(t, 'related') ?? '').toUpperCase() === 'END' ? 'end' : undefined;
    trigger = related ? { relative: String(t[3]), related } : { relative: String(t[3]) };
  } else trigger = { absolute: toDateValue(t, t[3], ctx) };
  const description = text(a, 'description');
  return description === undefined ? { action, trigger } : { action, trigger, description };
}

/** Writes the mapped parts of an alarm onto a VALARM (a new one, or an existing one whose other lines survive). */
export function writeAlarm(alarm: Alarm, ctx: CalendarContext, base?: JComp): JComp {
  const a: JComp = base ?? ['valarm', [], []];
  const keep = a[1].filter((p) => !['action', 'trigger', 'description'].includes(p[0]));
  const oldTrigger = prop(a, 'trigger');
  const params = { ...(oldTrigger?.[1] ?? {}) };
  delete params.related;
  delete params.tzid;
  let trigger: JProp;
  if ('relative' in alarm.trigger) {
    if (alarm.trigger.related === 'end') params.related = 'END';
    trigger = ['trigger', params, 'duration', alarm.trigger.relative];
  } else {
    const w = fromDateValue(alarm.trigger.absolute, ctx);
    trigger = ['trigger', { ...params, ...w.params }, w.type, w.value];
  }
  const same = (name: string, next: JProp | undefined): JProp | undefined => {
    const old = prop(a, name);
    return old && next && JSON.stringify(old.slice(2)) === JSON.stringify(next.slice(2)) && sameParams(old, next)
      ? old
      : next;
  };
  const description = alarm.description;
  const next: JProp[] = [
    same('action', ['action', prop(a, 'action')?.[1] ?? {}, 'text', alarm.action.toUpperCase()])!,
    same('trigger', trigger)!,
  ];
  const desc = same(
    'description',
    description === undefined ? undefined : ['description', prop(a, 'description')?.[1] ?? {}, 'text', description],
  );
  if (desc) next.push(desc);
  a[1] = [...next, ...keep];
  return a;
}

function sameParams(a: JProp, b: JProp): boolean {
  return JSON.stringify(a[1]) === JSON.stringify(b[1]);
}
