import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config';
import type { ServiceStore } from './store/port';
import { KEY_FILE, loadOrCreateKeyFile, readKeyFile } from './vault/key-file';
import { KeyRing } from './vault/key-ring';

/**
 * The key ring from the environment, or in embedded mode from the data folder (generated on first start). Keys
 * from the data folder stay in the ring after EXSYNC_SECRET_KEY is set, so secrets sealed earlier still open.
 */
export async function resolveKeyRing(config: Config, logger: Logger): Promise<KeyRing> {
  if (config.secretKey) {
    const fromFile = config.databaseUrl ? undefined : await readKeyFile(config.dataDir);
    const previous = [...config.oldSecretKeys, ...(fromFile ? [fromFile.current, ...fromFile.previous] : [])];
    return new KeyRing(config.secretKey, previous);
  }
  const file = await loadOrCreateKeyFile(config.dataDir);
  if (file.created) {
    logger.warn(
      { path: join(config.dataDir, KEY_FILE) },
      'Generated a secret key for the credential vault in the data folder. Back it up with the database: without it the stored credentials cannot be decrypted. In production set EXSYNC_SECRET_KEY instead.',
    );
  }
  return new KeyRing(file.current, [...file.previous, ...config.oldSecretKeys]);
}

/**
 * On first start (no admin key in the environment and none in the database) an admin key is generated and
 * printed once, on stderr and not in the log (the logs go to stdout). Returns the printed key, if any.
 */
export async function ensureAdminKey(
  store: ServiceStore,
  config: Config,
  print: (text: string) => void,
): Promise<string | undefined> {
  if (config.adminKey) return undefined;
  if (await store.apiKeys.hasActiveAdminKey()) return undefined;
  const issued = await store.apiKeys.issue({ role: 'admin', label: 'generated on first start' });
  print(
    [
      '',
      '  exsync: an admin API key was generated. It is shown only now; store it somewhere safe:',
      '',
      `      ${issued.plaintext}`,
      '',
      '  Use it as "Authorization: Bearer <key>" (try it in the Swagger UI at /docs).',
      '  Lost it? Run `exsync create-admin-key` while the service is stopped, or set EXSYNC_ADMIN_KEY.',
      '',
    ].join('\n'),
  );
  return issued.plaintext;
}

export class DataDirBusyError extends Error {
  constructor(
    readonly pid: number,
    dataDir: string,
  ) {
    super(
      `Another exsync process (pid ${pid}) uses the embedded database in ${dataDir}. The embedded database serves one process: stop that process first, or use PostgreSQL (DATABASE_URL) to run several.`,
    );
    this.name = 'DataDirBusyError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite keeps its files open in one process; a second process opening the same folder would corrupt it. A pid
 * file guards the folder; a file left by a crashed process is taken over. Returns the release function.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const path = join(dataDir, 'exsync.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        await rm(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
        throw new DataDirBusyError(pid, dataDir);
      await rm(path, { force: true });
    }
  }
  throw new Error(`Could not lock ${path}; remove it if no exsync process is running.`);
}
