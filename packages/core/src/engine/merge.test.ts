import { describe, expect, it } from 'vitest';
import type { Alarm, Capabilities, EventItem, FieldCapabilities, TaskItem } from '../model';
import { heldField, normalisedField, notHeldField } from '../model';
import { sampleContact, sampleEvent, utc } from '../testing/sample-items';
import { mergeEdited, mergeFields } from './merge';
import { task } from './test-support';

/**
 * The three-way merge at its edges, table by table (pnpm mutation showed them untested: the model test's stores
 * hold every field, so the capability branches, the no-base rows and the coupled units only run here).
 */
const alarm = (minutes: number): Alarm => ({ action: 'display', trigger: { relative: `-PT${minutes}M` } });

const taskFields = ['summary', 'description', 'status', 'priority', 'categories', 'reminders', 'due'] as const;
/** A task store (Exchange-like) without descriptions that keeps one reminder. */
const oneReminderNoDescription: Capabilities = {
  task: {
    ...Object.fromEntries(taskFields.map((f) => [f, heldField()])),
    description: notHeldField('no body'),
    reminders: normalisedField<readonly Alarm[], TaskItem>('one reminder: the first', (r) => r.slice(0, 1)),
  } as unknown as FieldCapabilities<TaskItem>,
};

/** An event store that holds an end but no DURATION. */
const noDuration: Capabilities = {
  event: { duration: notHeldField('holds an end instead') } as unknown as FieldCapabilities<EventItem>,
};

