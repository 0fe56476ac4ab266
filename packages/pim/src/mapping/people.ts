import type { Attendee, AttendeeRole, ParticipationStatus, Person } from '@exsync/core';
import type { JProp } from '../text/jcal';
import { param } from '../text/jcal';

const ROLES: Record<string, AttendeeRole> = {
  CHAIR: 'chair',
  'REQ-PARTICIPANT': 'required',
  'OPT-PARTICIPANT': 'optional',
  'NON-PARTICIPANT': 'non-participant',
};
const STATUSES: Record<string, ParticipationStatus> = {
  'NEEDS-ACTION': 'needs-action',
  ACCEPTED: 'accepted',
  DECLINED: 'declined',
  TENTATIVE: 'tentative',
  DELEGATED: 'delegated',
};
const KINDS: Record<string, NonNullable<Attendee['kind']>> = {
  INDIVIDUAL: 'individual',
  GROUP: 'group',
  RESOURCE: 'resource',
  ROOM: 'room',
};

const invert = <T extends string>(m: Record<string, T>) =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [v, k])) as Record<T, string>;

export function emailOf(p: JProp): string {
  return String(p[3] ?? '')
    .trim()
    .replace(/^mailto:/i, '');
}

export function toPerson(p: JProp): Person {
  const name = param(p, 'cn');
  return name ? { email: emailOf(p), name } : { email: emailOf(p) };
}

export function toAttendee(p: JProp): Attendee {
  const a: Record<string, unknown> = { ...toPerson(p) };
  a.role = ROLES[(param(p, 'role') ?? '').toUpperCase()] ?? 'required';
  a.status = STATUSES[(param(p, 'partstat') ?? '').toUpperCase()] ?? 'needs-action';
  const rsvp = param(p, 'rsvp');
  if (rsvp !== undefined) a.rsvp = rsvp.toUpperCase() === 'TRUE';
  const kind = KINDS[(param(p, 'cutype') ?? '').toUpperCase()];
  if (kind) a.kind = kind;
  return a as unknown as Attendee;
}

/**
 * Writes a person onto a property, keeping its unmapped parameters (SCHEDULE-STATUS, X-NUM-GUESTS, …). Every
 * ORGANIZER/ATTENDEE the sync writes is marked SCHEDULE-AGENT=CLIENT so the CalDAV server sends no iMIP mail:
 * Exchange owns scheduling.
 */
export function writePerson(name: 'organizer' | 'attendee', person: Person | Attendee, base?: JProp): JProp {
  const params = { ...(base?.[1] ?? {}) };
  if (person.name) params.cn = person.name;
  else delete params.cn;
  if ('role' in person) {
    params.role = invert(ROLES)[person.role];
    params.partstat = invert(STATUSES)[person.status];
    if (person.rsvp === undefined) delete params.rsvp;
    else params.rsvp = person.rsvp ? 'TRUE' : 'FALSE';
    if (person.kind) params.cutype = invert(KINDS)[person.kind];
    else delete params.cutype;
  }
  params['schedule-agent'] = 'CLIENT';
  return [name, params, 'cal-address', `mailto:${person.email}`];
}

/** Marks an existing ORGANIZER/ATTENDEE so that writing the object back triggers no implicit scheduling. */
export function markClientScheduled(p: JProp): void {
  if (param(p, 'schedule-agent')?.toUpperCase() !== 'CLIENT') p[1]['schedule-agent'] = 'CLIENT';
}
