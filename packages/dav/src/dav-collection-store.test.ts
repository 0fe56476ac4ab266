import { describe, expect, it } from 'vitest';
import { canonicalPath, objectName } from './dav-collection-store';

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
