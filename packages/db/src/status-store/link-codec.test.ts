import { inflateRawSync } from 'node:zlib';
import type { StatusRow } from '@exsync/core';
import { sampleTask } from '@exsync/core/testing';
import { describe, expect, it } from 'vitest';
import { decodeLink, encodeLink, linkDictionary, referenceOf, shortenedHash } from './link-codec';

const hex = (c: string) => c.repeat(64);
const reference = referenceOf({
  ident: 'r1',
  a: { href: '/a/r1', version: '"1"', hash: `sha256:${hex('1')}`, raw: '{"id":"r1"}' },
  b: { href: '/b/r1.ics', version: `"${hex('2')}"`, hash: hex('3'), raw: 'BEGIN:VEVENT\r\nUID:r1\r\n' },
  // As the row below that an older build wrote was coded against.
  base: { kind: 'task', uid: 'r1', summary: 'Ref' } as unknown as StatusRow['base'],
});
const aHash = 'sha256:0e4d12a61c3feb356c49d625507763f994d8b3a745e91ff1384f326a09b6b478';
const bHash = '01f07529fc95e215010705558f08cfdb5d5da6a66256a712ea9aaa5f44b9ae46';
const row: StatusRow = {
  ident: 'x2',
  a: { href: '/a/x2', version: '"5"', hash: aHash, raw: '{"id":"x2"}' },
  b: { href: '/b/x2.ics', version: `"${'798084db'.repeat(8)}"`, hash: bHash, raw: 'BEGIN:VEVENT\r\nUID:x2\r\n' },
  base: sampleTask('x2', { summary: 'Old' }),
};

const read = (encoded: { head: Uint8Array; body: Uint8Array | null }, holds = { hasA: true, hasB: true }) =>
  JSON.parse(JSON.stringify(decodeLink({ ...encoded, ...holds }, reference).row)) as StatusRow;

/** Whether a head says its body holds the row's ids as tokens (flag 128 of its second byte). */
const tokenized = (head: Uint8Array) => (head[1]! & 128) !== 0;

describe('content hashes in item_links heads', () => {
  it('keeps 128 bits of a hash ending in 64 or more hex digits, and a kept start as it is', () => {
    expect(shortenedHash(bHash)).toBe('01f07529fc95e215010705558f08cfdb');
    expect(shortenedHash(aHash)).toBe('sha256:0e4d12a61c3feb356c49d625507763f9');
    expect(shortenedHash(`${bHash}ab`)).toBe('01f07529fc95e215010705558f08cfdb');
    expect(shortenedHash('01f07529fc95e215010705558f08cfdb…')).toBe('01f07529fc95e215010705558f08cfdb');
    // Too short to prove anything, upper-case hex, shorter hashes, none: kept whole.
    for (const whole of ['01f07529fc95e215010705558f08cfd…', bHash.toUpperCase(), bHash.slice(1), 'ha', '']) {
      expect(shortenedHash(whole), whole).toBeUndefined();
    }
  });

  it('reads a long hash back as its start and the mark, 16 bytes less a hash, and keeps it so when written again', () => {
    const encoded = encodeLink(row, reference);
    expect(encoded.head[0]).toBe(3); // what a build reading only format 2 refuses
    const back = read(encoded);
    expect(back).toEqual({
      ...row,
      a: { ...row.a!, hash: 'sha256:0e4d12a61c3feb356c49d625507763f9…' },
      b: { ...row.b!, hash: '01f07529fc95e215010705558f08cfdb…' },
    });
    const again = encodeLink(back, reference);
    expect(again.head).toEqual(encoded.head);
    expect(read(again)).toEqual(back);
    const whole = encodeLink({ ...row, a: { ...row.a!, hash: 'ha' }, b: { ...row.b!, hash: 'hb' } }, reference);
    expect(encoded.head.length).toBeLessThanOrEqual(whole.head.length + 2 * 16 + 2);
  });

  // Written by the build before shortened hashes (main at 9e58f26): no flag, the whole
  // hashes, read as they were.
  it('reads rows written with whole hashes as they were', () => {
    const old = {
      head: Buffer.from(
        'AgcAAAh4MgAAAwEBBVAHAIECDk0Sphw/6zVsSdYlUHdj+ZTYs6dF6R/xOE8yagm2tHgAAAMBAYECeYCE25reyanXZuW0XcBl1xp8dXp3fJZgS1VQk77OJeYAAIECAfB1KfyV4hUBBwVVjwjP211dpqZiVqcS6pqqX0S5rkY=',
        'base64',
      ),
      body: Buffer.from('w+7MCiMUZ/rnpCjVMkCdWWGkVMuA6cwKI14uAA==', 'base64'),
    };
    expect(old.head[0]).toBe(2);
    const back = read(old);
    expect(back.a?.hash).toBe(aHash);
    expect(back.b?.hash).toBe(bHash);
    expect(back.b?.version).toBe('"798084db9adec9a9d766e5b45dc065d71a7c757a777c96604b555093bece25e6"');
    expect(back).toMatchObject({ ident: 'x2', a: { raw: '{"id":"x2"}' }, base: { uid: 'x2', summary: 'Old' } });
  });
});

