import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidItemError } from '@exsync/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  contentHash,
  fetchedItemFrom,
  fromModel,
  parseCalendar,
  parseVCard,
  patch,
  readMarker,
  splitObjects,
  toModel,
} from './index';

const FIXTURES = join(__dirname, '../../../../shared/fixtures');
const samples = ['ics', 'vcf'].flatMap((d) =>
  readdirSync(join(FIXTURES, d)).flatMap((f) => {
    try {
      return splitObjects(readFileSync(join(FIXTURES, d, f)));
    } catch {
      return [];
    }
  }),
);

/** Every public entry point that takes raw text, the way the DAV store and the engine call them. */
const ENTRY_POINTS: readonly [string, (raw: string) => unknown][] = [
  ['toModel', (raw) => toModel(raw)],
  ['patch with its own model', (raw) => patch(raw, toModel(raw))],
  ['fromModel of its model', (raw) => fromModel(toModel(raw))],
  ['contentHash', (raw) => contentHash(raw)],
  ['readMarker', (raw) => readMarker(raw)],
  ['fetchedItemFrom', (raw) => fetchedItemFrom({ href: '/c/x.ics', version: '"1"' }, raw)],
  ['splitObjects', (raw) => splitObjects(raw)],
  ['parseCalendar', (raw) => parseCalendar(raw)],
  ['parseVCard', (raw) => parseVCard(raw)],
  ['toModel of bytes', (raw) => toModel(Buffer.from(raw, 'latin1'))],
];

/** Lines that look like content: the shapes that reach ical.js's less guarded paths. */
const contentLike = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    'END:VEVENT',
    'END:VCALENDAR',
    'END:VCARD',
    'BEGIN:VEVENT',
    'BEGIN:VALARM',
    'BEGIN:VCALENDAR',
    'X-STRAY:garbage',
    ':',
    ';:',
    'DTSTART:',
    'RRULE:FREQ=',
    'TZID;',
    ' continued',
    '\t',
    '=',
    '"',
  ),
  fc
    .tuple(
      fc.constantFrom('DTSTART', 'DTEND', 'RRULE', 'UID', 'ADR', 'N', 'TEL', 'DURATION', 'RECURRENCE-ID'),
      fc.string(),
    )
    .map(([n, v]) => `${n}:${v}`),
);

const damaged = fc
  .tuple(
    fc.nat({ max: samples.length - 1 }),
    fc.array(fc.tuple(fc.nat(), contentLike, fc.constantFrom('\r\n', '\n', '', '\r')), { minLength: 1, maxLength: 3 }),
  )
  .map(([index, insertions]) => {
    const lines = samples[index]!.split(/(?<=\n)/);
    for (const [at, garbage, newline] of insertions) lines.splice(at % (lines.length + 1), 0, garbage + newline);
    return lines.join('');
  });

describe('garbage around and inside real files', () => {
  it('has samples to damage', () => {
    expect(samples.length).toBeGreaterThan(50);
  });

  it.each(ENTRY_POINTS)('%s throws nothing but InvalidItemError', (_name, run) => {
    fc.assert(
      fc.property(damaged, (raw) => {
        try {
          run(raw);
        } catch (error) {
          if (!(error instanceof InvalidItemError)) throw error;
          // A wrapped TypeError is no clear error either: the message must say what is wrong with the input.
          expect(error.message).not.toMatch(/Cannot read properties|is not a function|undefined \(reading/);
        }
      }),
      { numRuns: 150 },
    );
  });
});
