import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './testing/harness';

/**
 * The API contract is committed as `apps/sync-service/openapi.json`, so a change to it shows in review and
 * clients (the Nextcloud app) can be built against the file. This test keeps the file in step with the code:
 * after an intended API change, run it once with `UPDATE_OPENAPI=1` and commit the new file.
 */
const committedPath = join(import.meta.dirname, '..', 'openapi.json');

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('the committed OpenAPI document', () => {
  it('is exactly what the service serves at /openapi.json', async () => {
    const served = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(served.statusCode).toBe(200);
    const current = `${JSON.stringify(served.json(), null, 2)}\n`;
    if (process.env.UPDATE_OPENAPI === '1') await writeFile(committedPath, current);
    const committed = await readFile(committedPath, 'utf8').catch(() => '');
    expect(committed, 'apps/sync-service/openapi.json is stale: run this test with UPDATE_OPENAPI=1').toBe(current);
  });
});
