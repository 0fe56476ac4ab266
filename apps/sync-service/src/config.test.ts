import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

const KEY = Buffer.alloc(32, 7).toString('base64');

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env, '/srv');
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('loadConfig', () => {
  it('defaults to 127.0.0.1:3000, the embedded database in ./.data and log level info', () => {
    const c = loadConfig({}, '/srv');
    expect(c).toMatchObject({ host: '127.0.0.1', port: 3000, databaseUrl: undefined, dataDir: '/srv/.data' });
    expect(c.logLevel).toBe('info');
    expect(c.secretKey).toBeUndefined();
  });

  it('EXSYNC_PUBLIC_URL turns on Graph change notifications; without it the service polls only', () => {
    expect(loadConfig({}, '/srv').publicUrl).toBeUndefined();
    expect(loadConfig({ EXSYNC_PUBLIC_URL: 'https://sync.example.com/exsync' }, '/srv').publicUrl).toBe(
      'https://sync.example.com/exsync/',
    );
  });

  it('leases jobs for a minute and first retries a failed sync after 30 s unless told otherwise', () => {
    expect(loadConfig({}, '/srv')).toMatchObject({ jobLeaseMs: 60_000, retryBackoffMs: 30_000 });
    expect(loadConfig({ EXSYNC_JOB_LEASE_SECONDS: '5', EXSYNC_RETRY_BACKOFF_SECONDS: '2' }, '/srv')).toMatchObject({
      jobLeaseMs: 5000,
      retryBackoffMs: 2000,
    });
  });

  it('writes 4 items of a sync at once and at most 8 requests at once per Nextcloud unless told otherwise', () => {
    expect(loadConfig({}, '/srv')).toMatchObject({ writeConcurrency: 4, nextcloudMaxRequests: 8 });
    expect(loadConfig({ EXSYNC_WRITE_CONCURRENCY: '1', EXSYNC_NEXTCLOUD_MAX_REQUESTS: '32' }, '/srv')).toMatchObject({
      writeConcurrency: 1,
      nextcloudMaxRequests: 32,
    });
  });

  it('caps syncs at 16 per Exchange connection and per Nextcloud host, jitters 10 %, unless told otherwise', () => {
    expect(loadConfig({}, '/srv')).toMatchObject({
      maxSyncsPerExchange: 16,
      maxSyncsPerNextcloud: 16,
      scheduleJitter: 0.1,
    });
    const c = loadConfig(
      { EXSYNC_MAX_SYNCS_PER_EXCHANGE: '4', EXSYNC_MAX_SYNCS_PER_NEXTCLOUD: '0', EXSYNC_SCHEDULE_JITTER_PERCENT: '25' },
      '/srv',
    );
    expect(c).toMatchObject({ maxSyncsPerExchange: 4, scheduleJitter: 0.25 });
    expect(c.maxSyncsPerNextcloud).toBeUndefined();
  });

  it('keeps finished sync runs 30 days unless told otherwise', () => {
    expect(loadConfig({}, '/srv').runRetentionDays).toBe(30);
    expect(loadConfig({ EXSYNC_RUN_RETENTION_DAYS: '400' }, '/srv').runRetentionDays).toBe(400);
  });

  it('reads every variable', () => {
    const c = loadConfig(
      {
        HOST: '0.0.0.0',
        PORT: '8080',
        DATABASE_URL: 'postgresql://u:p@db:5432/exsync',
        EXSYNC_DATA_DIR: '/var/lib/exsync',
        EXSYNC_SECRET_KEY: KEY,
        EXSYNC_OLD_SECRET_KEYS: `${Buffer.alloc(32, 1).toString('base64')},${Buffer.alloc(32, 2).toString('base64')}`,
        EXSYNC_ADMIN_KEY: 'a'.repeat(40),
        LOG_LEVEL: 'debug',
        EXSYNC_TRUST_PROXY: '10.0.0.0/8',
      },
      '/srv',
    );
    expect(c.port).toBe(8080);
    expect(c.secretKey?.equals(Buffer.alloc(32, 7))).toBe(true);
    expect(c.oldSecretKeys).toHaveLength(2);
    expect(c.trustProxy).toEqual(['10.0.0.0/8']);
    expect(c.dataDir).toBe('/var/lib/exsync');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x', EXSYNC_SECRET_KEY: KEY }, 'DATABASE_URL'],
    [{ EXSYNC_SECRET_KEY: 'not base64!' }, 'EXSYNC_SECRET_KEY'],
    [{ EXSYNC_SECRET_KEY: Buffer.alloc(16).toString('base64') }, 'EXSYNC_SECRET_KEY'],
    [{ EXSYNC_OLD_SECRET_KEYS: 'abc' }, 'EXSYNC_OLD_SECRET_KEYS'],
    [{ EXSYNC_ADMIN_KEY: 'short' }, 'EXSYNC_ADMIN_KEY'],
    [{ EXSYNC_METRICS_KEY: 'short' }, 'EXSYNC_METRICS_KEY'],
    [
      { EXSYNC_WORKER_CONCURRENCY: '0', DATABASE_URL: 'postgresql://h/db', EXSYNC_SECRET_KEY: KEY },
      'EXSYNC_WORKER_CONCURRENCY',
    ],
    [
      { EXSYNC_WORKER_CONCURRENCY: 'many', DATABASE_URL: 'postgresql://h/db', EXSYNC_SECRET_KEY: KEY },
      'EXSYNC_WORKER_CONCURRENCY',
    ],
    [{ EXSYNC_WORKER_CONCURRENCY: '2' }, 'EXSYNC_WORKER_CONCURRENCY'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ EXSYNC_TRUST_PROXY: 'yes' }, 'EXSYNC_TRUST_PROXY'],
    [{ EXSYNC_TRUST_PROXY: '0' }, 'EXSYNC_TRUST_PROXY'],
    [{ EXSYNC_TRUST_PROXY: '10.0.0.0/33' }, 'EXSYNC_TRUST_PROXY'],
    [{ EXSYNC_TRUST_PROXY: '10.0.0.1,proxy.example' }, 'EXSYNC_TRUST_PROXY'],
    [{ EXSYNC_PUBLIC_URL: 'sync.example.com' }, 'EXSYNC_PUBLIC_URL'],
    [{ EXSYNC_PUBLIC_URL: 'ftp://sync.example.com' }, 'EXSYNC_PUBLIC_URL'],
    [{ EXSYNC_PUBLIC_URL: 'https://sync.example.com/?x=1' }, 'EXSYNC_PUBLIC_URL'],
    [{ EXSYNC_JOB_LEASE_SECONDS: '1' }, 'EXSYNC_JOB_LEASE_SECONDS'],
    [{ EXSYNC_JOB_LEASE_SECONDS: 'a minute' }, 'EXSYNC_JOB_LEASE_SECONDS'],
    [{ EXSYNC_RETRY_BACKOFF_SECONDS: '0' }, 'EXSYNC_RETRY_BACKOFF_SECONDS'],
    [{ EXSYNC_RETRY_BACKOFF_SECONDS: '99999' }, 'EXSYNC_RETRY_BACKOFF_SECONDS'],
    [{ EXSYNC_WRITE_CONCURRENCY: '0' }, 'EXSYNC_WRITE_CONCURRENCY'],
    [{ EXSYNC_WRITE_CONCURRENCY: 'many' }, 'EXSYNC_WRITE_CONCURRENCY'],
    [{ EXSYNC_NEXTCLOUD_MAX_REQUESTS: '1000' }, 'EXSYNC_NEXTCLOUD_MAX_REQUESTS'],
    [{ EXSYNC_MAX_SYNCS_PER_EXCHANGE: 'some' }, 'EXSYNC_MAX_SYNCS_PER_EXCHANGE'],
    [{ EXSYNC_MAX_SYNCS_PER_NEXTCLOUD: '5000' }, 'EXSYNC_MAX_SYNCS_PER_NEXTCLOUD'],
    [{ EXSYNC_SCHEDULE_JITTER_PERCENT: '60' }, 'EXSYNC_SCHEDULE_JITTER_PERCENT'],
    [{ EXSYNC_SCHEDULE_JITTER_PERCENT: '-5' }, 'EXSYNC_SCHEDULE_JITTER_PERCENT'],
    [{ EXSYNC_RUN_RETENTION_DAYS: '0' }, 'EXSYNC_RUN_RETENTION_DAYS'],
    [{ EXSYNC_RUN_RETENTION_DAYS: 'a month' }, 'EXSYNC_RUN_RETENTION_DAYS'],
  ])('rejects %o naming %s and what it expects', (env, name) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}.*expected`));
  });

  it('refuses EXSYNC_TRUST_PROXY=true (trust every hop), saying what to set instead', () => {
    // Trusting every hop takes the left-most X-Forwarded-For address, which the client writes itself: anyone
    // could evade the failed-authentication limit by sending a new one each time.
    const problems = problemsOf({ EXSYNC_TRUST_PROXY: 'true' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^EXSYNC_TRUST_PROXY: "true" is refused.*addresses or CIDR ranges/);
  });

  it('refuses a hop count, which cannot tell the proxy from a direct client', () => {
    expect(problemsOf({ EXSYNC_TRUST_PROXY: '1' })[0]).toMatch(/^EXSYNC_TRUST_PROXY: a hop count .*addresses/);
  });

  it.each([
    ['false', false],
    ['10.0.0.1', ['10.0.0.1']],
    ['10.0.0.0/8, 192.168.1.10 ,fd00::/8,loopback', ['10.0.0.0/8', '192.168.1.10', 'fd00::/8', 'loopback']],
  ])('reads EXSYNC_TRUST_PROXY=%s as a list of proxy addresses', (value, expected) => {
    expect(loadConfig({ EXSYNC_TRUST_PROXY: value }, '/srv').trustProxy).toEqual(expected);
  });

  it('requires EXSYNC_SECRET_KEY with DATABASE_URL, because replicas must share it', () => {
    expect(problemsOf({ DATABASE_URL: 'postgres://localhost/x' })[0]).toMatch(/^EXSYNC_SECRET_KEY: required/);
  });

  it('reports all problems at once and never echoes a secret value', () => {
    const secret = 'c2VjcmV0LXRoYXQtaXMtdG9vLXNob3J0';
    const problems = problemsOf({ PORT: '-1', EXSYNC_SECRET_KEY: secret, EXSYNC_ADMIN_KEY: 'tiny-secret' });
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).not.toContain(secret);
    expect(problems.join('\n')).not.toContain('tiny-secret');
  });
});
