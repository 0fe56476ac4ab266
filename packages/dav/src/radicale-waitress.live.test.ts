import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveSkipReason, type RunningDavServer, startRadicale } from './testing/dav-servers';

/**
 * The benchmarks' Nextcloud is Radicale under waitress (scripts/dav-servers/radicale_keepalive.py): it must keep
 * the connection open across the answers Radicale gives without a Content-Length (a PUT's 201, a DELETE's), or
 * the benchmarks charge exsync a TCP connect per request that Nextcloud never does.
 */
const skip = liveSkipReason('radicale');
const user = 'bench-user';
const password = 'bench-app-password';
let server: RunningDavServer | undefined;

if (!skip) {
  beforeAll(async () => {
    server = await startRadicale(user, password, 'waitress');
  });
  afterAll(async () => {
    await server?.stop();
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function send(method: string, path: string, body?: string): Promise<{ status: number; text: string; reused: boolean }> {
  if (!server) throw new Error('Radicale did not start');
  const headers: Record<string, string> = {
    authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
  };
  if (body !== undefined) headers['content-type'] = 'text/calendar; charset=utf-8';
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(path, server?.baseUrl), { method, headers, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          text: Buffer.concat(chunks).toString(),
          reused: request.reusedSocket,
        }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

const event = (uid: string) =>
  [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//exsync//test//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20260101T000000Z',
    'DTSTART:20260301T100000Z',
    'SUMMARY:Keep-alive',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');

describe.skipIf(skip)('Radicale under waitress (the benchmarks’ Nextcloud)', () => {
  it('answers MKCALENDAR, PUT, DELETE and GET on one kept-alive connection, the content intact', async () => {
    const answers = [
      await send('MKCALENDAR', `/${user}/calendar/`),
      await send('PUT', `/${user}/calendar/one.ics`, event('one')),
      await send('PUT', `/${user}/calendar/two.ics`, event('two')),
      await send('DELETE', `/${user}/calendar/two.ics`),
      await send('GET', `/${user}/calendar/one.ics`),
      await send('GET', `/${user}/calendar/two.ics`),
    ];
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 200, 200, 404]);
    expect(answers.slice(1).map((a) => a.reused)).toEqual([true, true, true, true, true]);
    expect(answers[4]?.text).toContain('UID:one');
  });
});
