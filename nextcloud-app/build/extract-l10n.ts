/**
 * Collects every string the pages pass to t() / n() (src/) into l10n/exsync.pot, the template translators start
 * from (Nextcloud's translation tooling reads gettext templates; translated l10n/<lang>.js|json files are generated
 * from it). tests/js/l10n.test.ts fails when a translatable string is missing from the template.
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

// Only when run as the script, not when a test imports it.
if (process.argv[1]?.endsWith('extract-l10n.ts') && process.argv.includes('--write')) {
  writeFileSync(POT_FILE, pot());
  console.log(`wrote ${relative(APP_DIR, POT_FILE)}: ${extract().size} strings`);
}
