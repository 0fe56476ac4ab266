import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config';

/** Field names whose values are never logged, at any depth (compared without regard to case). */
const SECRET_FIELDS = new Set(
  [
    'appPassword',
    'password',
    'clientSecret',
    'certificate',
    'privateKey',
    'secret',
    'secretKey',
    'apiKey',
    'adminKey',
    'key',
    'token',
    'accessToken',
    'refreshToken',
    'authorization',
    'proxy-authorization',
    'cookie',
    'set-cookie',
  ].map((f) => f.toLowerCase()),
);

const CENSOR = '[redacted]';
/** Limits that keep one line small whatever is logged (a 20 KB header, a 5 MB body, a 100,000-item list). */
const MAX_DEPTH = 8;
const MAX_STRING = 4096;
const MAX_ITEMS = 50;
const MAX_TOTAL = 64 * 1024;

/** Credentials that may hide inside free text (an error message quoting a header, a URL with a password). */
const SECRET_IN_TEXT: [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[^\s"',;]+/gi, `$1 ${CENSOR}`],
  [/\bexs_[A-Za-z0-9]+_[A-Za-z0-9_-]+/g, CENSOR],
  [/(\/\/[^/\s:@]+:)[^/\s@]+@/g, `$1${CENSOR}@`],
];

interface Budget {
  left: number;
}

function text(value: string, budget: Budget): string {
  let s = value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}… (${value.length} characters)` : value;
  for (const [pattern, replacement] of SECRET_IN_TEXT) s = s.replace(pattern, replacement);
  if (budget.left <= 0) return '[cut: log line too long]';
  budget.left -= s.length;
  return s;
}

function read(target: object, key: PropertyKey): unknown {
  try {
    return (target as Record<PropertyKey, unknown>)[key];
  } catch {
    return '[unreadable]';
  }
}

/**
 * A plain, bounded, JSON-safe copy of anything: cycles, Buffers, throwing getters, proxies, bigints, huge strings
 * and deep nesting become short descriptions, and secret fields are censored. It never throws, so a log call can
 * never take a request (or the process) down, whatever the value.
 */
export function loggable(
  value: unknown,
  depth = 0,
  ancestors = new Set<object>(),
  budget = { left: MAX_TOTAL },
): unknown {
  try {
    switch (typeof value) {
      case 'string':
        return text(value, budget);
      case 'number':
      case 'boolean':
      case 'undefined':
        return value;
      case 'bigint':
        return value.toString();
      case 'symbol':
        return value.toString();
      case 'function':
        return `[Function ${value.name || 'anonymous'}]`;
    }
    if (value === null) return null;
    const obj = value as object;
    if (ancestors.has(obj)) return '[Circular]';
    if (ArrayBuffer.isView(obj)) return `[${obj.constructor?.name ?? 'TypedArray'} ${obj.byteLength} bytes]`;
    if (obj instanceof ArrayBuffer || obj instanceof SharedArrayBuffer) return `[ArrayBuffer ${obj.byteLength} bytes]`;
    if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
    if (depth >= MAX_DEPTH || budget.left <= 0) return Array.isArray(obj) ? '[Array]' : '[Object]';
    ancestors.add(obj);
    try {
      const next = (v: unknown) => loggable(v, depth + 1, ancestors, budget);
      if (Array.isArray(obj)) {
        const out = obj.slice(0, MAX_ITEMS).map(next);
        if (obj.length > MAX_ITEMS) out.push(`… ${obj.length - MAX_ITEMS} more`);
        return out;
      }
      if (obj instanceof Set) return next([...obj].slice(0, MAX_ITEMS + 1));
      const entries: [string, unknown][] =
        obj instanceof Map
          ? [...obj].slice(0, MAX_ITEMS + 1).map(([k, v]) => [String(loggable(k, MAX_DEPTH, ancestors, budget)), v])
          : Object.keys(obj).map((k) => [k, read(obj, k)]);
      const out: Record<string, unknown> = {};
      if (obj instanceof Error) {
        out.type = obj.name;
        out.message = next(read(obj, 'message'));
        out.stack = next(read(obj, 'stack'));
        const cause = read(obj, 'cause');
        if (cause !== undefined) out.cause = next(cause);
      }
      let count = 0;
      for (const [k, v] of entries) {
        if (++count > MAX_ITEMS) {
          out['…'] = `${entries.length - MAX_ITEMS} more fields`;
          break;
        }
        if (k === '__proto__') continue;
        out[k] = SECRET_FIELDS.has(k.toLowerCase()) ? CENSOR : next(v);
      }
      return out;
    } finally {
      ancestors.delete(obj);
    }
  } catch {
    return '[unloggable]';
  }
}

/** Fastify's own request and reply objects: its serializers turn them into a few plain fields (no headers). */
function isFastifyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'raw' in value && 'log' in value;
}

/**
 * Every object passed to the logger goes through `loggable` before pino sees it, so redaction is by field name
 * at any depth (not a fixed list of paths) and nothing in a logged value can make pino throw — at `trace`, Fastify
 * logs client errors whose `rawPacket` is a Buffer, which made pino's path redaction throw and the service die.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'exsync' },
    formatters: {
      log(object) {
        const budget = { left: MAX_TOTAL };
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(object)) {
          const value = read(object, key);
          if ((key === 'req' || key === 'res') && isFastifyObject(value)) out[key] = value;
          else out[key] = SECRET_FIELDS.has(key.toLowerCase()) ? CENSOR : loggable(value, 1, new Set(), budget);
        }
        return out;
      },
    },
    // `err` is already a plain copy (type, message, stack, fields) made by `loggable`.
    serializers: { err: (e: unknown) => e },
  };
  const logger = destination ? pino(options, destination) : pino(options);
  // Child-logger bindings (e.g. the user a sync runs for) get the same treatment as logged objects; pino applies
  // no formatter to them. Children inherit this method, and `this` is the child, so bindings still accumulate.
  type ChildFn = (this: unknown, bindings: pino.Bindings, options?: unknown) => unknown;
  const child = logger.child as unknown as ChildFn;
  const safeChild: ChildFn = function (this: unknown, bindings, childOptions) {
    return child.call(this, loggable(bindings) as pino.Bindings, childOptions);
  };
  logger.child = safeChild as unknown as Logger['child'];
  return logger;
}
