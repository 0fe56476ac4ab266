import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/** `pnpm release:app`: the app-store tarball, with what Nextcloud runs and nothing of the development tree. */
const root = resolve(fileURLToPath(import.meta.url), '../../../../..');
const out = mkdtempSync(join(tmpdir(), 'exsync-release-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const sh = (command: string, env: Record<string, string> = {}) =>
  promisify(execFile)('bash', ['-euo', 'pipefail', '-c', command], {
    cwd: root,
    env: { ...process.env, RELEASE_OUT_DIR: out, ...env },
  });

describe('pnpm release:app', () => {
  const version = /<version>([^<]+)<\/version>/.exec(
    readFileSync(join(root, 'nextcloud-app/appinfo/info.xml'), 'utf8'),
  )?.[1];
  const tarball = join(out, `exsync-${version}.tar.gz`);

  it('packs exsync/ with appinfo, lib, templates and the built js/, without tests or sources', async () => {
    const { stdout } = await sh('pnpm release:app', { APP_BUGS_URL: 'https://github.com/exsync/exsync/issues' });
    expect(stdout).toContain(tarball);
    const names = (await sh(`tar -tzf ${tarball}`)).stdout.trim().split('\n');
    expect(names.every((n) => n.startsWith('exsync/'))).toBe(true);
    for (const must of [
      'exsync/appinfo/info.xml',
      'exsync/lib/AppInfo/Application.php',
      'exsync/templates/admin.php',
    ]) {
      expect(names).toContain(must);
    }
    expect(names.some((n) => /^exsync\/js\/.+\.m?js$/.test(n))).toBe(true);
    expect(names.filter((n) => /(^|\/)(tests?|src|node_modules)\/|phpunit\.xml|package\.json$/.test(n))).toEqual([]);
    const info = (await sh(`tar -xzOf ${tarball} exsync/appinfo/info.xml`)).stdout;
    expect(info).toContain('<bugs>https://github.com/exsync/exsync/issues</bugs>');
    expect(info).not.toContain('example.invalid');
    // The SHA-256 it prints is the file's: what the signing step signs.
    const sha = createHash('sha256').update(readFileSync(tarball)).digest('hex');
    expect(stdout).toContain(`sha256 ${sha}`);
  }, 120_000);

  it('the same sources give the same bytes (reproducible, so a signature can be checked)', async () => {
    const first = createHash('sha256').update(readFileSync(tarball)).digest('hex');
    await sh('pnpm release:app', { APP_BUGS_URL: 'https://github.com/exsync/exsync/issues' });
    expect(createHash('sha256').update(readFileSync(tarball)).digest('hex')).toBe(first);
  }, 120_000);

  it('refuses a bugs URL that is not https', async () => {
    await expect(sh('pnpm release:app', { APP_BUGS_URL: 'http://example.invalid' })).rejects.toMatchObject({ code: 1 });
  }, 120_000);
});
