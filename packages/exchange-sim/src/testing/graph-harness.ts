/** Test harness: a listening simulator with the demo tenant and a tiny fetch client for Graph. */

import { DEMO, seedDemoTenant } from '../demo-seed';
import { createSimulator, type SimulatorHandle } from '../index';
import type { SimulatorOptions } from '../simulator';

export interface GraphResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export interface Harness {
  handle: SimulatorHandle;
  sim: SimulatorHandle['sim'];
  base: string;
  token: string;
  tokenFor(scope?: string, clientId?: string, secret?: string): Promise<string>;
  graph<T = Record<string, unknown>>(
    method: string,
    pathOrUrl: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<GraphResponse<T>>;
  close(): Promise<void>;
}

export async function startHarness(options: SimulatorOptions = {}): Promise<Harness> {
  const handle = createSimulator({ clock: { start: Date.parse('2026-01-01T00:00:00Z') }, ...options });
  seedDemoTenant(handle.sim, Date.parse('2026-01-01T00:00:00Z'));
  const urls = await handle.listen(0);
  const tokenFor = async (
    scope = 'https://graph.microsoft.com/.default',
    clientId = DEMO.clientId,
    secret = DEMO.clientSecret,
  ) => {
    const res = await fetch(urls.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: secret,
        scope,
      }),
    });
    const json = (await res.json()) as { access_token?: string };
    if (!json.access_token) throw new Error(`no token: ${JSON.stringify(json)}`);
    return json.access_token;
  };
  const token = await tokenFor();
  const h: Harness = {
    handle,
    sim: handle.sim,
    base: urls.graph,
    token,
    tokenFor,
    async graph(method, pathOrUrl, body, headers = {}) {
      const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${urls.graph}${pathOrUrl}`;
      const res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${h.token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // keep text
      }
      return { status: res.status, headers: res.headers, body: parsed as never };
    },
    close: () => handle.close(),
  };
  return h;
}

export const enc = encodeURIComponent;
