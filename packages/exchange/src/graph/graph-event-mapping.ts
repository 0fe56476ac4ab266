import type {
  Alarm,
  Attendee,
  AttendeeRole,
  EventException,
  EventItem,
  EventOccurrenceData,
  FreeBusy,
  ParticipationStatus,
  Sensitivity,
} from '@exsync/core';
import { effectiveEnd, RejectedError } from '@exsync/core';
import { type DateTimeTimeZone, dateValueOf, graphDateTime, ianaZoneOf, instantOfValue } from './graph-datetime';
import { type GraphRecurrence, ruleFromGraph, ruleToGraph } from './graph-recurrence';
import { htmlToText } from './html-text';

/** The parts of a Graph `event` the mapping reads. */
export interface GraphEvent {
  readonly id: string;
  readonly '@odata.etag'?: string;
  readonly type?: 'singleInstance' | 'occurrence' | 'exception' | 'seriesMaster';
  readonly seriesMasterId?: string | null;
  readonly iCalUId?: string;
  readonly subject?: string | null;
  readonly body?: { readonly contentType?: string; readonly content?: string } | null;
  readonly location?: { readonly displayName?: string | null } | null;
  readonly start?: DateTimeTimeZone;
  readonly end?: DateTimeTimeZone;
  readonly originalStart?: string;
  readonly originalStartTimeZone?: string | null;
  readonly originalEndTimeZone?: string | null;
  readonly isAllDay?: boolean;
  readonly isCancelled?: boolean;
  readonly isOrganizer?: boolean;
  readonly showAs?: string;
  readonly sensitivity?: string;
  readonly importance?: string;
  readonly categories?: readonly string[];
  readonly isReminderOn?: boolean;
  readonly reminderMinutesBeforeStart?: number;
  readonly recurrence?: GraphRecurrence | null;
  readonly attendees?: readonly GraphAttendee[];
  readonly organizer?: { readonly emailAddress?: { readonly name?: string; readonly address?: string } } | null;
  readonly lastModifiedDateTime?: string;
  readonly singleValueExtendedProperties?: readonly { readonly id: string; readonly value: string }[];
}

interface GraphAttendee {
  readonly type?: string;
  readonly status?: { readonly response?: string };
  readonly emailAddress?: { readonly name?: string; readonly address?: string };
}

const SHOW_AS: Record<string, FreeBusy> = {
  free: 'free',
  tentative: 'tentative',
  busy: 'busy',
  oof: 'out-of-office',
  workingElsewhere: 'working-elsewhere',
};
const SHOW_AS_OUT = Object.fromEntries(Object.entries(SHOW_AS).map(([k, v]) => [v, k])) as Record<FreeBusy, string>;
const RESPONSE: Record<string, ParticipationStatus> = {
  accepted: 'accepted',
  declined: 'declined',
  tentativelyAccepted: 'tentative',
};

function sensitivityOf(v: string | undefined): Sensitivity | undefined {
  if (v === 'private' || v === 'personal') return 'private';
  if (v === 'confidential') return 'confidential';
  return undefined;
}

function attendeeOf(a: GraphAttendee): Attendee | undefined {
  const email = a.emailAddress?.address;
  if (!email) return undefined;
  const role: AttendeeRole =
    a.type === 'optional' ? 'optional' : a.type === 'resource' ? 'non-participant' : 'required';
  const name = a.emailAddress?.name;
  return {
    email,
    ...(name && name !== email ? { name } : {}),
    role,
    status: RESPONSE[a.status?.response ?? ''] ?? 'needs-action',
    ...(a.type === 'resource' ? { kind: 'resource' as const } : {}),
  };
}

function remindersOf(e: GraphEvent): Alarm[] {
  if (!e.isReminderOn) return [];
  return [
    { action: 'display', trigger: { relative: durationBefore(Math.max(0, e.reminderMinutesBeforeStart ?? 15)) } },
  ];
}

