import { isIP } from 'node:net';
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
  /** Opens /metrics and nothing else (Prometheus keeps it in its configuration). */
  metricsKey: string | undefined;
  /** Syncs one process runs at once (EXSYNC_WORKER_CONCURRENCY); always 1 on the embedded database. */
  workerConcurrency: number;
  logLevel: LogLevel;
  /**
   * Which reverse proxies to believe about the client address (for the failed-authentication limit): false (none)
   * or their addresses / CIDR ranges. Never "every hop", never a hop count.
   */
  trustProxy: TrustProxy;
  /**
   * EXSYNC_PUBLIC_URL: how Microsoft Graph reaches this service (https in production), ending in `/`. Set, the
   * service subscribes to change notifications; unset, it polls only.
   */
  publicUrl: string | undefined;
  /**
   * EXSYNC_JOB_LEASE_SECONDS: how long a claimed sync job is leased. A live worker renews it every quarter of it;
   * the job of a worker that died (killed, its host gone) returns to the queue within about this long, and the
   * scheduler sweeps for such jobs (and for due users) at this period.
   */
  jobLeaseMs: number;
  /** EXSYNC_RETRY_BACKOFF_SECONDS: the wait before the first retry of a failed sync (doubled for each further one). */
  retryBackoffMs: number;
  /** EXSYNC_WRITE_CONCURRENCY: items one sync writes at once (the engine's `writeConcurrency`). */
  writeConcurrency: number;
  /** EXSYNC_NEXTCLOUD_MAX_REQUESTS: requests in flight at once to one Nextcloud host, across the process. */
  nextcloudMaxRequests: number;
  /** EXSYNC_MAX_SYNCS_PER_EXCHANGE: syncs at once per Exchange connection, across every worker; undefined: no cap. */
  maxSyncsPerExchange: number | undefined;
  /** EXSYNC_MAX_SYNCS_PER_NEXTCLOUD: syncs at once per Nextcloud host, across every worker; undefined: no cap. */
  maxSyncsPerNextcloud: number | undefined;
  /** EXSYNC_SCHEDULE_JITTER_PERCENT: how much later than the interval a user may come due (a share of it). */
  scheduleJitter: number;
  /** EXSYNC_RUN_RETENTION_DAYS: finished sync runs older than this are deleted (each user's newest sync stays). */
  runRetentionDays: number;
}

export type TrustProxy = false | string[];

/** Syncs at once per Exchange connection and per Nextcloud host when EXSYNC_MAX_SYNCS_PER_* is not set. */
export const DEFAULT_SYNC_CAPS = { perExchange: 16, perNextcloudHost: 16 } as const;

/** Names proxy-addr (behind Fastify's trustProxy) accepts for well-known ranges. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

const TRUST_PROXY_HINT =
  'set the addresses or CIDR ranges of the reverse proxies in front of the service, comma-separated (e.g. 10.0.0.0/8,192.168.1.10; loopback for a proxy on the same host), or false';

/**
 * A list of proxy addresses / CIDR ranges, or false. "true" (trust every hop) is refused, and so is a hop count:
 * Fastify trusts no one for a count (a count cannot tell the proxy from a direct client), so it would silently
 * count every request against the proxy's own address.
 */
