import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assertSameItems, radicaleHoldings } from './dav-check';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A Radicale storage folder holding `files` (collection → file name → body) for user `u`. */
function storage(files: Record<string, Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'exsync-dav-check-'));
  dirs.push(dir);
  for (const [collection, objects] of Object.entries(files)) {
    const path = join(dir, 'collections', 'collection-root', 'u', collection);
    mkdirSync(path, { recursive: true });
    writeFileSync(join(path, '.Radicale.props'), '{}');
    for (const [name, body] of Object.entries(objects)) writeFileSync(join(path, name), body);
  }
  return dir;
}

const event = (uid: string) =>
  `BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:X\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:${uid.slice(0, 10)}\r\n ${uid.slice(10)}\r\nSUMMARY:s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;
const task = (title: string) =>
  `BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:t-${title}\r\nSUMMARY:${title}\r\nEND:VTODO\r\nEND:VCALENDAR\r\n`;
const card = (fn: string) => `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:c\r\nFN:${fn.replace(',', '\\,')}\r\nEND:VCARD\r\n`;

describe('the benchmark check that Radicale holds exactly the mailbox', () => {
  it('reads events by UID (folded lines too), tasks by title and contacts by name, across collections', () => {
    const dir = storage({
      calendar: { 'a.ics': event('uid-aaaaaaaaaaaa-1'), 'b.ics': event('uid-bbbbbbbbbbbb-2') },
      tasks: { 't.ics': task('Task 1') },
      contacts: { 'c.vcf': card('Smith, Ann') },
    });
    const held = radicaleHoldings(dir, 'u');
    expect(held.event.sort()).toEqual(['uid-aaaaaaaaaaaa-1', 'uid-bbbbbbbbbbbb-2']);
    expect(held.task).toEqual(['Task 1']);
    expect(held.contact).toEqual(['Smith, Ann']);
    expect(radicaleHoldings(dir, 'u', 'tasks')).toEqual({ event: [], contact: [], task: ['Task 1'] });
    expect(() =>
      assertSameItems(
        'ok',
        { event: ['uid-bbbbbbbbbbbb-2', 'uid-aaaaaaaaaaaa-1'], contact: ['Smith, Ann'], task: ['Task 1'] },
        held,
      ),
    ).not.toThrow();
  });

  it('fails on a missing item, an extra one, and one held twice (same count as the mailbox)', () => {
    const expected = { event: ['a', 'b'], contact: [], task: [] };
    expect(() => assertSameItems('x', expected, { event: ['a'], contact: [], task: [] })).toThrow(/1 missing \(b\)/);
    expect(() => assertSameItems('x', expected, { event: ['a', 'b', 'c'], contact: [], task: [] })).toThrow(
      /1 extra \(c\)/,
    );
    // A duplicate that hides a missing item behind an equal count.
    expect(() => assertSameItems('x', expected, { event: ['a', 'a'], contact: [], task: [] })).toThrow(
      /1 missing \(b\).*1 twice \(a\)/,
    );
    expect(() =>
      assertSameItems('x', { event: ['a', 'a'], contact: [], task: [] }, { event: ['a'], contact: [], task: [] }),
    ).toThrow(/Exchange 2, DAV 1/);
  });

  it('checks only the kinds asked for', () => {
    expect(() =>
      assertSameItems('x', { event: ['a'], contact: ['c'], task: [] }, { event: ['a'], contact: [], task: [] }, [
        'event',
      ]),
    ).not.toThrow();
  });
});
