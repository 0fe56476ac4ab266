import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('logger redaction', () => {
  it('hides secrets at any of the depths the service logs objects', () => {
    const out = capture();
    const log = createLogger('info', out.stream);
    log.info({ appPassword: 'P1-plain' }, 'top');
    log.info({ user: { appPassword: 'P2-plain', loginName: 'alice' } }, 'nested');
    log.info({ body: { users: { x: { password: 'P3-plain' } } } }, 'deep');
    log.info({ connection: { clientSecret: 'P4-plain' } }, 'graph');
    log.info({ req: { headers: { authorization: 'Bearer P5-plain' } } }, 'request');
    const text = out.text();
    for (const secret of ['P1-plain', 'P2-plain', 'P3-plain', 'P4-plain', 'P5-plain']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('alice');
    expect(text).toContain('[redacted]');
  });
});
