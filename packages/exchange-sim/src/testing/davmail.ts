import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs Debian's DavMail — an unmodified third-party EWS client that serves a mailbox as CalDAV/CardDAV — headless
 * against a simulator, for the third-party client test. One JVM per test file: it takes seconds to start.
 */

export interface RunningDavMail {
  /** CalDAV and CardDAV both: DavMail serves address books on its CalDAV listener. */
  readonly caldavUrl: string;
  /** DavMail's own log (what it sent and why it failed), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export function isDavMailInstalled(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v davmail && test -f /usr/share/davmail/davmail.jar'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why the live suite is skipped, or false to run it. In CI a missing DavMail fails instead of skipping. */
export function davMailSkipReason(): string | false {
  if (isDavMailInstalled()) return false;
  const message = 'davmail is not installed: run scripts/davmail/install.sh';
  if (process.env.CI === 'true') throw new Error(message);
  return message;
}

/** Starts DavMail in EWS mode against `ewsUrl`, CalDAV/CardDAV on a free loopback port. */
export async function startDavMail(ewsUrl: string): Promise<RunningDavMail> {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'exsync-davmail-'));
  const caldavPort = await freePort();
  const logFile = join(dir, 'davmail.log');
  const properties = [
    'davmail.mode=EWS',
    `davmail.url=${ewsUrl}`,
    'davmail.server=true',
    'davmail.allowRemote=false',
    'davmail.bindAddress=127.0.0.1',
    `davmail.caldavPort=${caldavPort}`,
    // Only the DAV listeners: no IMAP, SMTP, POP or LDAP.
    'davmail.imapPort=',
    'davmail.smtpPort=',
    'davmail.popPort=',
    'davmail.ldapPort=',
    'davmail.enableKeepAlive=true',
    'davmail.disableUpdateCheck=true',
    'davmail.showStartupBanner=false',
    'davmail.disableGuiNotifications=true',
    'davmail.disableTrayActivitySwitch=true',
    // Every event of the calendar, however old (DavMail's default is the last 90 days).
    'davmail.caldavPastDelay=0',
    `davmail.logFilePath=${logFile}`,
    'log4j.rootLogger=WARN',
    'log4j.logger.davmail=DEBUG',
  ];
  const file = join(dir, 'davmail.properties');
  writeFileSync(file, `${properties.join('\n')}\n`);
  const child = spawn('davmail', [file], { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const log = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return stderr;
    }
  };
  try {
    await waitForPort(caldavPort, child, log);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    caldavUrl: `http://127.0.0.1:${caldavPort}`,
    log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((done) => setTimeout(done, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`DavMail exited with ${child.exitCode}: ${log().slice(-3000)}`);
    try {
      await fetch(`http://127.0.0.1:${port}/`, { method: 'OPTIONS', signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((done) => setTimeout(done, 200));
    }
  }
  throw new Error(`DavMail did not listen on ${port} within 60 s: ${log().slice(-3000)}`);
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
