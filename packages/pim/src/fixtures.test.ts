import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidItemError } from '@exsync/core';
import { describe, expect, it } from 'vitest';
import { fromModel, patch, splitObjects, toModel } from './index';
import { deepEqual } from './mapping/fields';

// Real-world inputs shared by the project (not copied here: several are copyleft). See fixtures/SOURCES.md.
const FIXTURES = join(__dirname, '../../../../shared/fixtures');
const files = (dir: string) => readdirSync(join(FIXTURES, dir)).map((f) => [f, join(FIXTURES, dir, f)] as const);

/**
 * A VEVENT without DTSTART is only legal inside an iTIP message (RFC 5545 3.6.1, RFC 5546: REPLY, CANCEL…), and
 * the model has no VJOURNAL or VFREEBUSY: toModel rejects those objects. Every other object of every fixture
 * must map.
 */
const mappable = (raw: string) =>
  /^BEGIN:(VCARD|VTODO)/im.test(raw) || (/^BEGIN:VEVENT/im.test(raw) && /^DTSTART[;:]/im.test(raw));

describe.each([...files('ics'), ...files('vcf')])('fixture %s', (_name, path) => {
  const all = splitObjects(readFileSync(path));
  const objects = all.filter(mappable);

  it('rejects only events without DTSTART and journals/free-busy, with an InvalidItemError saying why', () => {
    for (const raw of all.filter((r) => !mappable(r))) {
      expect(() => toModel(raw)).toThrow(InvalidItemError);
      expect(() => toModel(raw)).toThrow(/DTSTART|neither a VEVENT nor a VTODO/);
    }
  });

  it('maps every object to the model and back to an equal model', () => {
    for (const raw of objects) {
      const model = toModel(raw);
      const rebuilt = toModel(fromModel(model, { marker: 'm-1', now: '2026-01-01T00:00:00Z' }));
      // deepEqual treats a missing key as undefined, as the engine does; toEqual shows the difference if any.
      expect(deepEqual(model, rebuilt) ? model : rebuilt).toEqual(model);
    }
  });

  it('patching an object with its own model returns it byte-identical', () => {
    for (const raw of objects) expect(patch(raw, toModel(raw))).toBe(raw);
  });
});

describe.each(files('malformed'))('malformed fixture %s', (_name, path) => {
  it('is repaired (and then maps) or rejected with InvalidItemError', () => {
    let objects: string[];
    try {
      objects = splitObjects(readFileSync(path));
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidItemError);
      return;
    }
    for (const raw of objects) {
      try {
        const model = toModel(raw);
        expect(patch(raw, model)).toBe(raw);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidItemError);
      }
    }
  });
});
