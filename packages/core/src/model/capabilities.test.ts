import { describe, expect, it } from 'vitest';
import { sampleEvent } from '../testing';
import { type Capabilities, notHeldField, projectItem } from './capabilities';

describe('projectItem', () => {
  it('gives a list field the store cannot hold its empty form (an empty list), as the store reads it', () => {
    const caps: Capabilities = {
      event: {
        ...({} as NonNullable<Capabilities['event']>),
        url: notHeldField('no URL'),
        recurrenceDates: notHeldField('no RDATE'),
      },
    };
    const event = sampleEvent('p1', '2030-01-01T10:00:00Z', {
      url: 'https://example.org',
      recurrenceDates: [{ kind: 'utc', dateTime: '2030-01-02T10:00:00Z' }],
    });
    const projected = projectItem(caps, event);
    expect(projected.recurrenceDates).toEqual([]);
    expect('url' in projected).toBe(false);
  });
});
