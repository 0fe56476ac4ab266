/**
 * One EWS POST authenticated with NTLM, for the streaming client (which speaks SOAP over fetch otherwise).
 *
 * NTLM authenticates a TCP connection, not a request (MS-NLMP; "NTLM over HTTP" in MS-NTHT): the NEGOTIATE
 * message is answered with 401 and a CHALLENGE in WWW-Authenticate, and the AUTHENTICATE message must travel on the
 * SAME keep-alive connection, or IIS has no challenge to check it against. fetch pools connections out of our sight,
 * so each call gets its own node:http(s) Agent with keepAlive and a single socket: the handshake's 401 is read to
 * its end (which frees the socket), and the real request then queues for that very socket. The answer may be a
 * GetStreamingEvents response that stays open for up to 30 minutes; the agent, and with it the socket, is
 * destroyed when that answer closes. Every call does its own handshake rather than reusing an authenticated socket:
 * IIS keeps NTLM credentials only on a keep-alive connection and only by default (Microsoft, "Credential Caching on
 * NTLM KA Connections"; `authPersistSingleRequest` turns it off), and a long-lived stream holds its socket anyway.
 *
 * The messages themselves come from @ewsjs/ntlm-client, the library @ewsjs/xhr (the SOAP store's transport) uses,
 * with the same `DOMAIN\user` split and "." workstation, so both paths present the same credentials.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import ntlm from '@ewsjs/ntlm-client';
import { AuthError, RetryableError } from '@exsync/core';

// CommonJS: Node's ESM loader (the CLI, tsx) sees only its default export; named imports work under Vite alone.
const { createType1Message, createType3Message, decodeType2Message } = ntlm;

export interface NtlmCredentials {
  /** `DOMAIN\user` (checked by connection-config). */
  readonly username: string;
  readonly password: string;
}

const WORKSTATION = '.';

/**
 * POSTs `body` to `url` after an NTLM handshake on the same connection; answers as fetch would. A 401 after the
 * AUTHENTICATE message is returned as is (the caller reports refused credentials).
 */
export async function ntlmPost(
  url: string,
  headers: Record<string, string>,
  body: string,
  credentials: NtlmCredentials,
  signal: AbortSignal,
): Promise<Response> {
  const target = new URL(url);
  const agent =
    target.protocol === 'https:'
      ? new https.Agent({ keepAlive: true, maxSockets: 1 })
      : new http.Agent({ keepAlive: true, maxSockets: 1 });
  const slash = credentials.username.indexOf('\\');
  const domain = slash > 0 ? credentials.username.slice(0, slash).toUpperCase() : '';
  const user = slash > 0 ? credentials.username.slice(slash + 1) : credentials.username;
  const { 'content-type': _type, authorization: _auth, ...routing } = headers;
  try {
    // NEGOTIATE as a bodiless GET, as @ewsjs/xhr sends it: IIS answers the challenge before looking at the method.
    const first = await send(
      agent,
      target,
      'GET',
      { ...routing, authorization: createType1Message(WORKSTATION, domain) },
      undefined,
      signal,
    );
    await drain(first.res);
    const challenge = /(?:^|,\s*)NTLM\s+([A-Za-z0-9+/=]+)/i.exec(wwwAuthenticate(first.res))?.[1];
    if (first.res.statusCode !== 401 || !challenge) {
      throw new AuthError(
        `EWS offered no NTLM challenge for streaming notifications (HTTP ${first.res.statusCode}); is NTLM enabled on /EWS?`,
      );
    }
    const type3 = createType3Message(
      decodeType2Message(`NTLM ${challenge}`),
      user,
      credentials.password,
      WORKSTATION,
      domain,
    );
    const second = await send(
      agent,
      target,
      'POST',
      { ...headers, authorization: type3, 'content-length': String(Buffer.byteLength(body)) },
      body,
      signal,
    );
    if (second.socket !== first.socket) {
      // The server closed the connection after its challenge: the AUTHENTICATE message would be checked against
      // nothing. Worth another try later (a proxy may have recycled the connection), not a credential problem.
      second.res.destroy();
      throw new RetryableError('EWS closed the connection during the NTLM handshake');
    }
    const res = second.res;
    res.once('close', () => agent.destroy());
    const out = new Headers();
    for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) out.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
    const status = res.statusCode ?? 500;
    const stream = status === 204 || status === 304 ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
    if (!stream) res.resume();
    return new Response(stream, { status, headers: out });
  } catch (error) {
    agent.destroy();
    throw error;
  }
}

function wwwAuthenticate(res: IncomingMessage): string {
  const v = res.headers['www-authenticate'];
  return Array.isArray(v) ? v.join(', ') : (v ?? '');
}

function drain(res: IncomingMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    res.on('error', reject);
    res.on('end', resolve);
    res.resume();
  });
}

function send(
  agent: http.Agent,
  url: URL,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body: string | undefined,
  signal: AbortSignal,
): Promise<{ res: IncomingMessage; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    let socket: Socket | undefined;
    const req = mod.request(url, { method, headers, agent, signal }, (res) => {
      if (socket) resolve({ res, socket });
      else reject(new Error('no socket'));
    });
    req.once('socket', (s) => {
      socket = s;
    });
    req.once('error', reject);
    req.end(body);
  });
}
