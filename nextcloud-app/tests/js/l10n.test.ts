import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extract, keyOf, languages, POT_FILE, pot, readTranslation, translationScript } from '../../build/extract-l10n';
import { APP_DIR } from '../../build/source-hash';

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

  it('has German and French translations at least', () => {
    expect(languages()).toEqual(expect.arrayContaining(['de', 'fr']));
  });

  describe.each(languages())('l10n/%s', (lang) => {
    const { translations } = readTranslation(lang);
    const placeholders = (text: string) => [...text.matchAll(/\{[a-z_A-Z]+\}/g)].map((m) => m[0]).sort();

    it('translates every string of the pages, plural forms as plural forms, keeping every {placeholder}', () => {
      const untranslated: string[] = [];
      for (const [id, { plural }] of extract()) {
        const value = translations[keyOf(id, plural)];
        const forms = plural === undefined ? [value] : value;
        if (!Array.isArray(forms) || forms.length !== (plural === undefined ? 1 : 2) || forms.some((f) => !f)) {
          untranslated.push(id);
          continue;
        }
        for (const form of forms as string[]) {
          expect(placeholders(form), `${lang}: ${id}`).toEqual(placeholders(plural ?? id));
        }
      }
      expect(untranslated, `untranslated in l10n/${lang}.json`).toEqual([]);
    });

    it('holds no string the pages no longer use', () => {
      const used = new Set([...extract()].map(([id, { plural }]) => keyOf(id, plural)));
      expect(Object.keys(translations).filter((key) => !used.has(key))).toEqual([]);
    });

    it(`l10n/${lang}.js is the one its JSON makes (run \`pnpm --filter @exsync/nextcloud-app l10n\`)`, () => {
      expect(readFileSync(join(APP_DIR, 'l10n', `${lang}.js`), 'utf8')).toBe(translationScript(lang));
    });
  });
});
