/**
 * Collects every string the pages pass to t() / n() (src/) into l10n/exsync.pot, the template translators start
 * from (Nextcloud's translation tooling reads gettext templates). The translations themselves are l10n/<lang>.json in
 * Nextcloud's format (what its translation sync writes); l10n/<lang>.js, which Nextcloud loads in the browser, is
 * generated from the JSON here. tests/js/l10n.test.ts fails when a translatable string is missing from the template
 * or from a translation, or when a .js file is not the one its JSON makes.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { APP_DIR } from './source-hash';

export const POT_FILE = join(APP_DIR, 'l10n', 'exsync.pot');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

const quoted = String.raw`'((?:[^'\\]|\\.)*)'`;
const T_CALL = new RegExp(String.raw`\bt\(\s*` + quoted, 'g');
const N_CALL = new RegExp(String.raw`\bn\(\s*` + quoted + String.raw`,\s*` + quoted, 'g');

const unquote = (s: string) =>
  s.replace(/\\u([0-9a-fA-F]{4})/g, (_, h) => String.fromCharCode(Number.parseInt(h, 16))).replace(/\\(.)/g, '$1');
const po = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** msgid (or msgid + plural) → where it is used */
export function extract(): Map<string, { plural?: string; refs: string[] }> {
  const out = new Map<string, { plural?: string; refs: string[] }>();
  for (const file of files(join(APP_DIR, 'src')).sort()) {
    if (!/\.(ts|vue)$/.test(file)) continue;
    const text = readFileSync(file, 'utf8');
    const ref = relative(APP_DIR, file);
    for (const m of text.matchAll(N_CALL)) {
      const id = unquote(m[1]!);
      out.set(id, { plural: unquote(m[2]!), refs: [...(out.get(id)?.refs ?? []), ref] });
    }
    for (const m of text.matchAll(T_CALL)) {
      const id = unquote(m[1]!);
      if (!out.has(id)) out.set(id, { refs: [ref] });
      else if (!out.get(id)!.refs.includes(ref)) out.get(id)!.refs.push(ref);
    }
  }
  return out;
}

export function pot(): string {
  const lines = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"', ''];
  for (const [id, { plural, refs }] of [...extract()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    lines.push(`#: ${[...new Set(refs)].join(' ')}`, `msgid ${po(id)}`);
    if (plural) lines.push(`msgid_plural ${po(plural)}`, 'msgstr[0] ""', 'msgstr[1] ""', '');
    else lines.push('msgstr ""', '');
  }
  return lines.join('\n');
}

/** The languages translated in l10n/ (a <lang>.json each). */
export function languages(): string[] {
  return readdirSync(join(APP_DIR, 'l10n'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

export interface Translation {
  translations: Record<string, string | string[]>;
  pluralForm: string;
}

export function readTranslation(lang: string): Translation {
  return JSON.parse(readFileSync(join(APP_DIR, 'l10n', `${lang}.json`), 'utf8')) as Translation;
}

/** The key Nextcloud's l10n looks a string up by: the msgid, or `_singular_::_plural_` for plural forms. */
export const keyOf = (id: string, plural?: string) => (plural === undefined ? id : `_${id}_::_${plural}_`);

/** l10n/<lang>.js as Nextcloud's translation tooling writes it: the JSON's content, registered for the app. */
export function translationScript(lang: string): string {
  const { translations, pluralForm } = readTranslation(lang);
  const body = Object.entries(translations)
    .map(([key, value]) => `    ${JSON.stringify(key)} : ${JSON.stringify(value)}`)
    .join(',\n');
  return `OC.L10N.register(\n    "exsync",\n    {\n${body}\n},\n${JSON.stringify(pluralForm)});\n`;
}

// Only when run as the script, not when a test imports it.
if (process.argv[1]?.endsWith('extract-l10n.ts') && process.argv.includes('--write')) {
  writeFileSync(POT_FILE, pot());
  console.log(`wrote ${relative(APP_DIR, POT_FILE)}: ${extract().size} strings`);
  for (const lang of languages()) {
    writeFileSync(join(APP_DIR, 'l10n', `${lang}.js`), translationScript(lang));
    console.log(`wrote l10n/${lang}.js`);
  }
}
