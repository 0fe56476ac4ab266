import { describe, expect, it } from 'vitest';
import { canonicalPath, objectHref, objectName } from './dav-collection-store';

describe('href canonical form', () => {
  it('spells one path one way whichever characters a server chose to escape', () => {
    const forms = ['/cal/a%40b%2Bc%20d.ics', '/cal/a@b+c%20d.ics', '/cal/a%40b+c%20d.ics'];
    expect(new Set(forms.map(canonicalPath))).toEqual(new Set(['/cal/a@b+c%20d.ics']));
  });

  it('names objects after plain UIDs and by hash otherwise, never producing a path separator', () => {
    expect(objectName('1234-abcd@example.org')).toBe('1234-abcd@example.org');
    const odd = objectName('a/b c');
    expect(odd).toMatch(/^[0-9a-f]{64}$/);
    expect(objectName('a/b c')).toBe(odd);
    expect(objectName('..')).toMatch(/^[0-9a-f]{64}$/);
  });
});

/**
 * A created object's href is the collection's canonical path and its name (issue 14 dropped the URL parse and the
 * canonical pass per item): it must be exactly the href the store computed before, `canonicalPath` of the parsed
 * URL, for collections whose paths servers escape differently and for every kind of UID.
 */
describe('created objects’ hrefs', () => {
  const collections = [
    'http://127.0.0.1:5232/alice/calendar/',
    'https://cloud.example.org/remote.php/dav/calendars/a%40b.example/personal/',
    'https://cloud.example.org/remote.php/dav/calendars/a@b.example/Kalender%20Gr%C3%BC%C3%9Fe/',
    'https://cloud.example.org/dav/addressbooks/users/u+1/contacts%2Bwork/',
  ];
  const uids = [
    '040000008200E00074C5B7101A82E00800000000B0C1F1A4',
    'AAMkAGI2TG93AAA=',
    '1234-abcd@example.org',
    'a+b_c.d-e',
    'x.',
    'a/b c',
    '..',
    '.hidden',
    'Grüße',
    'a%40b',
    'a?b#c',
    'z'.repeat(200),
    'z'.repeat(201),
  ];
  it('equal the canonical path of the object URL, for every collection and UID', () => {
    for (const url of collections) {
      const collectionPath = canonicalPath(new URL(url).pathname);
      for (const uid of uids) {
        for (const ext of ['.ics', '.vcf']) {
          const before = canonicalPath(new URL(`${url}${objectName(uid)}${ext}`, url).pathname);
          expect(objectHref(collectionPath, uid, ext), `${url} ${uid}`).toBe(before);
        }
      }
    }
  });
});
