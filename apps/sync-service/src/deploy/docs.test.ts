import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { type RunningServer, startServer } from '../server';

/**
 * The operator documentation's commands: every shell block says how it is checked, and the blocks marked
 * `# runs in docs.test.ts` are run here, as written, against a live service on a throw-away embedded database.
 */
const root = resolve(fileURLToPath(import.meta.url), '../../../../..');
const docsDir = join(root, 'docs');
const SHELLS = new Set(['sh', 'bash', 'powershell']);
/** Reading order: the tenant and its connection exist before the pages that use them. */
const ORDER = [
  'README.md',
  'running.md',
  'install-nextcloud-app.md',
  'exchange-on-prem-ews.md',
  'exchange-online-graph.md',
  'migrating-ews-to-graph.md',
  'troubleshooting.md',
  'operations.md',
  'architecture.md',
  'capabilities.md',
  'performance.md',
];

interface Block {
  readonly file: string;
  readonly marker: string;
  readonly body: string;
}

function blocks(): Block[] {
  const out: Block[] = [];
  for (const file of ORDER) {
    const text = readFileSync(join(docsDir, file), 'utf8');
    for (const m of text.matchAll(/^( *)```(\w+)\n([\s\S]*?)^\1```/gm)) {
      if (!SHELLS.has(m[2] ?? '')) continue;
      const body = (m[3] ?? '').replace(new RegExp(`^${m[1]}`, 'gm'), '');
      out.push({ file, marker: body.split('\n')[0] ?? '', body });
    }
  }
  return out;
}

describe('docs/', () => {
  it('lists every page in the reading order, and the README links the docs', () => {
    expect(readdirSync(docsDir).sort()).toEqual([...ORDER].sort());
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain('](docs/README.md)');
    expect(readme).not.toMatch(/`DESIGN\.md`/);
  });

  it('the API document (Swagger UI) carries the package version', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'apps/sync-service/package.json'), 'utf8')) as { version: string };
    const doc = JSON.parse(readFileSync(join(root, 'apps/sync-service/openapi.json'), 'utf8')) as {
      info: { version: string };
    };
    expect(doc.info.version).toBe(pkg.version);
  });

  it('every shell block says how it is checked, and a referenced test exists and runs that command', () => {
    const all = blocks();
    expect(all.length).toBeGreaterThan(10);
    for (const b of all) {
      expect(b.marker, `${b.file}: ${b.body.slice(0, 80)}`).toMatch(/^# (runs in \S+|needs .+)$/);
      const ref = /^# runs in (\S+)$/.exec(b.marker)?.[1];
      if (!ref || ref === 'docs.test.ts') continue;
      expect(existsSync(join(root, ref)), ref).toBe(true);
      // The test names the command it runs (e.g. `pnpm release:app`).
      const command = b.body.split('\n')[1]?.trim() ?? '';
      expect(readFileSync(join(root, ref), 'utf8'), `${ref} runs "${command}"`).toContain(command);
    }
  });

  describe('the blocks marked "runs in docs.test.ts", against a live service', () => {
    let server: RunningServer;
    let dataDir: string;
    const env: Record<string, string> = {};
    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'exsync-docs-'));
      const adminKey = randomBytes(32).toString('base64url');
      const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', EXSYNC_DATA_DIR: dataDir, EXSYNC_ADMIN_KEY: adminKey });
      server = await startServer(config, createLogger('silent'), () => undefined);
      const call = async (method: string, path: string, key: string, body: unknown) => {
        const res = await fetch(`${server.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
        return res.json() as Promise<Record<string, string>>;
      };
      const tenant = await call('POST', '/v1/tenants', adminKey, {
        name: 'Docs',
        nextcloudUrl: 'https://cloud.docs.example',
      });
      const { key } = await call('POST', `/v1/tenants/${tenant.id}/api-keys`, adminKey, { label: 'docs' });
      await call('PUT', '/v1/users/alice', key ?? '', { loginName: 'alice', appPassword: 'app-password-alice' });
      Object.assign(env, { EXSYNC_URL: server.url, ADMIN_KEY: adminKey, TENANT_KEY: key });
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('each runs and succeeds', async () => {
      const runnable = blocks().filter((b) => b.marker === '# runs in docs.test.ts');
      expect(runnable.length).toBeGreaterThanOrEqual(7);
      for (const b of runnable) {
        const run = promisify(execFile)('bash', ['-euo', 'pipefail', '-c', b.body], {
          cwd: root,
          env: { ...process.env, ...env },
        });
        await expect(run, `${b.file}:\n${b.body}`).resolves.toBeDefined();
      }
      // The migration page's PUT left a Graph connection with the documented root URL.
      const got = await fetch(`${env.EXSYNC_URL}/v1/exchange-connection`, {
        headers: { authorization: `Bearer ${env.TENANT_KEY}` },
      });
      expect(await got.json()).toMatchObject({ kind: 'graph', url: 'https://graph.microsoft.com', hasSecret: true });
    }, 120_000);
  });
});
