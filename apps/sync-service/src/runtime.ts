import { mkdir } from 'node:fs/promises';
import { type Database, migrate, openDatabase } from '@exsync/db';
import type { Logger } from 'pino';
import { lockDataDir, resolveKeyRing } from './bootstrap';
import type { Config } from './config';
import { createDbStore } from './store/db-store';
import type { ServiceStore } from './store/port';
import { Vault } from './vault/vault';

export interface Runtime {
  db: Database;
  store: ServiceStore;
  vault: Vault;
  close(): Promise<void>;
}

/** What every command needs: the database (locked in embedded mode, migrated if asked) and the vault. */
export async function openRuntime(config: Config, logger: Logger, options: { migrate: boolean }): Promise<Runtime> {
  let release: (() => Promise<void>) | undefined;
  if (!config.databaseUrl) {
    await mkdir(config.dataDir, { recursive: true });
    release = await lockDataDir(config.dataDir);
  }
  try {
    const vault = new Vault(await resolveKeyRing(config, logger));
    const db = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      logger,
      // Each running sync holds a connection for its pair lock and needs another for its queries: with fewer
      // than two per sync, syncs holding every connection would wait for one another forever.
      maxConnections: Math.max(10, 2 * config.workerConcurrency + 2),
    });
    try {
      if (options.migrate) {
        const result = await migrate(db);
        if (result.applied.length > 0) logger.info({ applied: result.applied }, 'database migrations applied');
      }
    } catch (e) {
      await db.close();
      throw e;
    }
    const store = createDbStore(db);
    return {
      db,
      store,
      vault,
      async close() {
        await db.close();
        await release?.();
      },
    };
  } catch (e) {
    await release?.();
    throw e;
  }
}
