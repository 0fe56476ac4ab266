import type { DateValue, EventItem, PimItem, SyncWindow, TaskItem } from '../model';

/**
 * Whether an item belongs to a window, as a CalDAV server's time-range filter decides it (RFC 4791 §9.9), with
 * one simplification that only ever widens the match: zoned and floating times are read as if they were UTC and
 * the window is widened by 14 hours on each side, so no zone offset can push an item out wrongly.
 * Contacts and groups have no dates: they are always in scope.
 */
export function isInWindow(item: PimItem, window: SyncWindow): boolean {
  const slack = 14 * 3600_000;
  const from = Date.parse(window.start) - slack;
  const to = Date.parse(window.end) + slack;
  switch (item.kind) {
    case 'event':
      return eventInWindow(item, from, to);
    case 'task':
      return taskInWindow(item, from, to);
    default:
      return true;
  }
}

/** Milliseconds since the epoch of a date value, ignoring its zone (see `isInWindow`). */
export function instantOf(value: DateValue): number {
  if (value.kind === 'date') return Date.parse(`${value.date}T00:00:00Z`);
  const text = value.dateTime.endsWith('Z') ? value.dateTime : `${value.dateTime}Z`;
  return Date.parse(text);
}

function eventInWindow(event: EventItem, from: number, to: number): boolean {
  const start = instantOf(event.start);
  const end = event.end ? instantOf(event.end) : event.start.kind === 'date' ? start + 86_400_000 : start;
  if (!event.recurrence) {
    const extras = event.exceptions.some((ex) =>
      overlaps(instantOf(ex.start), ex.end ? instantOf(ex.end) : instantOf(ex.start), from, to),
    );
    return (
      overlaps(start, end, from, to) || extras || event.recurrenceDates.some((d) => within(instantOf(d), from, to))
    );
  }
  // A series is in scope if any occurrence may be: it starts before the window ends and has not ended before it
  // starts. COUNT-limited series are kept conservatively (a real server expands them; keeping more is harmless).
  if (start >= to)
    return event.exceptions.some((ex) => overlaps(instantOf(ex.start), instantOf(ex.end ?? ex.start), from, to));
  const until = event.recurrence.until ? instantOf(event.recurrence.until) : Number.POSITIVE_INFINITY;
  return until + (end - start) >= from;
}

function taskInWindow(task: TaskItem, from: number, to: number): boolean {
  // RFC 4791 §9.9: a VTODO without DTSTART and DUE matches every range (tasks without dates are always synced).
  const start = task.start ? instantOf(task.start) : undefined;
  const due = task.due ? instantOf(task.due) : undefined;
  if (start === undefined && due === undefined) return true;
  if (task.recurrence && (start ?? due ?? 0) < to) return true;
  return overlaps(start ?? due ?? 0, due ?? start ?? 0, from, to);
}

function overlaps(start: number, end: number, from: number, to: number): boolean {
  return start < to && Math.max(end, start) >= from;
}

function within(instant: number, from: number, to: number): boolean {
  return instant >= from && instant < to;
}
