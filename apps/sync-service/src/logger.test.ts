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

describe('logging never throws', () => {
  const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

  function awkwardValues(): [string, object][] {
    const cyclic: Record<string, unknown> = { name: 'cyclic', password: 'C1-plain' };
    cyclic.self = cyclic;
    const deepCycle: Record<string, unknown> = {};
    deepCycle.a = { b: { c: deepCycle, token: 'C2-plain' } };
    const clientError = Object.assign(new Error('Parse Error: Invalid method encountered'), {
      code: 'HPE_INVALID_METHOD',
      rawPacket: Buffer.from('G@T / HTTP/1.1\r\nauthorization: Bearer C3-plain\r\n'),
    });
    const throwingGetter = {
      get key(): string {
        throw new Error('getter');
      },
    };
    return [
      ['a Buffer at the top', { err: { rawPacket: Buffer.alloc(20 * 1024, 0x41) } }],
      ['an error with a Buffer (bad request line)', { err: clientError }],
      ['a Buffer three levels down', { a: { b: { c: Buffer.from('abc') } } }],
      ['typed arrays', { a: { b: new Uint16Array(4), c: new DataView(new ArrayBuffer(4)) } }],
      ['a cyclic object', { x: cyclic }],
      ['a cycle deep down', deepCycle],
      ['a throwing getter', { a: { b: { c: throwingGetter } } }],
      ['a 5 MB string', { huge: 'x'.repeat(5 * 1024 * 1024) }],
      ['a 20 KB header', { req: { headers: { 'x-big': 'y'.repeat(20 * 1024), authorization: 'Bearer C4-plain' } } }],
      ['a 100,000-element array', { list: Array.from({ length: 100_000 }, (_, i) => i) }],
      ['a bigint, a symbol and a function', { n: 10n, s: Symbol('s'), f: () => 1 }],
      ['a Map and a Set', { m: new Map([['password', 'C5-plain']]), s: new Set([1]) }],
      ['nesting 10,000 deep', nested(10_000)],
      ['an object with a null prototype', Object.assign(Object.create(null), { secret: 'C6-plain' })],
    ];
  }

  function nested(depth: number): object {
    let o: object = { leaf: true };
    for (let i = 0; i < depth; i++) o = { o };
    return o;
  }

  for (const level of LEVELS) {
    it(`at ${level}, logs every awkward value, redacts secrets and stays small`, () => {
      const out = capture();
      const log = createLogger(level, out.stream);
      for (const [name, value] of awkwardValues()) {
        expect(() => log[level](value, name), name).not.toThrow();
        expect(() => log[level](Object.assign(new Error(name), value)), `${name} as error`).not.toThrow();
        expect(() => log.child({ reqId: 'r1' })[level](value, name), `${name} (child)`).not.toThrow();
        expect(() => log.child(value as Record<string, unknown>)[level]('bound'), `${name} (bindings)`).not.toThrow();
      }
      const text = out.text();
      for (const secret of ['C1-plain', 'C2-plain', 'C3-plain', 'C4-plain', 'C5-plain', 'C6-plain']) {
        expect(text, secret).not.toContain(secret);
      }
      for (const line of text.trim().split('\n')) {
        expect(() => JSON.parse(line)).not.toThrow();
        // A value is cut short rather than written out in full: one line stays well under a megabyte.
        expect(line.length).toBeLessThan(256 * 1024);
      }
      expect(text).toContain('a Buffer at the top');
      // Bindings accumulate through children of children.
      const nested = capture();
      createLogger(level, nested.stream).child({ a: 1 }).child({ b: 2, token: 'C7-plain' })[level]('x');
      expect(JSON.parse(nested.text())).toMatchObject({ a: 1, b: 2, token: '[redacted]' });
    });
  }
});
