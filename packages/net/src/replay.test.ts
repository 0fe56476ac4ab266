import { describe, expect, it } from 'vitest';
import { isReplaySafe } from './replay';

describe('isReplaySafe: what may be sent again when its first try may have been applied', () => {
  it.each([
    [{ method: 'GET' }, true],
    [{ method: 'propfind' }, true],
    [{ method: 'REPORT' }, true],
    [{ method: 'PUT', conditional: true }, true],
    [{ method: 'PATCH', conditional: true }, true],
    [{ method: 'DELETE', conditional: true }, true],
    [{ method: 'POST', idempotencyKey: true }, true],
    [{ method: 'PUT' }, true],
    [{ method: 'DELETE' }, true],
    [{ method: 'PATCH' }, false],
    [{ method: 'MKCOL' }, false],
    [{ method: 'POST' }, false],
    [{ method: 'POST', conditional: true }, false],
  ])('%o → %s', (shape, safe) => {
    expect(isReplaySafe(shape)).toBe(safe);
  });
});
