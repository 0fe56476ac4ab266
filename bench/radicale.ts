import { type RadicaleServer, type RunningDavServer, startRadicale } from '../packages/dav/src/testing/dav-servers';

/**
 * Radicale as the benchmarks' Nextcloud: under waitress, which keeps connections alive as the web server in front of
 * Nextcloud does. Radicale's own server answers HTTP/1.0 and closes every connection, which charged exsync a TCP
 * connect and close per DAV request (~0.3 ms of its main thread each, and kernel time on top) that Nextcloud never
 * makes it pay. BENCH_RADICALE=builtin measures against Radicale's own server instead.
 */
export function startBenchRadicale(user: string, password: string): Promise<RunningDavServer> {
  const server = (process.env.BENCH_RADICALE ?? 'waitress') as RadicaleServer;
  if (server !== 'waitress' && server !== 'builtin')
    throw new Error(`BENCH_RADICALE: ${server} is not builtin or waitress`);
  return startRadicale(user, password, server);
}
