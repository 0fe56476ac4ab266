import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

/** `pnpm sim` (src/main.ts): every URL it prints can be used by a client. */
const pkg = resolve(fileURLToPath(import.meta.url), '../..');
let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGTERM');
  child = undefined;
});

function start(env: Record<string, string>): Promise<string> {
  return new Promise((done, fail) => {
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: pkg,
      env: { ...process.env, SIM_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('Ctrl+C')) done(out);
    });
    child.stderr?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('exit', (code) => fail(new Error(`exited ${code}: ${out}`)));
  });
}

const printed = (out: string, label: string) => new RegExp(`${label}\\s+(\\S+)`).exec(out)?.[1] ?? '';

describe('pnpm sim', () => {
  it('listening on 0.0.0.0 it prints 127.0.0.1 URLs, and the control-API URL answers', async () => {
    const out = await start({ SIM_HOST: '0.0.0.0' });
    expect(out).not.toContain('0.0.0.0');
    const control = printed(out, 'Control API');
    expect(control).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/_control\/info$/);
    const info = await fetch(control);
    expect(info.status).toBe(200);
    const openId = await fetch(printed(out, 'OpenID config'));
    expect(openId.status).toBe(200);
  }, 30_000);

  it('SIM_PUBLIC_URL names the URLs it prints (a container reached by its service name)', async () => {
    const out = await start({ SIM_PUBLIC_URL: 'http://exchange-sim:5080/' });
    expect(printed(out, 'EWS endpoint')).toBe('http://exchange-sim:5080/EWS/Exchange.asmx');
    expect(printed(out, 'Control API')).toBe('http://exchange-sim:5080/_control/info');
  }, 30_000);
});
