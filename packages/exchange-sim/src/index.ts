/**
 * @exsync/exchange-sim — an Exchange stand-in: EWS SOAP, Microsoft Graph and the Entra token endpoint over one
 * in-memory mailbox store, plus a control API. `createSimulator()` builds it without listening; tests drive
 * `app.inject()` or `listen(0)` and the typed `sim`.
 */
import type { FastifyInstance } from 'fastify';
import { buildServer } from './server';
import { Simulator, type SimulatorOptions } from './simulator';

export interface SimulatorHandle {
  app: FastifyInstance;
  sim: Simulator;
  /** Listen on 127.0.0.1 (port 0 = any free port); sets the simulator's base URL and returns its URLs. */
  listen(port?: number, host?: string): Promise<ReturnType<Simulator['urls']>>;
  close(): Promise<void>;
}

export function createSimulator(options: SimulatorOptions = {}): SimulatorHandle {
  const sim = new Simulator(options);
  const app = buildServer(sim);
  return {
    app,
    sim,
    async listen(port = 0, host = '127.0.0.1') {
      await app.listen({ port, host });
      const addr = app.server.address();
      const actual = typeof addr === 'object' && addr ? addr.port : port;
      // A wildcard address is where to listen, not where to connect: URLs handed out name the loopback instead.
      const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host;
      if (!options.baseUrl) sim.baseUrl = `http://${reachable}:${actual}`;
      return sim.urls();
    },
    close: () => {
      // Open GetStreamingEvents answers would otherwise hold the server open until their timeout.
      sim.ewsStreaming.closeAll();
      const closing = app.close();
      // A client's hijacked long-lived answers are not idle to Node and would hold the close; a stopping server
      // cuts them, as Exchange does on an app-pool recycle.
      app.server.closeAllConnections();
      return closing;
    },
  };
}

export type { Face, FaultAction, FaultMatch, FaultRule } from './control/faults';
export type { RequestLogEntry, RetryWait } from './control/request-log';
export { DEMO, seedDemoTenant } from './demo-seed';
export * from './directory';
export * from './recurrence';
export { type GraphBehaviour, Simulator, type SimulatorOptions } from './simulator';
export * from './store';
