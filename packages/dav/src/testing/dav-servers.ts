import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Starts the Debian stand-in servers through `scripts/dav-servers/` for live tests: free port, temp storage. */

export type DavServerKind = 'radicale' | 'xandikos';

export interface RunningDavServer {
  readonly baseUrl: string;
  readonly dataDir: string;
  /** Stops the server (a server outage); its data folder and port are kept for `resume`. */
  halt(): Promise<void>;
  /** Starts it again on the same port and data folder, after `halt`. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

const scripts = resolve(fileURLToPath(import.meta.url), '../../../../../scripts/dav-servers');

export function isInstalled(kind: DavServerKind): boolean {
  try {
    if (kind === 'radicale') execFileSync('/usr/bin/python3', ['-c', 'import radicale'], { stdio: 'ignore' });
    else execFileSync('sh', ['-c', 'command -v xandikos'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Why a live suite is skipped, or false to run it. In CI a missing server fails loudly instead: the suite must
 * not pass by skipping there.
 */
export function liveSkipReason(kind: DavServerKind): string | false {
  if (isInstalled(kind)) return false;
  const message = `${kind} is not installed: run scripts/dav-servers/install.sh`;
  if (process.env.CI === 'true') throw new Error(message);
  return message;
}

/**
 * The HTTP server Radicale runs under: its own (HTTP/1.0, a connection per request: the tests keep it, so every
 * client reconnects all the time) or waitress, a WSGI server that keeps connections alive as the web server in
 * front of Nextcloud does (the benchmarks, so a client is not charged a TCP connect per request).
 */
export type RadicaleServer = 'builtin' | 'waitress';

export async function startRadicale(
  user: string,
  password: string,
  server: RadicaleServer = 'builtin',
): Promise<RunningDavServer> {
  return start('radicale', (port, dir) => [
    join(scripts, 'start-radicale.sh'),
    String(port),
    dir,
    user,
    password,
    server,
  ]);
}

export async function startXandikos(): Promise<RunningDavServer> {
  return start('xandikos', (port, dir) => [join(scripts, 'start-xandikos.sh'), String(port), dir]);
}

async function start(kind: DavServerKind, args: (port: number, dir: string) => string[]): Promise<RunningDavServer> {
  // Memory-backed storage where there is some: both servers fsync every write, which is slow on a busy disk.
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, `exsync-${kind}-`));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}/`;
  const launch = async (): Promise<ChildProcess> => {
    const [command, ...rest] = args(port, dir);
    const child = spawn(command ?? 'false', rest, { stdio: ['ignore', 'ignore', 'pipe'], detached: false });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    try {
      await waitUntilListening(baseUrl, child, () => stderr);
    } catch (error) {
      child.kill('SIGTERM');
      throw error;
    }
    return child;
  };
  // A child ended by a signal keeps exitCode null: signalCode says it is gone.
  const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;
  const end = async (child: ChildProcess) => {
    if (!alive(child)) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((done) => setTimeout(done, 3000))]);
    if (alive(child)) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  let child: ChildProcess;
  try {
    child = await launch();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    baseUrl,
    dataDir: dir,
    halt: () => end(child),
    async resume() {
      if (alive(child)) return;
      child = await launch();
    },
    async stop() {
      await end(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitUntilListening(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url} exited with ${child.exitCode}: ${stderr()}`);
    try {
      await fetch(url, { method: 'OPTIONS', signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((done) => setTimeout(done, 100));
    }
  }
  throw new Error(`${url} did not start within 15 s: ${stderr()}`);
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}