describe('mergeFields', () => {
  it('items of different kinds conflict as a whole, on `kind`, and the merge keeps side a', () => {
    const contact = sampleContact('x');
    const group = { kind: 'group' as const, uid: 'x', name: 'Team', members: [], categories: [] };
    const { merged, conflicting } = mergeFields({ a: contact, b: group, changed: { a: true, b: true } });
    expect(conflicting).toEqual(['kind']);
    expect(merged).toEqual(contact);
  });

  it('without a base, the unchanged side is the base: what the changed side only holds normalised is not an edit', () => {
    // b (unchanged) has two reminders; a holds only the first. a's rename travels, b's second reminder stays.
    const full = task('t', { summary: 'Old', reminders: [alarm(5), alarm(10)] });
    const held = task('t', { summary: 'New', reminders: [alarm(5)] });
    const aChanged = mergeFields({
      a: held,
      b: full,
      changed: { a: true, b: false },
      holds: { a: oneReminderNoDescription },
    });
    expect(aChanged.conflicting).toEqual([]);
    expect(aChanged.merged).toMatchObject({ summary: 'New', reminders: [alarm(5), alarm(10)] });

    const bChanged = mergeFields({
      a: full,
      b: held,
      changed: { a: false, b: true },
      holds: { b: oneReminderNoDescription },
    });
    expect(bChanged.conflicting).toEqual([]);
    expect(bChanged.merged).toMatchObject({ summary: 'New', reminders: [alarm(5), alarm(10)] });
  });

  it('a value read from a field the side declares not held is never taken from it', () => {
    // An adapter that leaks a body it says it cannot hold: the leak is not an edit of the description.
    const base = task('t', { summary: 'S', description: 'the real notes' });
    const b = task('t', { summary: 'S2', description: 'a stray value' });
    const { merged, conflicting } = mergeFields({
      base,
      a: base,
      b,
      changed: { a: false, b: true },
      holds: { b: oneReminderNoDescription },
    });
    expect(conflicting).toEqual([]);
    expect(merged).toMatchObject({ summary: 'S2', description: 'the real notes' });
  });

  it('a side classified unchanged contributes nothing: the base’s value stays even where its model differs', () => {
    const base = task('t', { summary: 'S', description: 'base' });
    const a = task('t', { summary: 'S', description: 'noise on a' });
    const b = task('t', { summary: 'S', description: 'noise on b' });
    expect(mergeFields({ base, a, b, changed: { a: false, b: false } }).merged).toMatchObject({ description: 'base' });
    // a changed something else: b's difference is still no edit.
    const a2 = task('t', { summary: 'S2', description: 'noise on a' });
    const { merged } = mergeFields({
      base,
      a: a2,
      b,
      changed: { a: true, b: false },
      holds: { a: oneReminderNoDescription },
    });
    expect(merged).toMatchObject({ summary: 'S2', description: 'base' });
  });

  it('both sides moving an event to the same start but different ends is a conflict over start, end and duration', () => {
    const base = sampleEvent('e', '2030-03-01T09:00:00Z');
    const a = { ...sampleEvent('e', '2030-03-01T11:00:00Z'), end: undefined, duration: 'PT2H' } as EventItem;
    const b = { ...sampleEvent('e', '2030-03-01T11:00:00Z'), end: utc('2030-03-01T11:30:00Z') };
    const { conflicting } = mergeFields({ base, a, b, changed: { a: true, b: true }, holds: { b: noDuration } });
    expect(conflicting).toEqual(['start', 'end', 'duration']);
  });

  it('both sides editing a field to values the full side holds as the other’s is no conflict: the richer value wins', () => {
    // The mirror of capabilities.test.ts: here side a is the store that keeps one reminder.
    const base = task('t', { reminders: [] });
    const a = task('t', { reminders: [alarm(10)] });
    const b = task('t', { reminders: [alarm(10), alarm(20)] });
    const { merged, conflicting } = mergeFields({
      base,
      a,
      b,
      changed: { a: true, b: true },
      holds: { a: oneReminderNoDescription },
    });
    expect(conflicting).toEqual([]);
    expect(merged.reminders).toEqual([alarm(10), alarm(20)]);
  });

  it('without a base and with both sides unchanged, each field comes from the side that holds it', () => {
    const a = task('t', { summary: 'from a' });
    const b = task('t', { summary: 'from b', description: 'only b holds notes' });
    // a cannot hold descriptions: b's stays; the summary both hold comes from a.
    expect(
      mergeFields({ a, b, changed: { a: false, b: false }, holds: { a: oneReminderNoDescription } }).merged,
    ).toMatchObject({ summary: 'from a', description: 'only b holds notes' });
    // b cannot hold them: a's (absent) description is the richer value.
    const a2 = task('t', { summary: 'from a', description: 'only a holds notes' });
    const b2 = task('t', { summary: 'from b' });
    expect(
      mergeFields({ a: a2, b: b2, changed: { a: false, b: false }, holds: { b: oneReminderNoDescription } }).merged,
    ).toMatchObject({ summary: 'from a', description: 'only a holds notes' });
    // Both hold everything: side a.
    expect(mergeFields({ a: a2, b, changed: { a: false, b: false } }).merged).toMatchObject({
      summary: 'from a',
      description: 'only a holds notes',
    });
  });

  it('a coupled unit comes whole from the side that holds every field of it', () => {
    const a = { ...sampleEvent('e', '2030-03-01T09:00:00Z'), end: utc('2030-03-01T10:00:00Z') };
    const b = { ...sampleEvent('e', '2030-03-01T09:00:00Z'), end: undefined, duration: 'PT1H' } as EventItem;
    const { merged } = mergeFields({ a, b, changed: { a: false, b: false }, holds: { a: noDuration } });
    expect(merged).toMatchObject({ start: b.start, duration: 'PT1H' });
    expect(merged.end).toBeUndefined();
  });

  it('conflicting fields are listed in sorted order, whatever order the stores give their keys', () => {
    const base = task('t', { summary: 'S', description: 'D' });
    const a = { kind: 'task', uid: 't', summary: 'A', description: 'DA' } as TaskItem;
    const b = { kind: 'task', uid: 't', summary: 'B', description: 'DB' } as TaskItem;
    expect(mergeFields({ base, a, b, changed: { a: true, b: true } }).conflicting).toEqual(['description', 'summary']);
  });
});

