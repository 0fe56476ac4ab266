import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config';

const SECRET_FIELDS = [
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
  'authorization',
];

/**
 * Redaction is the second line of defence: the service never logs request bodies or credentials on purpose, but
 * an error object or a debug line might carry one. Paths cover the field at the top and up to three levels down.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`, `*.*.*.${f}`]),
];

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'exsync' },
  };
  return destination ? pino(options, destination) : pino(options);
}
