import { createHash } from 'node:crypto';
import type { StatusRow } from '@exsync/core';
import { sampleTask } from '@exsync/core/testing';
import { describe, expect, it } from 'vitest';
import { encodeLink, referenceOf } from './link-codec';

const side = (href: string, version: string, hash: string, raw: string) => ({ href, version, hash, raw });
const referenceRow: StatusRow = {
  ident: 'AAMkAGI2TG93AAA=',
  a: side('AAMkAGI2TG93AAA=', 'DwAAABYAAADKf', `sha256:${'ab'.repeat(32)}`, '<Appointment>Ref</Appointment>'),
  b: side(
    '/cal/AAMkAGI2TG93AAA=.ics',
    '"0f1e2d3c4b5a"',
    'cd'.repeat(32),
    'BEGIN:VCALENDAR\r\nUID:Ref\r\nEND:VCALENDAR\r\n',
  ),
  base: sampleTask('Ref', { summary: 'Réf — 参照' }),
};

/** Rows whose fields take each of the head's field codings: ASCII and non-ASCII text, hex of both cases and parities. */
const rows: [string, StatusRow][] = [
  [
    'ASCII ids, long lower-case hashes',
    {
      ident: 'AAMkAGI2TG94BBB=',
      a: side(
        'AAMkAGI2TG94BBB=',
        'DwAAABYAAADKg',
        `sha256:${'0123456789abcdef'.repeat(4)}`,
        '<Appointment>x</Appointment>',
      ),
      b: side(
        '/cal/AAMkAGI2TG94BBB=.ics',
        '"0f1e2d3c4b5b"',
        'fedcba9876543210'.repeat(4),
        'BEGIN:VCALENDAR\r\nUID:x\r\nEND:VCALENDAR\r\n',
      ),
      base: sampleTask('x', { summary: 'x' }),
    },
  ],
  [
    'non-ASCII ids and versions',
    {
      ident: 'événement-日本-😀',
      a: side('événement-日本-😀', 'ü-1', 'hä', '{"subject":"Grüße 😀"}'),
      b: side('/cal/%C3%A9v%C3%A9nement.ics', '"é1"', 'x', 'BEGIN:VCALENDAR\r\nSUMMARY:Grüße 😀\r\nEND:VCALENDAR\r\n'),
      base: sampleTask('é', { summary: 'Grüße' }),
    },
  ],
  [
    'hex of odd length, upper-case hex',
    {
      ident: 'ABCDEF0123456789ABC',
      a: side('abc', '"abcde"', 'ABCDEF0123', '{}'),
      b: side('/cal/ABCDEF0123456789ABC.ics', '12345', '0123456789abcdef0', 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n'),
    },
  ],
  ['one side, no base', { ident: 'pending-1', a: side('p1', '"1"', `sha256:${'9'.repeat(64)}`, '{"id":"p1"}') }],
];

const digest = (encoded: ReturnType<typeof encodeLink>) =>
  createHash('sha256')
    .update(JSON.stringify([encoded.identKey, encoded.aKey, encoded.bKey]))
    .update(encoded.head)
    .update(encoded.body ?? Buffer.alloc(0))
    .digest('hex')
    .slice(0, 16);

/**
 * What is written to item_links stays byte for byte what it was (issue 14 made the encoding cheaper, not other):
 * each row's keys, head and deflated body, coded alone and against a reference, digested. The digests were taken
 * from the codec before that change (main at bdc60e1).
 */
describe('item_links rows, byte for byte', () => {
  const reference = referenceOf(referenceRow);
  it.each(rows)('%s', (_name, row) => {
    const both = [digest(encodeLink(row, undefined)), digest(encodeLink(row, reference))];
    expect(both).toEqual(EXPECTED[_name]);
  });
});

const EXPECTED: Record<string, string[]> = {
  'ASCII ids, long lower-case hashes': ['a8e43f5dd1c6bdd5', 'd7134ba57eaa0e69'],
  'non-ASCII ids and versions': ['0b3a49b6a2c83646', '6c1cf32f34ab7324'],
  'hex of odd length, upper-case hex': ['810a36dd7b407c4f', 'f14fd1dbcb26a53f'],
  'one side, no base': ['0ef8776b9ab98ca8', '5179b1c831650c8e'],
};
