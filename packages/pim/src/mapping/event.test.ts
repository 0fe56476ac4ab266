import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventItem } from '@exsync/core';
import { describe, expect, it } from 'vitest';
import { fromModel, patch, toModel } from '../index';

const FIXTURES = join(__dirname, '../../../../../shared/fixtures');
const NOW = { now: '2026-01-01T00:00:00Z' };

const OVERRIDE_ONLY = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Nextcloud//EN',
  'BEGIN:VEVENT',
  'UID:series-held-elsewhere',
  'DTSTAMP:20260101T000000Z',
  'RECURRENCE-ID;TZID=Europe/Berlin:20260112T090000',
  'DTSTART;TZID=Europe/Berlin:20260112T100000',
  'DTEND;TZID=Europe/Berlin:20260112T110000',
  'SUMMARY:Moved occurrence I was invited to',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

const recurrenceIdLines = (raw: string) => raw.split('\r\n').filter((l) => l.startsWith('RECURRENCE-ID'));

describe('a recurrence set without a master (invitations to single occurrences)', () => {
  it('keeps the RECURRENCE-ID of a lone override instead of turning it into a plain event', () => {
    const e = toModel(OVERRIDE_ONLY) as EventItem;
    expect(e.recurrenceId).toEqual({ kind: 'zoned', dateTime: '2026-01-12T09:00:00', tzid: 'Europe/Berlin' });
    expect(e).toMatchObject({ summary: 'Moved occurrence I was invited to', exceptions: [] });
    expect(e.recurrence).toBeUndefined();
    const written = fromModel(e, NOW);
    expect(recurrenceIdLines(written)).toEqual(['RECURRENCE-ID;TZID=Europe/Berlin:20260112T090000']);
    expect(toModel(written)).toEqual(e);
  });

  it('keeps every override’s RECURRENCE-ID, none becoming a master (Evolution invite-7)', () => {
    const raw = readFileSync(join(FIXTURES, 'ics/GNOME_evolution-data-server__invite-7.ics'), 'utf8');
    const e = toModel(raw) as EventItem;
    expect(e.recurrenceId).toEqual({ kind: 'utc', dateTime: '2018-05-02T00:00:00Z' });
    expect(e.start).toEqual({ kind: 'utc', dateTime: '2018-05-02T13:00:00Z' });
    expect(e.exceptions.map((x) => x.recurrenceId)).toEqual([{ kind: 'utc', dateTime: '2018-05-09T00:00:00Z' }]);
    const written = fromModel(e, NOW);
    expect(written.match(/^BEGIN:VEVENT/gm)).toHaveLength(2);
    expect(recurrenceIdLines(written)).toEqual(['RECURRENCE-ID:20180502T000000Z', 'RECURRENCE-ID:20180509T000000Z']);
    expect(toModel(written)).toEqual(e);
  });

  it('patches the first override in place, keeping its RECURRENCE-ID and the other lines', () => {
    const e = toModel(OVERRIDE_ONLY) as EventItem;
    const out = patch(OVERRIDE_ONLY, { ...e, summary: 'Renamed' });
    expect(out).toBe(OVERRIDE_ONLY.replace('SUMMARY:Moved occurrence I was invited to', 'SUMMARY:Renamed'));
  });

  it('adds a further override as its own VEVENT and can drop the RECURRENCE-ID to make it a plain event', () => {
    const e = toModel(OVERRIDE_ONLY) as EventItem;
    const recurrenceId = { kind: 'zoned', dateTime: '2026-01-19T09:00:00', tzid: 'Europe/Berlin' } as const;
    const start = { kind: 'zoned', dateTime: '2026-01-19T12:00:00', tzid: 'Europe/Berlin' } as const;
    const { recurrenceId: _first, exceptions: _none, kind: _kind, uid: _uid, ...occurrence } = e;
    const two: EventItem = { ...e, exceptions: [{ ...occurrence, recurrenceId, start, end: undefined }] };
    const out = patch(OVERRIDE_ONLY, two);
    expect(recurrenceIdLines(out)).toHaveLength(2);
    expect(toModel(out)).toEqual(toModel(fromModel(two, NOW)));
    const { recurrenceId: _dropped, ...plain } = e;
    expect(recurrenceIdLines(patch(OVERRIDE_ONLY, plain))).toEqual([]);
  });

  it('leaves a series with a master as it was: its overrides are exceptions, the item has no RECURRENCE-ID', () => {
    const raw = readFileSync(join(FIXTURES, 'ics/pimutils_khal__event_rrule_recuid_cancelled.ics'), 'utf8');
    const e = toModel(raw) as EventItem;
    expect(e.recurrenceId).toBeUndefined();
    expect(e.exceptions.map((x) => x.status)).toEqual([undefined, 'cancelled']);
    expect(patch(raw, e)).toBe(raw);
  });
});