function parseTrustProxy(text: string | undefined, problems: string[]): TrustProxy {
  const value = (text ?? 'false').trim();
  if (value.toLowerCase() === 'false') return false;
  if (value.toLowerCase() === 'true') {
    problems.push(
      `EXSYNC_TRUST_PROXY: "true" is refused: it trusts every hop and takes the left-most X-Forwarded-For address, which the client writes itself, so anyone could evade the failed-authentication limit. Instead, ${TRUST_PROXY_HINT}; expected addresses`,
    );
    return false;
  }
  if (/^\d+$/.test(value)) {
    problems.push(
      `EXSYNC_TRUST_PROXY: a hop count (${value}) is refused: it cannot tell the proxy from a client that connects directly and writes its own X-Forwarded-For. Instead, ${TRUST_PROXY_HINT}; expected addresses`,
    );
    return false;
  }
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  const bad = entries.filter((entry) => {
    if (PROXY_RANGE_NAMES.includes(entry)) return false;
    const [address = '', prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    if (family === 0 || rest.length > 0) return true;
    if (prefix === undefined) return false;
    return !/^\d{1,3}$/.test(prefix) || Number(prefix) > (family === 4 ? 32 : 128);
  });
  if (entries.length === 0 || bad.length > 0) {
    problems.push(
      `EXSYNC_TRUST_PROXY: expected a proxy count or IP addresses / CIDR ranges; not an address: ${bad.map((b) => JSON.stringify(b)).join(', ') || '(empty)'}. ${TRUST_PROXY_HINT}`,
    );
    return false;
  }
  return entries;
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

  const metricsKey = get('EXSYNC_METRICS_KEY');
  if (metricsKey !== undefined && (metricsKey.length < 32 || /\s/.test(metricsKey))) {
    problems.push(
      'EXSYNC_METRICS_KEY: expected at least 32 characters without spaces (generate one with: openssl rand -base64 32)',
    );
  }

  // The embedded database is one session for the whole process: one sync at a time there.
  const concurrencyText = get('EXSYNC_WORKER_CONCURRENCY') ?? (databaseUrl ? '4' : '1');
  const workerConcurrency = Number(concurrencyText);
  if (!/^\d+$/.test(concurrencyText) || workerConcurrency < 1 || workerConcurrency > 64) {
    problems.push(`EXSYNC_WORKER_CONCURRENCY: expected a whole number from 1 to 64, got "${concurrencyText}"`);
  } else if (!databaseUrl && workerConcurrency > 1) {
    problems.push(
      'EXSYNC_WORKER_CONCURRENCY: expected 1 with the embedded database (it runs one sync at a time); set DATABASE_URL (PostgreSQL) for more',
    );
  }

  const logLevel = (get('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }

  const trustProxy = parseTrustProxy(get('EXSYNC_TRUST_PROXY'), problems);

  const publicUrl = parsePublicUrl(get('EXSYNC_PUBLIC_URL'), problems);

  const jobLeaseMs = 1000 * seconds('EXSYNC_JOB_LEASE_SECONDS', get('EXSYNC_JOB_LEASE_SECONDS'), 60, 4, 3600, problems);
  const retryBackoffMs =
    1000 * seconds('EXSYNC_RETRY_BACKOFF_SECONDS', get('EXSYNC_RETRY_BACKOFF_SECONDS'), 30, 1, 3600, problems);

  const writeConcurrency = wholeNumber('EXSYNC_WRITE_CONCURRENCY', get('EXSYNC_WRITE_CONCURRENCY'), 4, 1, 32, problems);
  const nextcloudMaxRequests = wholeNumber(
    'EXSYNC_NEXTCLOUD_MAX_REQUESTS',
    get('EXSYNC_NEXTCLOUD_MAX_REQUESTS'),
    8,
    1,
    256,
    problems,
  );
  const runRetentionDays = wholeNumber(
    'EXSYNC_RUN_RETENTION_DAYS',
    get('EXSYNC_RUN_RETENTION_DAYS'),
    30,
    1,
    3650,
    problems,
    'days',
  );
  const maxSyncsPerExchange = cap(
    'EXSYNC_MAX_SYNCS_PER_EXCHANGE',
    get('EXSYNC_MAX_SYNCS_PER_EXCHANGE'),
    DEFAULT_SYNC_CAPS.perExchange,
    problems,
  );
  const maxSyncsPerNextcloud = cap(
    'EXSYNC_MAX_SYNCS_PER_NEXTCLOUD',
    get('EXSYNC_MAX_SYNCS_PER_NEXTCLOUD'),
    DEFAULT_SYNC_CAPS.perNextcloudHost,
    problems,
  );
  const jitterText = get('EXSYNC_SCHEDULE_JITTER_PERCENT') ?? '10';
  const scheduleJitter = Number(jitterText) / 100;
  if (!/^\d+$/.test(jitterText) || scheduleJitter > 0.5) {
    problems.push(`EXSYNC_SCHEDULE_JITTER_PERCENT: expected a whole number from 0 to 50, got "${jitterText}"`);
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
    metricsKey,
    workerConcurrency,
    logLevel: logLevel as LogLevel,
    trustProxy,
    publicUrl,
    jobLeaseMs,
    retryBackoffMs,
    writeConcurrency,
    nextcloudMaxRequests,
    maxSyncsPerExchange,
    maxSyncsPerNextcloud,
    scheduleJitter,
    runRetentionDays,
  };
}

/** A whole number within [min, max], or the default when unset. */
function wholeNumber(
  name: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
  unit?: string,
): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    problems.push(`${name}: expected a whole number${unit ? ` of ${unit}` : ''} from ${min} to ${max}, got "${text}"`);
    return fallback;
  }
  return value;
}

/** A cap on syncs at once: a whole number from 1 to 1000, or 0 / "none" for no cap. */
function cap(name: string, text: string | undefined, fallback: number, problems: string[]): number | undefined {
  const value = (text ?? String(fallback)).trim().toLowerCase();
  if (value === '0' || value === 'none') return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 1000) {
    problems.push(`${name}: expected a whole number from 1 to 1000, or 0 (no cap), got "${text}"`);
    return fallback;
  }
  return n;
}

/** A whole number of seconds within [min, max], or the default when unset. */
function seconds(
  name: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  return wholeNumber(name, text, fallback, min, max, problems, 'seconds');
}

function parsePublicUrl(value: string | undefined, problems: string[]): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash) {
    problems.push(
      `EXSYNC_PUBLIC_URL: expected the service's public http(s) base URL without query or fragment (e.g. https://sync.example.com/), got "${value}"`,
    );
    return undefined;
  }
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}
