import type { RecurrenceRule } from '@exsync/core';
import { sampleContact } from '@exsync/core/testing';
import { describe, expect, it } from 'vitest';
import { contactFromGraph, contactToGraph, type GraphContact } from './graph-contact-mapping';
import { minutesBefore } from './graph-event-mapping';
import { ruleFromGraph, ruleToGraph } from './graph-recurrence';

const START = { kind: 'utc', dateTime: '2030-03-04T09:00:00Z' } as const;

describe('recurrence mapping (RRULE ↔ Graph patternedRecurrence)', () => {
  const rules: [string, RecurrenceRule][] = [
    ['daily every 2 days, 10 times', { freq: 'DAILY', interval: 2, count: 10 }],
    [
      'weekly on Monday and Thursday until a date',
      { freq: 'WEEKLY', byDay: [{ day: 'MO' }, { day: 'TH' }], until: { kind: 'date', date: '2030-06-30' } },
    ],
    ['monthly on the 15th', { freq: 'MONTHLY', byMonthDay: [15] }],
    ['monthly on the last Friday', { freq: 'MONTHLY', byDay: [{ day: 'FR', ordinal: -1 }] }],
    ['yearly on 14 February', { freq: 'YEARLY', byMonth: [2], byMonthDay: [14] }],
    [
      'yearly on the second Tuesday of March, every 2 years',
      { freq: 'YEARLY', interval: 2, byMonth: [3], byDay: [{ day: 'TU', ordinal: 2 }] },
    ],
  ];
  for (const [name, rule] of rules) {
    it(`round-trips ${name}`, () => {
      expect(ruleFromGraph(ruleToGraph(rule, START, 'UTC'))).toEqual(rule);
    });
  }

  it('refuses a rule Exchange cannot hold instead of approximating it', () => {
    expect(() => ruleToGraph({ freq: 'MONTHLY', byMonthDay: [1, 15] }, START, 'UTC')).toThrowError(/cannot hold/);
  });

  it('reads Graph’s range kinds: numbered → COUNT, endDate → UNTIL (date), noEnd → open', () => {
    const pattern = { type: 'daily', interval: 1 };
    expect(ruleFromGraph({ pattern, range: { type: 'numbered', numberOfOccurrences: 3 } })).toEqual({
      freq: 'DAILY',
      count: 3,
    });
    expect(ruleFromGraph({ pattern, range: { type: 'endDate', endDate: '2030-05-01' } })).toEqual({
      freq: 'DAILY',
      until: { kind: 'date', date: '2030-05-01' },
    });
    expect(ruleFromGraph({ pattern, range: { type: 'noEnd', endDate: '0001-01-01' } })).toEqual({ freq: 'DAILY' });
  });
});

describe('contact mapping', () => {
  it('round-trips the fields Exchange holds', () => {
    const contact = sampleContact('c1', {
      formattedName: 'Dr. Ada Lovelace',
      name: { family: 'Lovelace', given: 'Ada', prefix: 'Dr.' },
      emails: [
        { value: 'ada@work.example', types: ['work'] },
        { value: 'ada@home.example', types: ['home'] },
      ],
      phones: [
        { value: '+1 555 0100', types: ['work'] },
        { value: '+1 555 0101', types: ['home'] },
        { value: '+1 555 0102', types: ['cell'] },
      ],
      addresses: [{ types: ['work'], street: '1 Main St', locality: 'London', country: 'UK' }],
      organization: { name: 'Analytical Engines', units: ['Research'] },
      title: 'Countess',
      birthday: { month: 12, day: 10 },
      notes: 'First programmer',
      urls: [{ value: 'https://ada.example', types: ['work'] }],
      categories: ['VIP'],
    });
    const graph = { id: 'x', ...contactToGraph(contact) } as GraphContact;
    expect(graph.birthday).toBe('1604-12-10T11:59:00Z');
    expect(contactFromGraph(graph, 'c1')).toEqual({ ...contact, emails: [contact.emails[0], contact.emails[1]] });
  });
});

describe('reminder durations', () => {
  it('reads minutes before the start from RFC 5545 durations', () => {
    expect(minutesBefore('-PT15M')).toBe(15);
    expect(minutesBefore('-PT1H30M')).toBe(90);
    expect(minutesBefore('-P1D')).toBe(1440);
    expect(minutesBefore('PT0S')).toBe(0);
    expect(minutesBefore('PT10M')).toBeUndefined();
  });
});
