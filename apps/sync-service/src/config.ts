import { resolve } from 'node:path';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  host: string;
  port: number;
  /** PostgreSQL URL; undefined means the embedded PGlite database in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Current secret key (32 bytes); undefined only in embedded mode, where it is generated into `dataDir`. */
  secretKey: Buffer | undefined;
  /** Previous keys, still accepted for decryption while `exsync rotate-key` re-encrypts. */
  oldSecretKeys: Buffer[];
  adminKey: string | undefined;
  logLevel: LogLevel;
  trustProxy: boolean;
}

/** Thrown when the environment is wrong; the message names every bad variable and what it expects. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const KEY_HINT = 'generate one with: openssl rand -base64 32';

function parseKey(name: string, value: string, problems: string[]): Buffer | undefined {
  const trimmed = value.trim();
  // Buffer.from silently skips invalid characters, so check the alphabet first.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) {
    problems.push(`${name}: expected 32 bytes encoded as base64 (${KEY_HINT}); the value is not base64`);
    return undefined;
  }
  const key = Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    problems.push(`${name}: expected 32 bytes encoded as base64 (${KEY_HINT}); it decodes to ${key.length} bytes`);
    return undefined;
  }
  return key;
}

/** Reads and validates the configuration; never echoes a secret value in an error. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };

  const host = get('HOST') ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) {
    problems.push(`HOST: expected a host name or IP address to listen on (e.g. 127.0.0.1 or 0.0.0.0), got "${host}"`);
  }

  const portText = get('PORT') ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    problems.push(`PORT: expected a TCP port number from 0 to 65535, got "${portText}"`);
  }

  const databaseUrl = get('DATABASE_URL');
  if (databaseUrl !== undefined) {
    let ok = false;
    try {
      const u = new URL(databaseUrl);
      ok = u.protocol === 'postgres:' || u.protocol === 'postgresql:';
    } catch {
      ok = false;
    }
    if (!ok) {
      problems.push(
        'DATABASE_URL: expected a PostgreSQL URL like postgresql://user:password@host:5432/exsync, or unset it to use the embedded database',
      );
    }
  }

  const dataDir = resolve(cwd, get('EXSYNC_DATA_DIR') ?? '.data');

  const secretText = get('EXSYNC_SECRET_KEY');
  const secretKey = secretText === undefined ? undefined : parseKey('EXSYNC_SECRET_KEY', secretText, problems);
  if (secretText === undefined && databaseUrl !== undefined) {
    problems.push(
      `EXSYNC_SECRET_KEY: required with DATABASE_URL (every replica must share it); expected 32 bytes encoded as base64 (${KEY_HINT})`,
    );
  }

  const oldSecretKeys: Buffer[] = [];
  const oldText = get('EXSYNC_OLD_SECRET_KEYS');
  if (oldText !== undefined) {
    for (const part of oldText.split(',')) {
      if (part.trim() === '') continue;
      const key = parseKey('EXSYNC_OLD_SECRET_KEYS (comma-separated list)', part, problems);
      if (key) oldSecretKeys.push(key);
    }
  }

  const adminKey = get('EXSYNC_ADMIN_KEY');
  if (adminKey !== undefined && (adminKey.length < 32 || /\s/.test(adminKey))) {
    problems.push(
      'EXSYNC_ADMIN_KEY: expected at least 32 characters without spaces (generate one with: openssl rand -base64 32)',
    );
  }

  const logLevel = (get('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }

  const trustText = (get('EXSYNC_TRUST_PROXY') ?? 'false').toLowerCase();
  if (trustText !== 'true' && trustText !== 'false') {
    problems.push(`EXSYNC_TRUST_PROXY: expected true or false, got "${trustText}"`);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    host,
    port,
    databaseUrl,
    dataDir,
    secretKey,
    oldSecretKeys,
    adminKey,
    logLevel: logLevel as LogLevel,
    trustProxy: trustText === 'true',
  };
}
