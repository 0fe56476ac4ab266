import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HASH_FILE, sourceHash } from '../../build/source-hash';

describe('the committed admin/personal bundle (nextcloud-app/js)', () => {
  it('was built from the current sources: after changing src/, run `pnpm --filter @exsync/nextcloud-app build` and commit js/', () => {
    expect(readFileSync(HASH_FILE, 'utf8').trim()).toBe(sourceHash());
  });

  it('is what the PHP pages load: one module per page', () => {
    const admin = readFileSync(new URL('../../js/exsync-admin.mjs', import.meta.url), 'utf8');
    const personal = readFileSync(new URL('../../js/exsync-personal.mjs', import.meta.url), 'utf8');
    expect(admin).toContain('#exsync-admin');
    expect(personal).toContain('#exsync-personal');
  });
});
