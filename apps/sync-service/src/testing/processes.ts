/**
 * The service as an operator runs it, for the live tests that start it as child processes (`exsync serve`, `api`,
 * `worker`, `migrate`): the real command, its output kept, waiting for it to listen, calling its REST API, and
 * Radicale behind Nextcloud's path.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXSYNC_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'exsync.js');

export interface ExsyncProcess {
  readonly child: ChildProcess;
  /** What it wrote to stdout and stderr so far (as `keep` filtered it). */
  output(): string;
  /** Its exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
}

export interface SpawnOptions {
  readonly cwd?: string;
  /** Which output lines to keep (default all). */
  readonly keep?: (line: string) => boolean;
  /** Keep at most this many characters, the newest (default all). */
  readonly maxOutput?: number;
}

/** Starts `exsync <args>` with only PATH, HOME and `env` in its environment. */
export function spawnExsync(args: string[], env: Record<string, string>, options: SpawnOptions = {}): ExsyncProcess {
  const child = spawn(process.execPath, [EXSYNC_BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  let text = '';
  const collect = (d: Buffer) => {
    let chunk = String(d);
    if (options.keep) {
      const kept = chunk.split('\n').filter((l) => l !== '' && options.keep?.(l));
      chunk = kept.length > 0 ? `${kept.join('\n')}\n` : '';
    }
    text += chunk;
    if (options.maxOutput !== undefined && text.length > options.maxOutput) text = text.slice(-options.maxOutput);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

/** Throws with its output once the process has exited; for `until` probes. */
export function failIfExited(p: ExsyncProcess): undefined {
  if (p.child.exitCode !== null) throw new Error(`exited early:\n${p.output().slice(-5000)}`);
  return undefined;
}

/** The URL the process logged once it listens. tsx compiles the service at each start: slow on a busy machine. */
export function listeningUrl(p: ExsyncProcess, ms = 180_000): Promise<string> {
  return until(
    'the service listening',
    () => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(p.output())?.[1] ?? failIfExited(p),
    ms,
  ).catch((error: unknown) => {
    p.child.kill('SIGKILL');
    throw new Error(`${String(error)}; its output:\n${p.output().slice(-5000)}`);
  });
}

/** SIGTERM, `graceMs` to exit, then SIGKILL. */
export async function stopProcesses(procs: readonly ExsyncProcess[], graceMs = 12_000): Promise<void> {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  await Promise.all(procs.map((p) => Promise.race([p.exited, sleep(graceMs)])));
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
}

/** A REST call with a bearer key; throws with the answer on a status ≥ 300. */
export async function callApi<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  key: string,
  body?: unknown,
): Promise<T> {
  const r = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await r.json()) as T;
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

/** Polls `probe` every `everyMs` until it returns something other than undefined; throws after `ms`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  ms: number,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Radicale behind Nextcloud's path (/remote.php/dav/), so the service discovers it as it would a Nextcloud. */
export function nextcloudPathProxy(target: URL): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').replace(/^\/remote\.php\/dav/, '') || '/';
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path,
        headers: { ...req.headers, host: target.host, 'x-script-name': '/remote.php/dav' },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      done({ url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`, server });
    }),
  );
}

/**
 * What an operator does over HTTP before enrolling anyone: a tenant with its own key, its settings (the kinds given,
 * two-way, a day between scheduled syncs) and an EWS connection with the simulator's service account. Returns the
 * tenant's key.
 */
export async function setUpTenant(
  api: string,
  adminKey: string,
  options: { nextcloudUrl: string; ewsUrl: string; kinds: readonly ('events' | 'contacts' | 'tasks')[] },
): Promise<string> {
  const tenant = await callApi(api, 'POST', '/v1/tenants', adminKey, {
    name: 'Contoso',
    nextcloudUrl: options.nextcloudUrl,
  });
  const issued = await callApi(api, 'POST', `/v1/tenants/${tenant.id}/api-keys`, adminKey, { label: 'nextcloud' });
  const key = String(issued.key);
  const kind = (k: 'events' | 'contacts' | 'tasks') => ({ enabled: options.kinds.includes(k), direction: 'two-way' });
  await callApi(api, 'PUT', '/v1/settings', key, {
    // Nothing but the test's own requests and the scheduler's first sync of a new user start a sync.
    intervalMinutes: 1440,
    itemKinds: { events: kind('events'), contacts: kind('contacts'), tasks: kind('tasks') },
  });
  await callApi(api, 'PUT', '/v1/exchange-connection', key, {
    kind: 'ews',
    url: options.ewsUrl,
    authKind: 'basic',
    username: 'CONTOSO\\svc-sync',
    password: 'Passw0rd!',
  });
  return key;
}
