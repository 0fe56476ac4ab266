/**
 * The fingerprint of everything the committed bundle in js/ is built from: the page sources, the build config, the
 * package manifest and the resolved versions of this package's dependencies. `pnpm --filter @exsync/nextcloud-app
 * build` writes it to js/SOURCES.sha256; tests/bundle.test.ts fails when the sources no longer match it, i.e. when
 * someone changed the pages without rebuilding (the build is deterministic, so rebuilding reproduces js/ exactly).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
export const HASH_FILE = join(APP_DIR, 'js', 'SOURCES.sha256');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** This package's importer block of pnpm-lock.yaml, versions only (peer suffixes change with unrelated packages). */
function lockedVersions(): string {
  const lock = readFileSync(join(APP_DIR, '..', 'pnpm-lock.yaml'), 'utf8');
  const start = lock.indexOf('\n  nextcloud-app:\n');
  if (start < 0) throw new Error('pnpm-lock.yaml has no nextcloud-app importer');
  const end = lock.indexOf('\n\n', start + 1);
  return lock
    .slice(start, end)
    .split('\n')
    .map((line) => line.replace(/^(\s+version: [^(]+)\(.*$/, '$1'))
    .join('\n');
}

export function sourceHash(): string {
  const hash = createHash('sha256');
  const inputs = [
    ...files(join(APP_DIR, 'src')),
    join(APP_DIR, 'vite.config.ts'),
    join(APP_DIR, 'package.json'),
  ].sort();
  for (const file of inputs) {
    hash.update(relative(APP_DIR, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  hash.update(lockedVersions());
  return hash.digest('hex');
}

// Only when run as the script, not when a test imports it.
if (process.argv[1]?.endsWith('source-hash.ts') && process.argv.includes('--write')) {
  writeFileSync(HASH_FILE, `${sourceHash()}\n`);
  console.log(`wrote ${relative(APP_DIR, HASH_FILE)}`);
}
