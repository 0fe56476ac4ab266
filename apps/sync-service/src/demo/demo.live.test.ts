import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { liveSkipReason } from '../../../../packages/dav/src/testing/dav-servers';

/**
 * `pnpm demo --once` from the repository root, as a new admin runs it: exit 0 and items moved both ways — against
 * Radicale when installed, and against the fake Nextcloud it falls back to without Radicale (forced here with
 * --fake-nextcloud, so the fallback is tested on every machine).
 */
const skip = liveSkipReason('radicale');
const root = resolve(fileURLToPath(import.meta.url), '../../../../..');

function runDemo(...args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((done, fail) => {
    const child = spawn('pnpm', ['demo', '--once', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('error', fail);
    child.on('exit', (code) => done({ code, out }));
  });
}

describe.skipIf(skip)('pnpm demo --once', () => {
  it.each([
    ['EWS', []],
    ['Microsoft Graph', ['--graph']],
  ])(
    'over %s: exits 0 after syncing Exchange → DAV and a DAV-side event back to Exchange',
    async (face, args) => {
      const { code, out } = await runDemo(...args);
      expect(out).toContain(`exsync demo (${face} ⇄ Radicale)`);
      expect(code, out).toBe(0);
      expect(out).toMatch(/alice\s+event\s+success\s+Exchange → DAV 2 create/);
      expect(out).toMatch(/alice\s+event\s+success\s+Exchange → DAV nothing\s+DAV → Exchange 1 create/);
      expect(out).toContain('"Planned in Nextcloud" is in alice@contoso.com\'s Exchange calendar.');
      expect(out).toMatch(/Swagger UI\s+http:\/\/127\.0\.0\.1:\d+\/docs/);
      expect(out).toMatch(/Simulator control\s+http:\/\/127\.0\.0\.1:\d+\/_control\/info/);
    },
    240_000,
  );
});

describe('pnpm demo --once without Radicale (the fake Nextcloud)', () => {
  it.each([
    ['EWS', []],
    ['Microsoft Graph', ['--graph']],
  ])(
    'over %s: the fake Nextcloud makes the collections (MKCALENDAR, extended MKCOL), items move both ways, exit 0',
    async (face, args) => {
      const { code, out } = await runDemo('--fake-nextcloud', ...args);
      expect(out).toContain(`exsync demo (${face} ⇄ the fake Nextcloud)`);
      expect(code, out).toBe(0);
      expect(out).toMatch(/alice\s+event\s+success\s+Exchange → DAV 2 create/);
      expect(out).toMatch(/alice\s+contact\s+success/);
      expect(out).toMatch(/bob\s+event\s+success/);
      expect(out).toMatch(/alice\s+event\s+success\s+Exchange → DAV nothing\s+DAV → Exchange 1 create/);
      expect(out).toContain('"Planned in Nextcloud" is in alice@contoso.com\'s Exchange calendar.');
      expect(out).toMatch(/DAV \(alice\)\s+http:\/\/127\.0\.0\.1:\d+\/remote\.php\/dav\/calendars\/alice\/ and /);
    },
    240_000,
  );
});