describe("the row's ids in item_links bodies", () => {
  // An event as Graph and a DAV server spell it: the ident as iCalUId and uid and as folded UID and X-EXSYNC-ID
  // lines, the item id in the webLink (URL-encoded), the version as @odata.etag (escaped) and as changeKey.
  const ident = `040000008200E00074C5B7101A82E008${'0'.repeat(32)}1000000000${'42354931D57BD8274E871E411F4A851'}`;
  const id =
    'AAMkADQ0ODZlZDRjLTI4NzMtNGY2ZS04OGZhLTA1NmVjMGVkMjI3ZUYAAAAAADJW-_-_S92Czlr_Om7lQMIAB-Bm8RS8o0MmDDr5VrRd=';
  const changeKey = 'DwAAABYAAAAAUgAAAFI=';
  const graph = JSON.stringify({
    entity: {
      '@odata.etag': `W/"${changeKey}"`,
      changeKey,
      iCalUId: ident,
      id,
      subject: 'Event 68',
      uid: ident,
      webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(id)}&exvsurl=1&path=/calendar/item`,
    },
  });
  const fold = (line: string) => `${line.slice(0, 75)}\r\n ${line.slice(75)}`;
  const ics = `BEGIN:VEVENT\r\n${fold(`UID:${ident}`)}\r\nSUMMARY:Event 68\r\n${fold(`X-EXSYNC-ID:${ident}`)}\r\nEND:VEVENT\r\n`;
  const event: StatusRow = {
    ident,
    a: { href: id, version: `W/"${changeKey}"`, hash: aHash, raw: graph },
    b: { href: `/alice/cal/${ident}.ics`, version: `"${'798084db'.repeat(8)}"`, hash: bHash, raw: ics },
    base: sampleTask(ident, { summary: 'Event 68' }),
  };
  const kept = (r: StatusRow): StatusRow => ({
    ...r,
    a: { ...r.a!, hash: `${shortenedHash(r.a!.hash)}…` },
    b: { ...r.b!, hash: `${shortenedHash(r.b!.hash)}…` },
  });

  it('are one character each in the deflated text, and read back exactly', () => {
    const encoded = encodeLink(event, reference);
    expect(tokenized(encoded.head)).toBe(true);
    expect(read(encoded)).toEqual(kept(event));
    const ids = [ident, id, changeKey, fold(`UID:${ident}`)];
    const inflated = inflateRawSync(encoded.body!, { dictionary: linkDictionary(reference, event) }).toString('utf8');
    for (const form of ids) expect(inflated).not.toContain(form);
    // A side whose key another row took is gone from the row, yet its ids still decode the body.
    expect(read(encoded, { hasA: false, hasB: true })).toEqual((({ a: _, ...r }) => r)(kept(event)));
  });

  it('are left as they are in a body that holds a control character of its own, and in older rows', () => {
    const odd: StatusRow = { ...event, a: { ...event.a!, raw: `\u0001${graph}\u001a` } };
    const encoded = encodeLink(odd, reference);
    expect(tokenized(encoded.head)).toBe(false);
    expect(read(encoded)).toEqual(kept(odd));
  });

  it('stand for the longest id first where one holds another', () => {
    const nested: StatusRow = {
      ident: 'abcdefgh',
      a: { href: '/a/abcdefgh', version: 'abcdefgh-2', hash: '', raw: 'abcdefgh /a/abcdefgh abcdefgh-2 x/a/abcdefghy' },
      b: { href: 'abcdefgh.ics', version: '"abcdefgh"', hash: '', raw: 'abcdefgh.ics "abcdefgh" \\"abcdefgh\\"' },
    };
    const encoded = encodeLink(nested, reference);
    expect(tokenized(encoded.head)).toBe(true);
    expect(read(encoded)).toEqual(nested);
    // Each href and version one token (the ident taken first would leave them spelt around its token).
    const inflated = inflateRawSync(encoded.body!, { dictionary: linkDictionary(reference, nested) }).toString('utf8');
    expect(inflated).not.toMatch(/\/a\/|\.ics|-2/);
  });
});
