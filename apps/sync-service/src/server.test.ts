import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRaw } from './testing/raw-http';

/** The real thing: `exsync serve` as a child process on a fresh data folder and a free port. */

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'exsync.js');

interface Proc {
  child: ChildProcess;
  /** stdout and stderr interleaved. */
  output(): string;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

function run(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    text += String(d);
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    text += String(d);
    err += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => text, stdout: () => out, stderr: () => err, exited };
}

async function waitFor<T>(what: string, probe: () => T | undefined, proc: Proc, ms = 150_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (proc.child.exitCode !== null) throw new Error(`exited before ${what}:\n${proc.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('exsync serve', () => {
  let dataDir: string;
  let server: Proc;
  let url: string;
  let adminKey: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'exsync-serve-'));
    // trace: the level at which Fastify logs client errors (with the raw packet as a Buffer).
    server = run(['serve'], { EXSYNC_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'trace' });
    adminKey = await waitFor(
      'the admin key',
      () => /\b(exs_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43})\b/.exec(server.output())?.[1],
      server,
    );
    url = await waitFor('listening', () => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(server.output())?.[1], server);
  }, 180_000);

  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints the first-start admin key on stderr, never on stdout where the JSON logs go', () => {
    expect(server.stderr()).toContain(adminKey);
    expect(server.stdout()).not.toContain(adminKey);
    for (const line of server.stdout().trim().split('\n')) expect(() => JSON.parse(line), line).not.toThrow();
  });

  it('survives a malformed request line and a 20 KB header at LOG_LEVEL=trace, answering { code, message }', async () => {
    const port = Number(new URL(url).port);
    const bad = await sendRaw(port, 'G@T / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).code).toBe('EXSYNC_BAD_REQUEST');
    const big = await sendRaw(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`);
    expect(big.status).toBe(431);
    expect(JSON.parse(big.body).code).toBe('EXSYNC_HEADERS_TOO_LARGE');
    expect(server.child.exitCode).toBeNull();
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('serves Swagger UI at /docs and the OpenAPI document at /openapi.json', async () => {
    const docs = await fetch(`${url}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui');
    const spec = await fetch(`${url}/openapi.json`);
    expect(((await spec.json()) as { paths: object }).paths).toHaveProperty(['/v1/users/{ncUserId}']);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('enrolls a user with the printed admin key', async () => {
    const call = async (method: string, path: string, key: string, body?: unknown) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, json: (await res.json()) as Record<string, string> };
    };
    const tenant = await call('POST', '/v1/tenants', adminKey, {
      name: 'Demo',
      nextcloudUrl: 'https://cloud.demo.example',
    });
    expect(tenant.status).toBe(201);
    const key = await call('POST', `/v1/tenants/${tenant.json.id}/api-keys`, adminKey, {});
    expect(key.status).toBe(201);
    const user = await call('PUT', '/v1/users/alice', key.json.key!, {
      loginName: 'alice',
      appPassword: 'demo-app-password-123',
    });
    expect(user.status).toBe(201);
    expect(user.json).toMatchObject({ ncUserId: 'alice', hasAppPassword: true });
    expect(server.output()).not.toContain('demo-app-password-123');
  });

  it('rotates the secret key online (embedded mode), and the service keeps working', async () => {
    const before = JSON.parse(await readFile(join(dataDir, 'secret-keys.json'), 'utf8'));
    const res = await fetch(`${url}/v1/admin/key-rotation`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ rotated: 1, raced: 0, generatedKey: true });
    const after = JSON.parse(await readFile(join(dataDir, 'secret-keys.json'), 'utf8'));
    expect(after.current).not.toBe(before.current);
    expect(after.previous).toEqual([]);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('refuses a second process on the same data folder, naming the running one', async () => {
    const second = run(['migrate'], { EXSYNC_DATA_DIR: dataDir });
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`pid ${server.child.pid}`);
  }, 60_000);

  it('stops cleanly on SIGTERM', async () => {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('"msg":"stopped"');
  });

  it('rotate-key re-encrypts the stored secrets under a new key and forgets the old one', async () => {
    const before = JSON.parse(await readFile(join(dataDir, 'secret-keys.json'), 'utf8'));
    const rotate = run(['rotate-key'], { EXSYNC_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    expect(await rotate.exited, rotate.output()).toBe(0);
    expect(rotate.output()).toMatch(/1 secret\(s\) re-encrypted under key [0-9a-f]{16}/);
    const after = JSON.parse(await readFile(join(dataDir, 'secret-keys.json'), 'utf8'));
    expect(after.current).not.toBe(before.current);
    expect(after.previous).toEqual([]);
    // A fresh process opens the embedded database (tsx start-up + PGlite): seconds on a quiet machine, far more on
    // a loaded one.
  }, 120_000);
});

describe('exsync with a wrong configuration', () => {
  it('stops at once with a message naming each bad variable and what it expects', async () => {
    const proc = run(['serve'], { PORT: 'eighty', EXSYNC_SECRET_KEY: 'short', LOG_LEVEL: 'chatty' });
    expect(await proc.exited).toBe(1);
    const out = proc.output();
    expect(out).toMatch(/PORT: expected a TCP port/);
    expect(out).toMatch(/EXSYNC_SECRET_KEY: expected 32 bytes/);
    expect(out).toMatch(/LOG_LEVEL: expected one of/);
    expect(out).not.toMatch(/\n\s+at /); // no stack trace
  }, 120_000);

  it('says why it cannot reach PostgreSQL, without echoing the password', async () => {
    const proc = run(['migrate'], {
      DATABASE_URL: 'postgresql://exsync:hunter2-secret@127.0.0.1:1/exsync',
      EXSYNC_SECRET_KEY: Buffer.alloc(32, 1).toString('base64'),
    });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toContain('nothing listens at the host and port of DATABASE_URL');
    expect(proc.output()).not.toContain('hunter2-secret');
  }, 60_000);
});