describe('mergeEdited', () => {
  const boss = { email: 'boss@example.org', name: 'Boss', role: 'chair' };
  const bossHeld = { email: 'boss@example.org', name: 'Boss' };

  it('an edit that leaves the value as the side holds it keeps the fuller base', () => {
    expect(mergeEdited(boss, bossHeld, bossHeld)).toBe(boss);
  });

  it('objects merge key by key: a key the edit removed is absent, one it cannot hold stays', () => {
    expect(mergeEdited(boss, { email: 'boss@example.org' }, bossHeld)).toStrictEqual({
      email: 'boss@example.org',
      role: 'chair',
    });
  });

  it('a structured value cleared on the edited side is cleared', () => {
    expect(mergeEdited(boss, undefined, bossHeld)).toBeUndefined();
    expect(mergeEdited(boss, 'plain', bossHeld)).toBe('plain');
    expect(mergeEdited([boss, boss], undefined, [bossHeld, bossHeld])).toBeUndefined();
  });

  const ann = { email: 'ann@example.org', name: 'Ann', status: 'accepted' };
  const annHeld = { email: 'ann@example.org', name: 'Ann' };
  const bob = { email: 'bob@example.org', name: 'Bob', status: 'declined' };
  const bobHeld = { email: 'bob@example.org', name: 'Bob' };

  it('lists of the same length whose items name themselves alike merge item by item and stay lists', () => {
    expect(mergeEdited([ann, bob], [{ ...annHeld, name: 'Ann B.' }, bobHeld], [annHeld, bobHeld])).toEqual([
      { ...ann, name: 'Ann B.' },
      bob,
    ]);
  });

  it('a keyed list merges by identity: a removed item is gone, an added one added, one the side never held stays', () => {
    // One attendee removed: the other keeps the answer the side cannot hold.
    expect(mergeEdited([ann, bob], [annHeld], [annHeld, bobHeld])).toEqual([ann]);
    // The side holds only the first attendee: the second stays, the one it added is added.
    expect(mergeEdited([ann, bob], [annHeld, { email: 'x@example.org' }], [annHeld])).toEqual([
      ann,
      bob,
      { email: 'x@example.org' },
    ]);
    // An attendee replaced by another: the old one is gone, the new one added.
    expect(mergeEdited([ann, bob], [annHeld, { email: 'new@example.org' }], [annHeld, bobHeld])).toEqual([
      ann,
      { email: 'new@example.org' },
    ]);
  });

  it('exceptions are matched by the instant of their RECURRENCE-ID, however each side spells it', () => {
    const utcId = { kind: 'utc', dateTime: '2030-03-08T09:00:00Z' };
    const zonedId = { kind: 'zoned', dateTime: '2030-03-08T10:00:00', tzid: 'Europe/Berlin' };
    const exception = { recurrenceId: zonedId, summary: 'Moved', organizer: { email: 'boss@example.org' } };
    const held = { recurrenceId: utcId, summary: 'Moved' };
    // The side spells the id in UTC and keeps no organizer: its rename merges into the base's exception.
    expect(mergeEdited([exception], [{ ...held, summary: 'Renamed' }], [held])).toEqual([
      { ...exception, summary: 'Renamed' },
    ]);
    // Another instant is another occurrence. An unknown zone names none: the list cannot be matched item by item and
    // is taken whole (never kept beside the edited one, which would list the occurrence twice).
    const other = { recurrenceId: { kind: 'utc', dateTime: '2030-03-15T09:00:00Z' }, summary: 'Other' };
    expect(mergeEdited([exception], [other], [held])).toEqual([other]);
    const unknownZone = { ...exception, recurrenceId: { ...zonedId, tzid: 'Nowhere/Atlantis' } };
    expect(mergeEdited([unknownZone], [{ ...held, summary: 'Renamed' }], [held])).toEqual([
      { ...held, summary: 'Renamed' },
    ]);
  });

  it('a list whose items do not name themselves (phones, which stores reorder) is taken whole', () => {
    const phones = [
      { value: '+1 555 0100', types: ['work'], preferred: true },
      { value: '+1 555 0199', types: ['home'] },
    ];
    const held = phones.map(({ value, types }) => ({ value, types }));
    expect(mergeEdited(phones, [held[1], held[0]], held)).toEqual([held[1], held[0]]);
  });
});
