import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetchedItemFrom, fromModel, splitObjects, toModel, writtenItemFrom } from './index';

const FIXTURES = join(__dirname, '../../../../shared/fixtures');
const files = (dir: string) => readdirSync(join(FIXTURES, dir)).map((f) => [f, join(FIXTURES, dir, f)] as const);
const mappable = (raw: string) =>
  /^BEGIN:(VCARD|VTODO)/im.test(raw) || (/^BEGIN:VEVENT/im.test(raw) && /^DTSTART[;:]/im.test(raw));

/**
 * After a PUT the DAV store records what it wrote with `writtenItemFrom`, which skips the model: the engine must
 * record the very hash, text and marker `fetchedItemFrom` gave (the status row is the same byte for byte), for
 * what exsync writes (every fixture object through the model) and for objects as others wrote them.
 */
describe.each([...files('ics'), ...files('vcf')])('fixture %s', (_name, path) => {
  const objects = splitObjects(readFileSync(path)).filter(mappable);
  const ref = { href: '/cal/x.ics', version: '"e1"' };
  const recorded = (raw: string) => {
    const { ref: r, raw: text, hash, marker } = fetchedItemFrom(ref, raw);
    return { ref: r, raw: text, hash, ...(marker === undefined ? {} : { marker }) };
  };

  it('what exsync writes: the same hash, text and marker as a full read', () => {
    for (const raw of objects) {
      const written = fromModel(toModel(raw), { marker: 'm-1', now: '2026-01-01T00:00:00Z' });
      expect(writtenItemFrom(ref, written)).toEqual(recorded(written));
      expect(writtenItemFrom(ref, written).marker).toBe('m-1');
    }
  });

  it('objects as found: the same', () => {
    for (const raw of objects) expect(writtenItemFrom(ref, raw)).toEqual(recorded(raw));
  });
});
