import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extract, POT_FILE, pot } from '../../build/extract-l10n';

describe('translations of the Nextcloud app pages', () => {
  it('l10n/exsync.pot holds every string the pages translate (run `pnpm --filter @exsync/nextcloud-app l10n`)', () => {
    expect(readFileSync(POT_FILE, 'utf8')).toBe(pot());
  });

  it('finds the strings of every section, plural forms included', () => {
    const strings = extract();
    expect(strings.has('Re-issue credentials')).toBe(true);
    expect(strings.has('Save sync settings')).toBe(true);
    expect(strings.get('{count} selected')?.plural).toBe('{count} selected');
    expect(strings.size).toBeGreaterThan(100);
  });
});
