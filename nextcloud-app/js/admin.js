/**
 * exsync admin page. Plain browser JS on purpose (no bundler in this repository for the app): it uses
 * the globals every Nextcloud 30–33 page has — OC.generateUrl, OC.requestToken and
 * OC.PasswordConfirmation — where a bundled app would import @nextcloud/router, @nextcloud/axios and
 * @nextcloud/password-confirmation.
 */
(() => {
  const APP = 'exsync';

  function loadState(key) {
    const el = document.getElementById(`initial-state-${APP}-${key}`);
    if (!el) return null;
    try {
      return JSON.parse(atob(el.value));
    } catch (_e) {
      return null;
    }
  }

  function url(path) {
    return OC.generateUrl(`/apps/${APP}${path}`);
  }

  function say(text, isError) {
    const el = document.getElementById('exsync-message');
    el.textContent = text;
    el.classList.toggle('error', Boolean(isError));
  }

  async function call(method, path, body) {
    const res = await fetch(url(path), {
      method,
      credentials: 'same-origin',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        requesttoken: OC.requestToken || document.head.dataset.requesttoken,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try {
      data = await res.json();
    } catch (_e) {
      data = null;
    }
    if (!res.ok) {
      const message = data && typeof data.message === 'string' ? data.message : `Request failed (HTTP ${res.status}).`;
      throw new Error(message);
    }
    return data;
  }

  /** Resolves once the admin confirmed their password (or no confirmation was needed). */
  function confirmPassword() {
    return new Promise((resolve, reject) => {
      if (!OC.PasswordConfirmation?.requiresPasswordConfirmation()) {
        resolve();
        return;
      }
      OC.PasswordConfirmation.requirePasswordConfirmation(resolve, {}, () =>
        reject(new Error('Password not confirmed.')),
      );
    });
  }

  const state = { settings: loadState('settings') || {}, groups: [], cursor: null };

  function renderSettings() {
    document.getElementById('exsync-service-url').value = state.settings.service_url || '';
    document.getElementById('exsync-allow-local').checked = Boolean(state.settings.allow_local_address);
    // The key itself never reaches the browser: only whether one is saved.
    document.getElementById('exsync-key-state').textContent = state.settings.api_key_set
      ? 'A key is saved.'
      : 'No key saved yet.';
    state.groups = Array.isArray(state.settings.groups) ? state.settings.groups.slice() : [];
    renderGroups();
  }

  function renderGroups() {
    const list = document.getElementById('exsync-groups');
    list.replaceChildren();
    for (const gid of state.groups) {
      const li = document.createElement('li');
      li.textContent = gid + ' ';
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = '×';
      remove.setAttribute('aria-label', `Remove ${gid}`);
      remove.addEventListener('click', () => {
        state.groups = state.groups.filter((g) => g !== gid);
        renderGroups();
      });
      li.appendChild(remove);
      list.appendChild(li);
    }
  }

  function userRow(user) {
    const tr = document.createElement('tr');
    const cells = [
      user.displayName ? `${user.displayName} (${user.ncUserId})` : user.ncUserId,
      user.mailbox || user.email || '',
      user.stateReason ? `${user.state}: ${user.stateReason}` : user.state,
      user.lastSyncAt ? new Date(user.lastSyncAt).toLocaleString() : 'never',
    ];
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.appendChild(td);
    }
    const actions = document.createElement('td');
    const labels = { sync: 'Sync now', resync: 'Resync from scratch', pause: 'Pause', resume: 'Resume' };
    for (const action of Object.keys(labels)) {
      if ((action === 'pause' && user.state === 'paused') || (action === 'resume' && user.state !== 'paused')) continue;
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = labels[action];
      button.addEventListener('click', async () => {
        try {
          await call('POST', `/admin/users/${encodeURIComponent(user.ncUserId)}/${action}`, {});
          say(`${labels[action]}: requested for ${user.ncUserId}.`);
          loadUsers(true);
        } catch (e) {
          say(e.message, true);
        }
      });
      actions.appendChild(button);
    }
    if (user.state === 'auth_required') {
      const reissue = document.createElement('button');
      reissue.type = 'button';
      reissue.textContent = 'Issue new app password';
      reissue.addEventListener('click', async () => {
        try {
          await confirmPassword();
          await call('POST', `/admin/users/${encodeURIComponent(user.ncUserId)}/credentials`, {});
          say(`A new app password was sent to the sync service for ${user.ncUserId}.`);
          loadUsers(true);
        } catch (e) {
          say(e.message, true);
        }
      });
      actions.appendChild(reissue);
    }
    tr.appendChild(actions);
    return tr;
  }

  async function loadUsers(reset) {
    if (reset) state.cursor = null;
    const params = new URLSearchParams();
    const filter = document.getElementById('exsync-state-filter').value;
    if (filter) params.set('state', filter);
    if (state.cursor) params.set('cursor', state.cursor);
    const tbody = document.querySelector('#exsync-users tbody');
    try {
      const page = await call('GET', `/admin/users?${params}`);
      if (reset) tbody.replaceChildren();
      for (const user of page.items) tbody.appendChild(userRow(user));
      state.cursor = page.nextCursor;
      document.getElementById('exsync-more').hidden = !page.nextCursor;
      if (reset && Array.isArray(page.pendingPush) && page.pendingPush.length > 0) {
        say(
          `Waiting to send credentials to the sync service for: ${page.pendingPush.join(', ')}. The background job retries every 15 minutes.`,
        );
      }
    } catch (e) {
      if (reset) tbody.replaceChildren();
      say(e.message, true);
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    renderSettings();

    document.getElementById('exsync-service-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        // The URL decides where the tenant key and the app passwords go: the server asks for the password.
        await confirmPassword();
        const hadKey = state.settings.api_key_set;
        state.settings = await call('PUT', '/admin/settings', {
          settings: {
            service_url: document.getElementById('exsync-service-url').value,
            allow_local_address: document.getElementById('exsync-allow-local').checked,
          },
        });
        renderSettings();
        say(
          hadKey && !state.settings.api_key_set
            ? 'Saved. The service URL changed, so the API key was forgotten: enter the tenant key of the new service.'
            : 'Saved.',
        );
        loadUsers(true);
      } catch (e) {
        say(e.message, true);
      }
    });

    document.getElementById('exsync-key-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const input = document.getElementById('exsync-api-key');
      try {
        await confirmPassword();
        await call('PUT', '/admin/api-key', { apiKey: input.value });
        state.settings.api_key_set = true;
        renderSettings();
        say('API key saved.');
        loadUsers(true);
      } catch (e) {
        say(e.message, true);
      } finally {
        input.value = '';
      }
    });

    const search = document.getElementById('exsync-group-search');
    search.addEventListener('input', async () => {
      try {
        const found = await call('GET', `/admin/groups/search?search=${encodeURIComponent(search.value)}`);
        const options = document.getElementById('exsync-group-options');
        options.replaceChildren();
        for (const g of found.groups) {
          const option = document.createElement('option');
          option.value = g.id;
          option.textContent = g.displayName;
          options.appendChild(option);
        }
      } catch (e) {
        say(e.message, true);
      }
    });
    search.addEventListener('change', () => {
      const gid = search.value.trim();
      if (gid && !state.groups.includes(gid)) state.groups.push(gid);
      search.value = '';
      renderGroups();
    });

    document.getElementById('exsync-groups-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        await confirmPassword();
        const res = await call('PUT', '/admin/groups', { groups: state.groups });
        state.settings.groups = res.groups;
        say(`Saved. ${res.members} members will be enrolled by the next background job run.`);
      } catch (e) {
        say(e.message, true);
      }
    });

    document.getElementById('exsync-state-filter').addEventListener('change', () => loadUsers(true));
    document.getElementById('exsync-more').addEventListener('click', () => loadUsers(false));

    if (state.settings.service_url && state.settings.api_key_set) loadUsers(true);
  });
})();
