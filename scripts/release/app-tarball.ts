/**
 * `pnpm release:app`: the Nextcloud app as the app store wants it — `exsync-<version>.tar.gz` with one top folder
 * `exsync/`, holding what Nextcloud runs (appinfo, lib, templates, the built js/, css, img, l10n) and nothing
 * else: no tests, no front-end sources, no dev tooling. Then sign it with the app store's certificate:
 *   openssl dgst -sha512 -sign ~/.nextcloud/certificates/exsync.key dist/exsync-<version>.tar.gz | openssl base64
 * Options (environment): RELEASE_OUT_DIR (default dist/), APP_BUGS_URL (written as <bugs> into the packed
 * info.xml; the app store requires one and the repository names none of its own).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const app = join(root, 'nextcloud-app');
/** What goes in: what Nextcloud loads at run time, plus the licence and readme. */
const INCLUDE = [
  'appinfo',
  'lib',
  'templates',
  'js',
  'css',
  'img',
  'l10n',
  'README.md',
  'COPYING',
  'LICENSE',
  'CHANGELOG.md',
];
/** Never shipped even inside an included folder. */
const EXCLUDE = /(^|\/)(tests?|src|node_modules)(\/|$)|\.(test|spec)\.[jt]s$|\.ts$/;

function fail(message: string): never {
  process.stderr.write(`release:app: ${message}\n`);
  process.exit(1);
}

const infoXml = readFileSync(join(app, 'appinfo/info.xml'), 'utf8');
const version = /<version>([^<]+)<\/version>/.exec(infoXml)?.[1];
if (!version) fail('nextcloud-app/appinfo/info.xml has no <version>.');
const jsDir = join(app, 'js');
const bundles = existsSync(jsDir) ? readdirSync(jsDir).filter((f) => f.endsWith('.js') || f.endsWith('.mjs')) : [];
if (bundles.length === 0 || bundles.every((f) => statSync(join(jsDir, f)).size === 0)) {
  fail('nextcloud-app/js/ holds no built front-end bundle; build the admin page first.');
}

const staging = mkdtempSync(join(tmpdir(), 'exsync-release-'));
try {
  const top = join(staging, 'exsync');
  mkdirSync(top);
  for (const entry of INCLUDE) {
    const from = join(app, entry);
    if (!existsSync(from)) continue;
    cpSync(from, join(top, entry), {
      recursive: true,
      filter: (src) => !EXCLUDE.test(src.slice(app.length + 1).replaceAll('\\', '/')),
    });
  }
  const bugs = process.env.APP_BUGS_URL?.trim();
  let packedInfo = infoXml.replace(/\s*<bugs>[^<]*<\/bugs>/, '');
  if (bugs) {
    if (!/^https:\/\/\S+$/.test(bugs)) fail(`APP_BUGS_URL must be an https URL, got "${bugs}".`);
    packedInfo = packedInfo.replace(/(\s*)<dependencies>/, `$1<bugs>${bugs}</bugs>$1<dependencies>`);
  } else {
    process.stderr.write('release:app: no APP_BUGS_URL: info.xml has no <bugs>, which the app store requires.\n');
  }
  writeFileSync(join(top, 'appinfo/info.xml'), packedInfo);

  const outDir = resolve(root, process.env.RELEASE_OUT_DIR ?? 'dist');
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, `exsync-${version}.tar.gz`);
  // Reproducible: sorted names, fixed owner and times, so the same sources give the same bytes to sign.
  execFileSync(
    'tar',
    [
      '--sort=name',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '--mtime=@0',
      '--use-compress-program=gzip -n',
      '-cf',
      out,
      '-C',
      staging,
      'exsync',
    ],
    { env: { ...process.env, GZIP: '-n' } },
  );
  const sha = createHash('sha256').update(readFileSync(out)).digest('hex');
  process.stdout.write(`${out}\nsha256 ${sha}\n`);
} finally {
  rmSync(staging, { recursive: true, force: true });
}
