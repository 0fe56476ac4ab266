import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthError, RetryableError } from '@exsync/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createType2 } from '../../../exchange-sim/src/ews/auth/ntlm';
import { ntlmPost } from './ntlm-post';

/**
 * The NTLM handshake's failure modes that the simulator (a well-behaved IIS) never shows: a front end that closes
 * the connection after its challenge, and a server that offers no NTLM at all. The happy path, and a wrong password,
 * are proven against the simulator in streaming-client.test.ts.
 */
let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function serve(answerNegotiate: (res: import('node:http').ServerResponse) => void): Promise<string> {
  server = createServer((req, res) => {
    req.resume();
    if (/^NTLM /.test(req.headers.authorization ?? '') && req.method === 'GET') return answerNegotiate(res);
    res.writeHead(401, { 'www-authenticate': 'NTLM' }).end();
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/EWS/Exchange.asmx`;
}

const creds = { username: 'CONTOSO\\svc', password: 'pw' };
const post = (url: string) => ntlmPost(url, { 'content-type': 'text/xml' }, '<x/>', creds, AbortSignal.timeout(5000));

describe('ntlmPost: the handshake must stay on one connection', () => {
  it('a server that closes the connection after its challenge is a retryable transport failure, not bad credentials', async () => {
    const url = await serve((res) =>
      res.writeHead(401, { 'www-authenticate': createType2('CONTOSO', 'EXCH01').header, connection: 'close' }).end(),
    );
    const attempt = post(url);
    await expect(attempt).rejects.toBeInstanceOf(RetryableError);
    await expect(attempt).rejects.toThrow(/closed the connection during the NTLM handshake/);
  });

  it('a server that answers NEGOTIATE without an NTLM challenge is a credentials error naming NTLM', async () => {
    const url = await serve((res) => res.writeHead(401, { 'www-authenticate': 'Basic realm="exch01"' }).end());
    const attempt = post(url);
    await expect(attempt).rejects.toBeInstanceOf(AuthError);
    await expect(attempt).rejects.toThrow(/offered no NTLM challenge .*HTTP 401/);
  });
});
