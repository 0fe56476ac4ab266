<?php

declare(strict_types=1);

namespace OCA\Exsync\Service;

use OCA\Exsync\AppInfo\Application;
use OCP\IAppConfig;

/**
 * What the app remembers per user: the id of the token the service holds ("enrolled"), or that the
 * service still has to receive one ("push pending"). Never the app password itself: a push that
 * failed is retried by minting a new token. Removals the service has not confirmed are kept in app
 * config, because a deleted user's preferences are gone with them.
 */
class EnrollmentStore {
	private const TOKEN_ID = 'token_id';
	/** A fixed value beside the token id, because user preferences can list users only by one exact value. */
	private const ENROLLED = 'enrolled';
	private const PUSH_PENDING = 'push_pending';
	private const PENDING_REMOVALS = 'pending_removals';

	public function __construct(
		private UserPreferences $prefs,
		private IAppConfig $appConfig,
	) {
	}

	public function tokenId(string $uid): ?int {
		$value = $this->prefs->get($uid, Application::APP_ID, self::TOKEN_ID);
		return ctype_digit($value) ? (int)$value : null;
	}

	public function markEnrolled(string $uid, int $tokenId): void {
		$this->prefs->set($uid, Application::APP_ID, self::TOKEN_ID, (string)$tokenId);
		$this->prefs->set($uid, Application::APP_ID, self::ENROLLED, '1');
		$this->prefs->delete($uid, Application::APP_ID, self::PUSH_PENDING);
		$this->clearPendingRemoval($uid);
	}

	public function markPushPending(string $uid): void {
		$this->prefs->set($uid, Application::APP_ID, self::PUSH_PENDING, '1');
	}

	public function forget(string $uid): void {
		$this->prefs->delete($uid, Application::APP_ID, self::TOKEN_ID);
		$this->prefs->delete($uid, Application::APP_ID, self::ENROLLED);
		$this->prefs->delete($uid, Application::APP_ID, self::PUSH_PENDING);
	}

	/** @return list<string> */
	public function enrolledUids(): array {
		return $this->prefs->usersWith(Application::APP_ID, self::ENROLLED, '1');
	}

	/** @return list<string> */
	public function pushPendingUids(): array {
		return $this->prefs->usersWith(Application::APP_ID, self::PUSH_PENDING, '1');
	}

	public function addPendingRemoval(string $uid): void {
		$pending = $this->pendingRemovals();
		if (!in_array($uid, $pending, true)) {
			$pending[] = $uid;
			$this->appConfig->setValueArray(Application::APP_ID, self::PENDING_REMOVALS, $pending, lazy: true);
		}
	}

	public function clearPendingRemoval(string $uid): void {
		$pending = $this->pendingRemovals();
		if (in_array($uid, $pending, true)) {
			$this->appConfig->setValueArray(Application::APP_ID, self::PENDING_REMOVALS, array_values(array_diff($pending, [$uid])), lazy: true);
		}
	}

	/** @return list<string> */
	public function pendingRemovals(): array {
		return array_values(array_filter($this->appConfig->getValueArray(Application::APP_ID, self::PENDING_REMOVALS, [], lazy: true), 'is_string'));
	}
}
