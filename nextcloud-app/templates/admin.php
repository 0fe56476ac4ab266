<?php
/** @var \OCP\IL10N $l */
?>
<div id="exsync-admin" class="section">
	<h2><?php p($l->t('Exchange sync')); ?></h2>
	<p class="settings-hint"><?php p($l->t('Members of the chosen groups get an app password named "exsync sync service" (no file access), which the sync service uses to keep their Exchange calendar, contacts and tasks in sync. Users can see and revoke it under Security → Devices & sessions. While a user is enrolled, Exchange sends their meeting invitations; Nextcloud sends none.')); ?></p>

	<h3><?php p($l->t('Sync service')); ?></h3>
	<form id="exsync-service-form">
		<label for="exsync-service-url"><?php p($l->t('Service URL')); ?></label>
		<input id="exsync-service-url" type="url" placeholder="https://sync.example.com" autocomplete="off">
		<input id="exsync-allow-local" type="checkbox" class="checkbox">
		<label for="exsync-allow-local"><?php p($l->t('Sync service is on the local network')); ?></label>
		<button type="submit"><?php p($l->t('Save')); ?></button>
	</form>
	<form id="exsync-key-form">
		<label for="exsync-api-key"><?php p($l->t('Tenant API key')); ?></label>
		<input id="exsync-api-key" type="password" autocomplete="new-password">
		<span id="exsync-key-state"></span>
		<button type="submit"><?php p($l->t('Save key')); ?></button>
	</form>

	<h3><?php p($l->t('Enrolled groups')); ?></h3>
	<form id="exsync-groups-form">
		<ul id="exsync-groups"></ul>
		<input id="exsync-group-search" type="search" list="exsync-group-options" placeholder="<?php p($l->t('Add a group…')); ?>">
		<datalist id="exsync-group-options"></datalist>
		<button type="submit"><?php p($l->t('Enrol members')); ?></button>
	</form>

	<h3><?php p($l->t('Users')); ?></h3>
	<label for="exsync-state-filter"><?php p($l->t('Show')); ?></label>
	<select id="exsync-state-filter">
		<option value=""><?php p($l->t('all')); ?></option>
		<option value="active">active</option>
		<option value="paused">paused</option>
		<option value="auth_required">auth_required</option>
		<option value="throttled">throttled</option>
		<option value="error">error</option>
		<option value="needs_review">needs_review</option>
	</select>
	<table id="exsync-users" class="grid">
		<thead><tr>
			<th><?php p($l->t('User')); ?></th><th><?php p($l->t('Mailbox')); ?></th><th><?php p($l->t('State')); ?></th>
			<th><?php p($l->t('Last sync')); ?></th><th></th>
		</tr></thead>
		<tbody></tbody>
	</table>
	<button id="exsync-more" type="button" hidden><?php p($l->t('More')); ?></button>

	<p id="exsync-message" role="status" aria-live="polite"></p>
</div>