/** Minutes before the start → the shortest RFC 5545 duration (`-PT15M`, `-PT2H`, `-P1DT16H`, `-P1W`). */
export function durationBefore(minutes: number): string {
  if (minutes === 0) return '-PT0M';
  if (minutes % 10080 === 0) return `-P${minutes / 10080}W`;
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const time = `${hours ? `${hours}H` : ''}${mins ? `${mins}M` : ''}`;
  return `-P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}

/**
 * The one reminder Exchange keeps, in minutes before the start: the first alarm that fires at or before the start
 * (relative to it, or at an absolute instant). Alarms relative to the end or after the start have no Graph form.
 */
export function eventReminderMinutes(item: EventOccurrenceData): number | undefined {
  for (const alarm of item.reminders) {
    const t = alarm.trigger;
    if ('relative' in t) {
      if (t.related === 'end') continue;
      const minutes = minutesBefore(t.relative);
      if (minutes !== undefined) return minutes;
    } else {
      const before = Math.floor((instantOfValue(item.start) - instantOfValue(t.absolute)) / 60_000);
      if (before >= 0) return before;
    }
  }
  return undefined;
}

function occurrenceData(e: GraphEvent, zone: string | null | undefined, self?: string): EventOccurrenceData {
  const allDay = e.isAllDay === true;
  const description = e.body?.content
    ? e.body.contentType === 'html'
      ? htmlToText(e.body.content)
      : e.body.content
    : '';
  const organizerAddress = e.organizer?.emailAddress?.address;
  const organizerName = e.organizer?.emailAddress?.name;
  // The mailbox's own display name is Exchange's, not the item's: it is left out for a meeting organized here.
  const isSelf = organizerAddress !== undefined && organizerAddress.toLowerCase() === self?.toLowerCase();
  const organizer = organizerAddress
    ? {
        email: organizerAddress,
        ...(organizerName && organizerName !== organizerAddress && !isSelf ? { name: organizerName } : {}),
      }
    : undefined;
  const attendees = (e.attendees ?? []).flatMap((a) => attendeeOf(a) ?? []);
  const freeBusy = SHOW_AS[e.showAs ?? ''];
  const sensitivity = sensitivityOf(e.sensitivity);
  return {
    ...(e.subject ? { summary: e.subject } : {}),
    ...(description.trim() ? { description: description.replace(/\r\n/g, '\n').trimEnd() } : {}),
    ...(e.location?.displayName ? { location: e.location.displayName } : {}),
    start: dateValueOf(e.start as DateTimeTimeZone, zone, allDay),
    ...(e.end ? { end: dateValueOf(e.end, e.originalEndTimeZone ?? zone, allDay) } : {}),
    ...(e.isCancelled ? { status: 'cancelled' as const } : {}),
    ...(freeBusy ? { freeBusy } : {}),
    ...(sensitivity ? { sensitivity } : {}),
    ...(e.importance === 'high' ? { priority: 1 } : e.importance === 'low' ? { priority: 9 } : {}),
    categories: [...(e.categories ?? [])],
    // Only meetings have an organizer worth syncing; a plain appointment names the mailbox itself.
    ...(organizer && attendees.length > 0 ? { organizer } : {}),
    attendees,
    reminders: remindersOf(e),
    attachments: [],
  };
}

/** A series master (or single event) plus its exception instances → the model's unit of sync. */
export function eventFromGraph(
  master: GraphEvent,
  exceptions: readonly GraphEvent[],
  uid: string,
  cancelled: readonly string[] = [],
  self?: string,
): EventItem {
  const zone = master.originalStartTimeZone;
  const data = occurrenceData(master, zone, self);
  const isSeries = master.type === 'seriesMaster' && master.recurrence;
  const ex: EventException[] = isSeries
    ? exceptions
        .filter((x) => x.type === 'exception' && x.originalStart)
        .map((x) => ({
          ...occurrenceData(x, zone, self),
          recurrenceId: dateValueOf(
            { dateTime: x.originalStart as string, timeZone: 'UTC' },
            zone,
            master.isAllDay === true,
          ),
        }))
        .sort((a, b) => JSON.stringify(a.recurrenceId).localeCompare(JSON.stringify(b.recurrenceId)))
    : [];
  return {
    kind: 'event',
    uid,
    ...data,
    ...(isSeries && master.recurrence ? { recurrence: ruleFromGraph(master.recurrence) } : {}),
    recurrenceDates: [],
    excludedDates: isSeries
      ? cancelled.map((t) => dateValueOf({ dateTime: t, timeZone: 'UTC' }, zone, master.isAllDay === true))
      : [],
    exceptions: ex,
  };
}

interface EventWriteOptions {
  /** Attendees are written only when the mailbox organizes the meeting: Graph mails every attendee it is given. */
  readonly writeAttendees: boolean;
}

/** The mapped fields of a Graph event body for `item` (no ids, no marker). */
export function eventToGraph(item: EventItem, options: EventWriteOptions): Record<string, unknown> {
  const allDay = item.start.kind === 'date';
  const zone = item.start.kind === 'zoned' ? item.start.tzid : 'UTC';
  // Exchange holds an end only: DURATION (or neither) becomes the end it implies (RFC 5545 §3.6.1).
  const end = effectiveEnd(item);
  if (instantOfValue(end) < instantOfValue(item.start)) {
    // Graph refuses it (400) on every retry: say why once, before sending.
    throw new RejectedError(
      `Exchange cannot hold an event that ends (${JSON.stringify(end)}) before it starts (${JSON.stringify(item.start)})`,
      'unsupported',
    );
  }
  const minutes = eventReminderMinutes(item);
  const body: Record<string, unknown> = {
    subject: item.summary ?? '',
    body: { contentType: 'text', content: item.description ?? '' },
    location: { displayName: item.location ?? '' },
    start: graphDateTime(item.start),
    end: graphDateTime(end),
    isAllDay: allDay,
    showAs: item.freeBusy ? SHOW_AS_OUT[item.freeBusy] : 'busy',
    // Graph's sensitivity has no "public": its "normal" is what CLASS:PUBLIC (and no CLASS) mean.
    sensitivity: item.sensitivity === 'private' || item.sensitivity === 'confidential' ? item.sensitivity : 'normal',
    importance:
      item.priority === undefined || item.priority === 0
        ? 'normal'
        : item.priority < 5
          ? 'high'
          : item.priority > 5
            ? 'low'
            : 'normal',
    categories: [...item.categories],
    isReminderOn: minutes !== undefined,
    ...(minutes !== undefined ? { reminderMinutesBeforeStart: minutes } : {}),
    recurrence: item.recurrence ? ruleToGraph(item.recurrence, item.start, zone) : null,
  };
  if (options.writeAttendees) {
    body.attendees = item.attendees.map((a) => ({
      type: a.kind === 'resource' || a.kind === 'room' ? 'resource' : a.role === 'optional' ? 'optional' : 'required',
      emailAddress: { address: a.email, ...(a.name ? { name: a.name } : {}) },
    }));
  }
  return body;
}

/** `-PT15M`, `-PT1H30M`, `-P1D`, `-P1W` → minutes before; undefined for triggers after the start. */
export function minutesBefore(duration: string): number | undefined {
  const m = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(duration.trim());
  if (!m) return undefined;
  const total =
    Number(m[2] ?? 0) * 10080 +
    Number(m[3] ?? 0) * 1440 +
    Number(m[4] ?? 0) * 60 +
    Number(m[5] ?? 0) +
    Math.floor(Number(m[6] ?? 0) / 60);
  if (m[1] !== '-' && total > 0) return undefined;
  return total;
}

/** The zone a series writes its range in, for callers that need it. */
export function eventZone(master: GraphEvent): string | undefined {
  return ianaZoneOf(master.originalStartTimeZone);
}
