/**
 * The built admin page (js/exsync-admin.mjs, as committed) in Debian's Chromium, inside a minimal Nextcloud-like
 * shell (shell/router.php on PHP's built-in server) whose requests are answered by the app's own PHP controllers,
 * against a REAL sync service (apps/sync-service on its embedded database). An admin configures the service with
 * password confirmation, saves the Exchange connection, picks a group (which enrols 60 users at the real service),
 * saves sync settings, pages, filters and searches users, bulk-syncs two, sees "Re-issue credentials" instead of
 * "Sync now" for a user whose credentials died, and opens a user. Screenshots (1,400 × 900) go to
 * tests/browser/screenshots/ (git-ignored).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTenant, startTestApp, type TestApp } from '../../../apps/sync-service/src/testing/harness';
import { sampleEvent } from '../../../packages/core/src/testing/index';
import { findOrCreatePair, PrismaStatusStore } from '../../../packages/db/src/index';
import { createSimulator, type SimulatorHandle } from '../../../packages/exchange-sim/src/index';

const CHROMIUM = '/usr/bin/chromium';
const HERE = fileURLToPath(new URL('.', import.meta.url));
const SCREENSHOTS = join(HERE, 'screenshots');
const ADMIN_PASSWORD = 'correct horse battery staple';
// Generous: the machine may be busy, and every shell request starts PHP afresh. Failures still fail, only later.
const WAIT_MS = 60_000;
const hasTools = existsSync(CHROMIUM) && spawnSync('php', ['--version']).status === 0;
// In CI nothing may skip for want of a tool (scripts/ci/system-deps.sh installs Chromium and PHP).
const run = hasTools || process.env.CI === 'true' ? describe : describe.skip;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      await fetch(url);
      return;
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

// Playwright's own web-first assertions live in @playwright/test; with vitest, poll the page instead.
const visible = (locator: Locator) => locator.waitFor({ state: 'visible' });
const count = (locator: Locator, n: number) => expect.poll(() => locator.count(), { timeout: WAIT_MS }).toBe(n);
const text = (locator: Locator) => expect.poll(async () => (await locator.textContent()) ?? '', { timeout: WAIT_MS });

run('the admin page in a browser, against the real sync service', { timeout: 180_000 }, () => {
  let service: TestApp;
  let exchange: SimulatorHandle;
  let ewsUrl: string;
  let tenantKey: string;
  let serviceUrl: string;
  let php: ChildProcess;
  let shellUrl: string;
  let stateDir: string;
  let browser: Browser;
  let page: Page;
  let phpLog = '';

  const serviceGet = async (url: string) =>
    (await service.app.inject({ method: 'GET', url, headers: bearer(tenantKey) })).json();
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
  const status = (section: string) => page.locator(`.settings-section:has(h2:text-is("${section}")) .exsync-status`);

  beforeAll(async () => {
    // Exchange: the EWS simulator; its service account may impersonate user-001 only, user-003 has no mailbox.
    exchange = createSimulator({ seed: 'exsync-admin-page' });
    for (const n of ['001', '002']) exchange.sim.store.createMailbox({ smtpAddress: `user-${n}@cloud.example` });
    exchange.sim.directory.addServiceAccount({
      username: 'svc-exsync',
      password: 'exchange-secret-123',
      domain: 'ACME',
      impersonation: ['user-001@cloud.example'],
    });
    ewsUrl = (await exchange.listen(0)).ews;
    service = await startTestApp();
    tenantKey = (await createTenant(service, 'Acme')).key;
    await service.app.listen({ port: 0, host: '127.0.0.1' });
    serviceUrl = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`;

    stateDir = mkdtempSync(join(tmpdir(), 'exsync-shell-'));
    const sales = Array.from({ length: 60 }, (_, i) => {
      const n = String(i + 1).padStart(3, '0');
      return { uid: `user-${n}`, email: `user-${n}@cloud.example`, displayName: `Sales Person ${n}` };
    });
    const state = {
      admin: 'admin',
      adminPassword: ADMIN_PASSWORD,
      requestToken: 'token-' + Math.random().toString(36).slice(2),
      confirmedAt: 0,
      users: [
        { uid: 'admin', email: 'admin@cloud.example', displayName: 'Admin' },
        ...sales,
        { uid: 'sam', email: 'sam@cloud.example', displayName: 'Sam Support' },
      ],
      groups: { admin: ['admin'], sales: sales.map((u) => u.uid), support: ['sam'] },
      appConfig: {},
      prefs: {},
      tokens: [],
      log: [],
    };
    writeFileSync(join(stateDir, 'state.json'), JSON.stringify(state));

    const port = await freePort();
    shellUrl = `http://127.0.0.1:${port}`;
    php = spawn('php', ['-S', `127.0.0.1:${port}`, join(HERE, 'shell', 'router.php')], {
      env: { ...process.env, EXSYNC_SHELL_STATE: join(stateDir, 'state.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    php.stdout?.on('data', (d) => (phpLog += String(d)));
    php.stderr?.on('data', (d) => (phpLog += String(d)));
    await waitFor(shellUrl + '/favicon.ico');

    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(WAIT_MS);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    php?.kill();
    await service?.close();
    await exchange?.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  const confirmPasswordIfAsked = async () => {
    const dialog = page.getByRole('dialog').filter({ hasText: /confirm/i });
    await dialog.waitFor();
    await dialog.locator('input[type="password"]').fill(ADMIN_PASSWORD);
    await dialog.locator('input[type="password"]').press('Enter');
    await dialog.waitFor({ state: 'hidden' });
  };

  it('configures the service connection: local http needs the switch, saving asks for the password', async () => {
    await page.goto(shellUrl + '/index.php/settings/admin/exsync');
    await page.getByLabel('Service URL').fill(serviceUrl);
    await page.locator('[data-test="service-form"]').getByRole('button', { name: 'Save' }).click();
    await confirmPasswordIfAsked();
    await text(status('Exchange sync: sync service')).toContain('Saved.');

    // Nextcloud refuses loopback addresses unless told; the page says what to tick.
    await page.getByLabel('Tenant API key').fill(tenantKey);
    await page.getByRole('button', { name: 'Save key' }).click();
    await text(status('Exchange sync: sync service')).toContain('The tenant key is saved.');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await text(status('Exchange sync: sync service')).toContain('local network');

    await page.getByText('The sync service is on the local network').click();
    await page.locator('[data-test="service-form"]').getByRole('button', { name: 'Save' }).click();
    await text(status('Exchange sync: sync service')).toContain('Saved.');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await text(status('Exchange sync: sync service')).toContain('no Exchange connection is configured yet');
    await shot('1-service-connection');
  });

  it('saves the Exchange connection; the secret goes to the service and never comes back', async () => {
    const form = page.locator('[data-test="exchange-form"]');
    await form.getByRole('textbox', { name: 'EWS URL', exact: true }).fill(ewsUrl);
    await form.getByRole('textbox', { name: 'Service account', exact: true }).fill('ACME\\svc-exsync');
    await form.locator('input[type="password"]').fill('exchange-secret-123');
    await form.getByRole('button', { name: 'Save Exchange connection' }).click();
    await text(status('Exchange connection')).toContain('The Exchange connection is saved.');

    const saved = await serviceGet('/v1/exchange-connection');
    expect(saved).toMatchObject({ kind: 'ews', authKind: 'basic', username: 'ACME\\svc-exsync', hasSecret: true });
    expect(await form.locator('input[type="password"]').inputValue()).toBe('');
    expect(await page.content()).not.toContain('exchange-secret-123');
  });

  it('tests the connection on one mailbox and names the cause when it fails', async () => {
    const address = page.getByLabel('Mailbox to test');
    const result = page.locator('[data-test="mailbox-test-result"]');
    await address.fill('user-001@cloud.example');
    await page.locator('[data-test="mailbox-test"]').click();
    await text(result).toContain('user-001@cloud.example: the connection works.');

    await address.fill('nobody@cloud.example');
    await page.locator('[data-test="mailbox-test"]').click();
    await text(result).toContain('Exchange has no mailbox with this address');
    await text(result.locator('[data-test="mailbox-test-todo"]')).toContain('Mailbox mapping');

    await address.fill('user-002@cloud.example');
    await page.locator('[data-test="mailbox-test"]').click();
    await text(result).toContain('Exchange refused access to this mailbox');
    await text(result).toContain('ApplicationImpersonation');
    await result.scrollIntoViewIfNeeded();
    await shot('2a-mailbox-test');
  });

  it('picks a group: its 60 members are enrolled at the real service', async () => {
    const select = page.locator('[data-test="groups-select"]');
    await select.locator('input').fill('sal');
    await page.getByRole('option', { name: 'Sales' }).click();
    await page.getByRole('button', { name: 'Enrol members' }).click();
    await text(status('Enrolled groups')).toContain('60 members are being enrolled');

    const listed = await serviceGet('/v1/users?limit=1000');
    expect(listed.items).toHaveLength(60);
    expect(listed.items.map((u: { ncUserId: string }) => u.ncUserId)).toContain('user-042');
    await shot('2-groups');
  });

  it('saves sync settings with the policies explained', async () => {
    const form = page.locator('[data-test="sync-form"]');
    await visible(form.getByText('Whichever side changed the item last is kept'));
    await form.getByRole('spinbutton', { name: 'Minutes between runs' }).fill('30');
    await form.getByText('Newest change wins').click();
    await form.getByRole('button', { name: 'Save sync settings' }).click();
    await text(status('Sync settings')).toContain('The sync settings are saved');

    const saved = await serviceGet('/v1/settings');
    expect(saved.intervalMinutes).toBe(30);
    expect(saved.conflictPolicy.kind).toBe('newest');
    await shot('3-sync-settings');
  });

  it('lists users a page at a time with counts per state, and fits the 1,080 px pane', async () => {
    await service.db.query(
      `UPDATE users SET state = 'auth_required', state_code = 'nextcloud_app_password_refused', state_reason = 'Nextcloud refused the app password.' WHERE nc_user_id = 'user-007'`,
    );
    await service.db.query(
      `UPDATE users SET state = 'error', state_code = 'exchange_mailbox_not_found', state_reason = 'Exchange has no mailbox for this user''s address.' WHERE nc_user_id = 'user-003'`,
    );
    await page.reload();
    const table = page.locator('[data-test="users-table"]');
    await count(table.locator('tbody tr'), 50);
    await text(page.locator('[data-test="state-filters"]')).toContain('All 60');
    await text(page.locator('[data-test="filter-auth_required"]')).toContain('1');

    await page.locator('[data-test="page-next"]').click();
    await count(table.locator('tbody tr'), 10);
    await page.locator('[data-test="page-previous"]').click();
    await count(table.locator('tbody tr'), 50);

    // The dead-credentials user offers "Re-issue credentials", not "Sync now".
    const dead = page.locator('[data-test="user-user-007"]');
    await visible(dead.getByRole('button', { name: 'Re-issue credentials' }));
    await count(dead.getByRole('button', { name: 'Sync now' }), 0);
    await visible(page.locator('[data-test="user-user-008"]').getByRole('button', { name: 'Sync now' }));
    // Each row names its cause from the service's stateCode: a missing mailbox is not "refused credentials".
    await text(dead.locator('[data-test="cause"]')).toBe('Nextcloud refused the app password');
    await text(page.locator('[data-test="user-user-003"] [data-test="cause"]')).toBe(
      'Exchange has no mailbox with this address',
    );

    const pane = await page.locator('[data-test="pane"]').boundingBox();
    const tableBox = await table.boundingBox();
    const lastAction = await page.locator('[data-test="user-user-001"] [data-test="row-pause"]').boundingBox();
    expect(pane!.width).toBeGreaterThanOrEqual(1070);
    expect(pane!.width).toBeLessThanOrEqual(1090);
    expect(tableBox!.x + tableBox!.width).toBeLessThanOrEqual(pane!.x + pane!.width);
    expect(lastAction!.x + lastAction!.width).toBeLessThanOrEqual(pane!.x + pane!.width);
    await page.locator('[data-test="users-table"]').scrollIntoViewIfNeeded();
    await shot('4-users');

    await page.locator('[data-test="filter-auth_required"]').click();
    await count(table.locator('tbody tr'), 1);
    await page.locator('[data-test="filter-auth_required"]').click(); // stays on the filter; back to all below
    await page.getByRole('button', { name: /^All/ }).click();
    await count(table.locator('tbody tr'), 50);
  });

  it('sorts the paged list at the service by state and by last sync', async () => {
    await service.db.query(`UPDATE users SET last_sync_at = now() WHERE nc_user_id = 'user-060'`);
    const table = page.locator('[data-test="users-table"]');
    const firstRow = () => table.locator('tbody tr').first().getAttribute('data-test');
    // user-060 is on the second page by name; sorted by last sync (latest first) it leads the first page.
    await page.locator('[data-test="sort-lastSuccessAt"]').click();
    await expect.poll(firstRow, { timeout: WAIT_MS }).toBe('user-user-060');
    await page.locator('[data-test="sort-state"]').click();
    await expect.poll(firstRow, { timeout: WAIT_MS }).toBe('user-user-001');
    await page.locator('[data-test="sort-state"]').click(); // descending: error, then auth_required
    await expect.poll(firstRow, { timeout: WAIT_MS }).toBe('user-user-003');
    await text(table.locator('tbody tr').nth(1)).toContain('user-007');
    await page.locator('[data-test="sort-displayName"]').click();
    await expect.poll(firstRow, { timeout: WAIT_MS }).toBe('user-user-001');
  });

  it('searches users by name and bulk-syncs a selection', async () => {
    await page.getByLabel('Search by name, user ID or e-mail').fill('Sales Person 04');
    const table = page.locator('[data-test="users-table"]');
    await count(table.locator('tbody tr'), 10);
    await table.locator('[data-test="user-user-041"] input[type="checkbox"]').check();
    await table.locator('[data-test="user-user-042"] input[type="checkbox"]').check();
    await page.locator('[data-test="bulk-sync"]').click();
    await text(status('Users')).toContain('Sync now: done for 2 users.');
    await count(table.locator('tbody tr[data-test^="user-"]'), 10);
    await shot('5-search-and-bulk-sync');

    // The service queued a sync job for exactly these two.
    const jobs = await service.db.query<{ nc_user_id: string }>(
      `SELECT nc_user_id FROM exsync_jobs.sync_jobs ORDER BY nc_user_id`,
    );
    expect(jobs.map((j) => j.nc_user_id)).toEqual(['user-041', 'user-042']);
  });

  it('opens a user and restores one of their held deletions', async () => {
    // Two deletions made in Exchange, held by the deletion policy (as a sync run would leave them).
    const [user] = await service.db.query<{ id: string }>("SELECT id FROM users WHERE nc_user_id = 'user-042'");
    const pair = await findOrCreatePair(service.db, {
      userId: user!.id,
      kind: 'event',
      aCollectionId: 'ex-cal',
      bCollectionId: '/dav/cal/',
    });
    const statusStore = new PrismaStatusStore(service.db);
    for (const [ident, summary] of [
      ['e1', 'Board meeting'],
      ['e2', 'Team lunch'],
    ] as const) {
      const side = (href: string) => ({ href, version: 'v1', hash: 'h', raw: 'raw' });
      await statusStore.transaction(pair, async (tx) => {
        await tx.put({
          ident,
          a: side(`/ex/${ident}`),
          b: side(`/dav/${ident}.ics`),
          base: sampleEvent(ident, '2030-03-01T09:00:00Z', { summary }),
        });
        await tx.quarantine({ ident, side: 'b', href: `/dav/${ident}.ics`, reason: 'threshold' });
      });
    }

    await page.locator('[data-test="open-user-042"]').click();
    const detail = page.getByRole('dialog');
    await text(detail).toContain('user-042@cloud.example');
    await text(detail).toContain('Run history');
    const board = detail.locator('[data-test="held-Board meeting"]');
    await text(board).toContain('Exchange');
    await board.getByRole('button', { name: 'Restore' }).click();
    await text(board).toContain('Restore (waiting for the next sync)');
    await shot('6-user-detail');

    const held = await serviceGet('/v1/users/user-042/held-deletions');
    const bySummary = Object.fromEntries(
      held.items.map((h: { summary: string; decision: string | null }) => [h.summary, h.decision]),
    );
    expect(bySummary).toEqual({ 'Board meeting': 'restore', 'Team lunch': null });
  });

  it("explains a user's cause and what to do, shows push, and tests their mailbox from the detail view", async () => {
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await page.getByLabel('Search by name, user ID or e-mail').fill('user-003');
    await page.locator('[data-test="open-user-003"]').click();
    const detail = page.getByRole('dialog');
    await text(detail.locator('[data-test="detail-cause"]')).toBe('Exchange has no mailbox with this address');
    await text(detail.locator('[data-test="detail-todo"]')).toContain('Re-issue credentials');
    // This service reports Graph subscriptions only: none for an EWS user, so Exchange push is off.
    await text(detail.locator('[data-test="detail-push"]')).toContain('Exchange: off');
    await detail.locator('[data-test="detail-test-mailbox"]').click();
    await text(detail.locator('[data-test="mailbox-test-result"]')).toContain(
      'Exchange has no mailbox with this address',
    );
    await text(detail.locator('[data-test="mailbox-test-result"]')).toContain('user-003@cloud.example');
    await shot('6a-user-cause');
    await page.keyboard.press('Escape');
  });

  it("shows a partial sync: in the row, both times apart, and each kind's run with its failed items in the detail", async () => {
    // A sync of two kinds as the worker records it: the calendar run partial (two items failed, one per side),
    // the contacts run successful; the user's last success is older than the attempt.
    const [user] = await service.db.query<{ id: string }>("SELECT id FROM users WHERE nc_user_id = 'user-050'");
    const pairOf = (kind: 'event' | 'contact') =>
      findOrCreatePair(service.db, {
        userId: user!.id,
        kind,
        aCollectionId: `ex-${kind}`,
        bCollectionId: `/dav/${kind}/`,
      });
    const [events, contacts] = [await pairOf('event'), await pairOf('contact')];
    const itemErrors = [
      {
        item: 'Board meeting',
        ident: 'e1',
        href: '/remote.php/dav/calendars/user-050/exchange-calendar/e1.ics',
        side: 'b',
        reason: 'Nextcloud answered 413 Request Entity Too Large',
        code: 'rejected',
      },
      {
        item: 'Quarterly review',
        ident: 'e2',
        href: null,
        side: 'a',
        reason: 'Exchange answered ErrorServerBusy',
        code: 'retryable',
      },
    ];
    const syncId = crypto.randomUUID();
    await service.db.query(
      `INSERT INTO sync_runs (user_id, pair_id, sync_id, started_at, finished_at, outcome, counts, error, requests, item_errors) VALUES
         ($1::uuid, $2::uuid, $4::uuid, '2026-12-06T09:00:00Z', '2026-12-06T09:00:04Z', 'partial',
          '{"a_to_b":{"create":2,"update":1},"b_to_a":{"update":1},"failed":{"update":1,"create":1}}',
          'Board meeting: Nextcloud answered 413; Quarterly review: Exchange answered ErrorServerBusy',
          '{"exchange":7,"nextcloud":4}', $5::jsonb),
         ($1::uuid, $3::uuid, $4::uuid, '2026-12-06T09:00:04Z', '2026-12-06T09:00:05Z', 'success',
          '{"b_to_a":{"create":1}}', NULL, '{"exchange":2,"nextcloud":2}', '[]')`,
      [user!.id, events, contacts, syncId, JSON.stringify(itemErrors)],
    );
    await service.db.query(
      `UPDATE users SET state = 'error', state_code = 'items_failed',
         state_reason = '2 items could not be synced and will be retried within minutes: Board meeting: Nextcloud answered 413',
         last_sync_at = '2026-12-01T08:00:00Z', last_attempt_at = '2026-12-06T09:00:05Z' WHERE nc_user_id = 'user-050'`,
    );
    const local = (iso: string) => page.evaluate((at) => new Date(at).toLocaleString(), iso);
    const [success, attempt] = [await local('2026-12-01T08:00:00Z'), await local('2026-12-06T09:00:05Z')];

    await page.getByLabel('Search by name, user ID or e-mail').fill('user-05');
    const row = page.locator('[data-test="user-user-050"]');
    await text(row.locator('[data-test="partial"]')).toBe('Partly synced');
    await text(row.locator('[data-test="last-success"]')).toBe(success);
    await text(row.locator('[data-test="last-attempt"]')).toBe(`Last attempt: ${attempt}`);
    // A user who never synced is neither partial nor shows an attempt.
    const never = page.locator('[data-test="user-user-051"]');
    await text(never.locator('[data-test="last-success"]')).toBe('never');
    await count(never.locator('[data-test="partial"], [data-test="last-attempt"]'), 0);

    await row.scrollIntoViewIfNeeded();
    await shot('6b-partial-row');

    await page.locator('[data-test="open-user-050"]').click();
    const detail = page.getByRole('dialog');
    await text(detail.locator('[data-test="detail-partial"]')).toBe('Partly synced');
    await text(detail.locator('[data-test="detail-last-success"]')).toBe(success);
    await text(detail.locator('[data-test="detail-last-attempt"]')).toBe(`${attempt} — Partly succeeded`);
    await text(detail.locator('[data-test="last-run-outcome"]')).toBe('Partly succeeded');
    const calendar = detail.locator('[data-test="kind-event"] td');
    await expect
      .poll(() => calendar.allTextContents(), { timeout: WAIT_MS })
      .toEqual([
        'Calendar',
        'Partly succeeded',
        '2 created, 1 updated',
        '1 updated',
        '2',
        'Exchange 7, Nextcloud 4',
        '4.0 s',
      ]);
    await expect
      .poll(() => detail.locator('[data-test="kind-contact"] td').allTextContents(), { timeout: WAIT_MS })
      .toEqual(['Contacts', 'Succeeded', 'none', '1 created', '0', 'Exchange 2, Nextcloud 2', '1.0 s']);
    await count(detail.locator('[data-test="item-errors-contact"]'), 0);

    const failed = detail.locator('[data-test="item-errors-event"] [data-test="item-error"]');
    await count(failed, 2);
    const cells = (i: number) => failed.nth(i).locator('td').allTextContents();
    const board = await cells(0);
    expect(board[0]).toContain('Board meeting');
    expect(board[0]).toContain('/remote.php/dav/calendars/user-050/exchange-calendar/e1.ics');
    expect(board.slice(1, 3)).toEqual(['Nextcloud', 'Nextcloud answered 413 Request Entity Too Large']);
    expect(board[3]).toMatch(/^Nextcloud refused this item for good .* make the folder in Nextcloud writable/);
    const review = await cells(1);
    expect(review.slice(0, 3).map((c) => c.trim())).toEqual([
      'Quarterly review',
      'Exchange',
      'Exchange answered ErrorServerBusy',
    ]);
    expect(review[3]).toMatch(/^Nothing to do: Exchange failed for a moment/);

    await detail.locator('[data-test="last-run"]').scrollIntoViewIfNeeded();
    await shot('6b-partial-run');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await page.getByLabel('Search by name, user ID or e-mail').fill('');
  });

  it('shows a member their own state on the personal page, both sync times, and "Sync now"', async () => {
    // The last attempt (throttled, say) is newer than the last success: the page shows both.
    await service.db.query(
      `UPDATE users SET last_sync_at = '2026-12-05T07:00:00Z', last_attempt_at = '2026-12-06T07:30:00Z' WHERE nc_user_id = 'user-008'`,
    );
    const local = (iso: string) => page.evaluate((at) => new Date(at).toLocaleString(), iso);
    const member = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await member.addCookies([{ name: 'nc_user', value: 'user-008', url: shellUrl }]);
    const own = await member.newPage();
    own.setDefaultTimeout(WAIT_MS);
    await own.goto(shellUrl + '/index.php/settings/user/exsync');
    const section = own.locator('[data-test="personal-status"]');
    await text(section).toContain('Syncing');
    await text(section).toContain('user-008@cloud.example');
    await text(own.locator('[data-test="personal-last-success"]')).toBe(
      `Last successful sync: ${await local('2026-12-05T07:00:00Z')}`,
    );
    await text(own.locator('[data-test="personal-last-attempt"]')).toBe(
      `Last attempt: ${await local('2026-12-06T07:30:00Z')}`,
    );
    await own.locator('[data-test="personal-sync"]').click();
    await text(own.locator('.exsync-status')).toContain('A sync was requested');
    await own.screenshot({ path: join(SCREENSHOTS, '7-personal.png') });
    await member.close();

    const jobs = await service.db.query<{ nc_user_id: string }>(
      `SELECT nc_user_id FROM exsync_jobs.sync_jobs WHERE nc_user_id = 'user-008'`,
    );
    expect(jobs).toHaveLength(1);
  });

  it("speaks the user's language: German and French from l10n/, plural forms included", async () => {
    const cases = [
      [
        'de',
        'Exchange-Synchronisierung: Synchronisierungsdienst',
        'Braucht neue Zugangsdaten',
        '0 ausgewählt',
        'Teilweise synchronisiert',
        'Letzter Versuch:',
      ],
      [
        'fr',
        'Synchronisation Exchange : service de synchronisation',
        'Nouveaux identifiants nécessaires',
        '0 sélectionné',
        'Synchronisé en partie',
        'Dernière tentative :',
      ],
    ] as const;
    for (const [lang, heading, stateChip, selected, partial, attempt] of cases) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      await context.addCookies([{ name: 'nc_lang', value: lang, url: shellUrl }]);
      const localized = await context.newPage();
      localized.setDefaultTimeout(WAIT_MS);
      await localized.goto(shellUrl + '/index.php/settings/admin/exsync');
      await visible(localized.getByRole('heading', { name: heading }));
      await text(localized.locator('[data-test="filter-auth_required"]')).toContain(stateChip);
      await text(localized.locator('[data-test="bulk-bar"]')).toContain(selected);
      // user-050 (first page by name) synced partly in the case above.
      const partlySynced = localized.locator('[data-test="user-user-050"]');
      await text(partlySynced.locator('[data-test="partial"]')).toBe(partial);
      await text(partlySynced.locator('[data-test="last-attempt"]')).toContain(attempt);
      if (lang === 'de') {
        await localized.locator('[data-test="users-table"]').scrollIntoViewIfNeeded();
        await localized.screenshot({ path: join(SCREENSHOTS, '8-users-de.png') });
      }
      await context.close();
    }
  });

  it('left nothing in the PHP log but requests', () => {
    expect(phpLog).not.toMatch(/PHP (Fatal|Warning|Deprecated|Notice)/);
    const state = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8'));
    expect(JSON.stringify(state.appConfig)).toContain(tenantKey.slice(0, 8));
  });
});
