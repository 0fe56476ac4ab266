import type { Alarm, AttachmentRef, Attendee, DateValue, Person, RecurrenceRule, Sensitivity } from '@exsync/core';
import type { JProp } from '../text/jcal';
import { param, prop, props, removeProps, setProp, text } from '../text/jcal';
import { mappedAlarms, toAlarm, writeAlarm } from './alarms';
import { dateList, toDateValue, writeDate, writeDateList } from './dates';
import { deepEqual, type FieldMapping } from './fields';
import { emailOf, toAttendee, toPerson, writePerson } from './people';
import { fromRecurrence, toRecurrence } from './recurrence';

// biome-ignore lint/suspicious/noExplicitAny: field builders are generic over the model they serve
type AnyField = FieldMapping<any, any>;

export function textField(name: string, alsoDrop: readonly string[] = []): AnyField {
  return {
    read: (c) => text(c, name),
    write: (c, v: string | undefined) => {
      // A stale HTML twin (Outlook's X-ALT-DESC, an ALTREP) would show the old text in clients that prefer it.
      for (const other of alsoDrop) removeProps(c, other);
      const p = setProp(c, name, 'text', v === undefined || v === '' ? undefined : v);
      if (p) delete p[1].altrep;
    },
  };
}

export function uriField(name: string): AnyField {
  return {
    read: (c) => text(c, name),
    write: (c, v: string | undefined) => void setProp(c, name, 'uri', v || undefined),
  };
}

export function dateField(name: string): AnyField {
  return {
    read: (c, ctx) => {
      const p = prop(c, name);
      return p && p[3] !== undefined && p[3] !== '' ? toDateValue(p, p[3], ctx) : undefined;
    },
    write: (c, v: DateValue | undefined, ctx) => {
      c[1] = writeDate(c[1], name, v, ctx);
    },
  };
}

export function dateListField(name: string): AnyField {
  return {
    read: (c, ctx) => dateList(props(c, name), ctx),
    write: (c, v: readonly DateValue[], ctx) => {
      const at = c[1].findIndex((p) => p[0] === name);
      removeProps(c, name);
      const fresh = writeDateList(name, v, ctx);
      c[1].splice(at === -1 ? c[1].length : at, 0, ...fresh);
    },
  };
}

export const enumField = (name: string, values: readonly string[]): AnyField => ({
  read: (c) => {
    const v = text(c, name)?.toLowerCase();
    return v && values.includes(v) ? v : undefined;
  },
  write: (c, v: string | undefined) => void setProp(c, name, 'text', v?.toUpperCase()),
});

export const sensitivityField: AnyField = enumField('class', [
  'public',
  'private',
  'confidential',
] satisfies Sensitivity[]);

export const integerField = (name: string): AnyField => ({
  read: (c) => {
    const v = prop(c, name)?.[3];
    const n = typeof v === 'number' ? v : Number.parseInt(String(v ?? ''), 10);
    return Number.isFinite(n) ? n : undefined;
  },
  write: (c, v: number | undefined) => void setProp(c, name, 'integer', v),
});

export const categoriesField: AnyField = {
  read: (c) =>
    props(c, 'categories')
      .flatMap((p) => p.slice(3).map((v) => String(v).trim()))
      .filter((v) => v !== ''),
  write: (c, v: readonly string[]) => {
    const at = c[1].findIndex((p) => p[0] === 'categories');
    removeProps(c, 'categories');
    if (v.length > 0) c[1].splice(at === -1 ? c[1].length : at, 0, ['categories', {}, 'text', ...v]);
  },
};

export const recurrenceField: AnyField = {
  read: (c) => toRecurrence(prop(c, 'rrule')),
  write: (c, v: RecurrenceRule | undefined) => void setProp(c, 'rrule', 'recur', v ? fromRecurrence(v) : undefined),
};

export const organizerField: AnyField = {
  read: (c) => {
    const p = prop(c, 'organizer');
    return p && emailOf(p) ? toPerson(p) : undefined;
  },
  write: (c, v: Person | undefined) => {
    const base = prop(c, 'organizer');
    if (!v) return removeProps(c, 'organizer');
    const next = writePerson('organizer', v, base);
    if (base) base.splice(0, base.length, ...next);
    else c[1].push(next);
  },
};

/** Attendees matched by address: an unchanged attendee keeps its line, a changed one keeps its unmapped params. */
export const attendeesField: AnyField = {
  read: (c) =>
    props(c, 'attendee')
      .filter((p) => emailOf(p) !== '')
      .map(toAttendee),
  write: (c, v: readonly Attendee[]) => {
    const existing = props(c, 'attendee');
    const byEmail = new Map(existing.map((p) => [emailOf(p).toLowerCase(), p]));
    const kept = new Set<JProp>();
    const fresh: JProp[] = [];
    for (const a of v) {
      const base = byEmail.get(a.email.toLowerCase());
      if (base && !kept.has(base)) {
        kept.add(base);
        if (!deepEqual(toAttendee(base), a)) base.splice(0, base.length, ...writePerson('attendee', a, base));
      } else fresh.push(writePerson('attendee', a));
    }
    c[1] = c[1].filter((p) => p[0] !== 'attendee' || kept.has(p));
    c[1].push(...fresh);
  },
};

/** Alarms matched by position among the mapped ones; unmapped VALARMs (ACTION:NONE, X- actions) are left alone. */
export const remindersField: AnyField = {
  read: (c, ctx) => mappedAlarms(c).map((a) => toAlarm(a, ctx)),
  write: (c, v: readonly Alarm[], ctx) => {
    const existing = mappedAlarms(c);
    v.forEach((alarm, i) => {
      const base = existing[i];
      if (base && deepEqual(toAlarm(base, ctx), alarm)) return;
      if (base) writeAlarm(alarm, ctx, base);
      else c[2].push(writeAlarm(alarm, ctx));
    });
    const extra = new Set(existing.slice(v.length));
    c[2] = c[2].filter((s) => !extra.has(s));
  },
};

export const attachmentsField: AnyField = {
  read: (c) =>
    props(c, 'attach')
      .filter((p) => p[2] !== 'binary' && param(p, 'encoding') === undefined && typeof p[3] === 'string')
      .map((p) => {
        const a: Record<string, string> = { uri: String(p[3]) };
        const filename = param(p, 'filename') ?? param(p, 'x-filename');
        if (filename) a.filename = filename;
        const mediaType = param(p, 'fmttype');
        if (mediaType) a.mediaType = mediaType;
        return a as unknown as AttachmentRef;
      }),
  write: (c, v: readonly AttachmentRef[]) => {
    const byUri = new Map(
      props(c, 'attach')
        .filter((p) => p[2] !== 'binary')
        .map((p) => [String(p[3]), p]),
    );
    const kept = new Set<JProp>();
    const fresh: JProp[] = [];
    for (const a of v) {
      const base = byUri.get(a.uri);
      const params: Record<string, string> = { ...(base?.[1] as Record<string, string> | undefined) };
      if (a.filename) params.filename = a.filename;
      else delete params.filename;
      if (a.mediaType) params.fmttype = a.mediaType;
      else delete params.fmttype;
      if (base) {
        kept.add(base);
        base[1] = params;
      } else fresh.push(['attach', params, 'uri', a.uri]);
    }
    c[1] = c[1].filter((p) => p[0] !== 'attach' || p[2] === 'binary' || kept.has(p));
    c[1].push(...fresh);
  },
};
