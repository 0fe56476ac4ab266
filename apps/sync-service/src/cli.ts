import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isDatabaseError } from '@exsync/db';
import { Command } from 'commander';
import { DataDirBusyError } from './bootstrap';
import { type Config, ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { openRuntime } from './runtime';
import { handleSignals, type ProcessRole, startServer } from './server';
import { createOnlineRotation } from './vault/online-rotation';

// PostgreSQL connection failures an operator can fix, by node / server error code (never by message text).
const CONNECTION_HINTS: Record<string, string> = {
  ECONNREFUSED: 'nothing listens at the host and port of DATABASE_URL; is PostgreSQL running?',
  ENOTFOUND: 'the host name in DATABASE_URL does not resolve',
  ETIMEDOUT: 'PostgreSQL at DATABASE_URL does not answer (firewall?)',
  '28P01': 'PostgreSQL refused the user name or password in DATABASE_URL',
  '28000': 'PostgreSQL does not allow this user to connect (pg_hba.conf)',
  '3D000': 'the database named in DATABASE_URL does not exist; create it first',
};

/** Failures an operator can fix get one clear line on stderr and exit code 1, never a stack trace. */
function fail(e: unknown): never {
  const code = (e as { code?: unknown } | null)?.code;
  const hint = typeof code === 'string' ? CONNECTION_HINTS[code] : undefined;
  if (e instanceof ConfigError || e instanceof DataDirBusyError || isDatabaseError(e)) {
    process.stderr.write(`exsync: ${e.message}\n`);
  } else if (hint) {
    process.stderr.write(`exsync: cannot use the database: ${hint} (${code}).\n`);
  } else {
    process.stderr.write(`exsync: unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  }
  process.exit(1);
}

function config(): Config {
  try {
    // Node's own loader; variables already in the environment win over the file.
    if (existsSync('.env')) process.loadEnvFile('.env');
    return loadConfig();
  } catch (e) {
    fail(e);
  }
}

const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

const program = new Command('exsync')
  .description('exsync sync service: two-way sync of Exchange and Nextcloud calendars, contacts and tasks')
  .showHelpAfterError();

const ROLES: Record<ProcessRole, string> = {
  serve: 'migrate the database, serve the REST API (Swagger UI at /docs) and run sync workers',
  api: 'serve the REST API only (no syncs run in this process)',
  worker: 'run sync workers only (HTTP serves /healthz, /readyz and /metrics); needs DATABASE_URL',
};

for (const role of ['serve', 'api', 'worker'] as const) {
  program
    .command(role)
    .description(ROLES[role])
    .action(async () => {
      const c = config();
      if (role !== 'serve' && !c.databaseUrl) {
        fail(
          new ConfigError([
            `DATABASE_URL: exsync ${role} shares the database with other processes, so it needs PostgreSQL; the embedded database serves one process (use exsync serve)`,
          ]),
        );
      }
      const logger = createLogger(c.logLevel);
      try {
        // The first-start admin key goes to stderr, apart from the JSON logs on stdout.
        const server = await startServer(c, logger, (text) => process.stderr.write(`${text}\n`), role);
        handleSignals(server, logger);
      } catch (e) {
        fail(e);
      }
    });
}

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => {
    const c = config();
    const logger = createLogger(c.logLevel);
    try {
      const runtime = await openRuntime(c, logger, { migrate: true });
      await runtime.close();
      out('exsync: the database is up to date.');
    } catch (e) {
      fail(e);
    }
  });

program
  .command('generate-key')
  .description('print a new random secret key for EXSYNC_SECRET_KEY')
  .action(() => {
    out(randomBytes(32).toString('base64'));
  });

program
  .command('create-admin-key')
  .description('issue a new admin API key and print it once')
  .option('--label <label>', 'where the key is used', 'created with exsync create-admin-key')
  .action(async (opts: { label: string }) => {
    const c = config();
    const logger = createLogger(c.logLevel);
    try {
      const runtime = await openRuntime(c, logger, { migrate: true });
      const issued = await runtime.store.apiKeys.issue({ role: 'admin', label: opts.label });
      await runtime.close();
      out(issued.plaintext);
    } catch (e) {
      fail(e);
    }
  });

program
  .command('rotate-key')
  .description('re-encrypt every stored secret under the current key')
  .addHelpText(
    'after',
    `
With PostgreSQL (no downtime):
  1. exsync generate-key                       -> the new key
  2. on every replica: EXSYNC_SECRET_KEY=<new>, EXSYNC_OLD_SECRET_KEYS=<old>; restart them one by one
     (each replica now encrypts with the new key and still decrypts with the old one)
  3. exsync rotate-key                         (same environment; the service keeps running)
  4. remove EXSYNC_OLD_SECRET_KEYS and restart the replicas one by one

Embedded database without EXSYNC_SECRET_KEY: the key lives in the data folder. While the service runs, rotate
through the API (POST /v1/admin/key-rotation with the admin key: no downtime). With the service stopped,
exsync rotate-key generates the new key, re-encrypts, then forgets the old key.`,
  )
  .action(async () => {
    const c = config();
    const logger = createLogger(c.logLevel);
    try {
      const runtime = await openRuntime(c, logger, { migrate: true });
      const result = await createOnlineRotation(c, runtime.store, runtime.vault)();
      await runtime.close();
      for (const u of result.unreadable) {
        process.stderr.write(`exsync: could not re-encrypt ${u.kind} ${u.id}: ${u.reason}\n`);
      }
      const done = result.unreadable.length === 0;
      out(
        `exsync: ${result.rotated} secret(s) re-encrypted under key ${result.keyId}.` +
          (!done
            ? ` ${result.unreadable.length} secret(s) could not be opened and were left as they are (listed above); the old key stays until they are re-entered or their key restored.`
            : result.generatedKey
              ? ' The old key was removed from the data folder.'
              : ' Every secret now opens with EXSYNC_SECRET_KEY alone: remove EXSYNC_OLD_SECRET_KEYS and restart the replicas.'),
      );
    } catch (e) {
      if (e instanceof DataDirBusyError) {
        process.stderr.write(
          'exsync: the service is running on this data folder. Rotate without stopping it: POST /v1/admin/key-rotation with the admin key.\n',
        );
      }
      fail(e);
    }
  });

await program.parseAsync(process.argv);
