import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';

/**
 * A pass-through HTTP proxy in front of a real DAV server (Radicale) that can lose replies: the next `count`
 * requests of a method are forwarded and carried out upstream, but the client's connection is then reset instead
 * of answered — "applied, reply lost", which no real server does on demand.
 */
export class ReplyLostProxy {
  #server: Server | undefined;
  #rules: { method: string; path?: RegExp; count: number }[] = [];
  /** Requests whose reply was dropped, as `METHOD path`. */
  readonly lost: string[] = [];
  baseUrl = '';

  constructor(private readonly upstream: string) {}

  /** Loses the reply of the next `count` requests of `method` (whose path matches `path`, when given). */
  loseNext(method: string, count = 1, path?: RegExp): void {
    this.#rules.push({ method: method.toUpperCase(), count, ...(path ? { path } : {}) });
  }

  async start(): Promise<this> {
    const up = new URL(this.upstream);
    this.#server = createServer((req, res) => {
      const rule = this.#rules.find(
        (r) => r.count > 0 && r.method === req.method && (!r.path || r.path.test(req.url ?? '')),
      );
      if (rule) rule.count -= 1;
      const forward = httpRequest(
        {
          host: up.hostname,
          port: up.port,
          method: req.method,
          path: `${up.pathname.replace(/\/$/, '')}${req.url ?? '/'}`,
          headers: { ...req.headers, host: up.host },
        },
        (answer: IncomingMessage) => {
          if (rule) {
            answer.resume();
            answer.on('end', () => {
              this.lost.push(`${req.method} ${req.url}`);
              req.socket.destroy();
            });
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => req.socket.destroy());
      req.pipe(forward);
    });
    await new Promise<void>((done) => this.#server?.listen(0, '127.0.0.1', done));
    const address = this.#server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    this.baseUrl = `http://127.0.0.1:${port}/`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((done) => this.#server?.close(done));
  }
}
