<?php

declare(strict_types=1);

namespace OCA\Exsync\Service;

use OCA\Exsync\Settings\AppSettings;
use OCP\IGroupManager;
use OCP\IUser;
use OCP\IUserManager;
use Psr\Log\LoggerInterface;

/**
 * Keeps the set of users enrolled at the sync service equal to the members of the chosen groups:
 * mints an app password per new member and pushes it in bulk, removes departed members at the
 * service and revokes their tokens. App passwords live only in memory between mint and push; they
 * are never logged or stored.
 */
class EnrollmentService {
	public function __construct(
		private AppSettings $settings,
		private IGroupManager $groupManager,
		private IUserManager $userManager,
		private AppPasswordMinter $minter,
		private ServiceClient $client,
		private EnrollmentStore $store,
		private LoggerInterface $logger,
		private MailboxMapper $mailboxes,
		private int $batchSize = ServiceClient::BULK_LIMIT,
	) {
		if ($batchSize < 1 || $batchSize > ServiceClient::BULK_LIMIT) {
			throw new \InvalidArgumentException('Batch size must be 1 to ' . ServiceClient::BULK_LIMIT . '.');
		}
	}

	/**
	 * Enabled members of the chosen groups, by uid; null when a chosen group cannot be found (deleted,
	 * or its backend is down): then nobody may be taken for departed.
	 *
	 * @return array<string, IUser>|null
	 */
	public function desiredMembers(): ?array {
		$members = [];
		$complete = true;
		foreach ($this->settings->getGroups() as $gid) {
			$group = $this->groupManager->get($gid);
			if ($group === null) {
				$this->logger->warning('exsync: enrolled group not found; no user is un-enrolled until it is back or removed from the settings', ['group' => $gid]);
				$complete = false;
				continue;
			}
			foreach ($group->getUsers() as $user) {
				if ($user->isEnabled()) {
					$members[(string)$user->getUID()] = $user;
				}
			}
		}
		return $complete ? $members : null;
	}

	/**
	 * Mints and pushes credentials for $users, at most one bulk request per batch.
	 *
	 * @param iterable<IUser> $users
	 * @return array{enrolled: int, failed: int, errors: list<string>}
	 */
	public function enroll(iterable $users): array {
		$result = ['enrolled' => 0, 'failed' => 0, 'errors' => []];
		$batch = [];
		foreach ($users as $user) {
			$batch[] = $user;
			if (count($batch) === $this->batchSize) {
				$this->enrollBatch($batch, $result);
				$batch = [];
			}
		}
		if ($batch !== []) {
			$this->enrollBatch($batch, $result);
		}
		return $result;
	}

	/**
	 * Stops sync for the user at the service and revokes this app's tokens. A removal the service did
	 * not confirm is kept and retried by the background job; the token is revoked at once regardless.
	 */
	public function remove(string $uid, bool $userDeleted = false): bool {
		$confirmed = true;
		try {
			$this->client->deleteUser($uid);
			$this->store->clearPendingRemoval($uid);
		} catch (ServiceException $e) {
			$confirmed = false;
			$this->store->addPendingRemoval($uid);
			$this->logger->warning('exsync: the sync service did not confirm a removal; will retry', ['user' => $uid, 'code' => $e->getErrorCode()]);
		}
		// A deleted user's tokens are deleted with the user.
		if (!$userDeleted) {
			$this->minter->revokeAll($uid);
		}
		$this->store->forget($uid);
		return $confirmed;
	}

	/**
	 * The background job's work: enrol new members and those whose push failed, remove departed
	 * members, retry unconfirmed removals.
	 *
	 * @return array{enrolled: int, failed: int, removed: int, errors: list<string>}
	 */
	public function reconcile(): array {
		$result = ['enrolled' => 0, 'failed' => 0, 'removed' => 0, 'errors' => []];
		if ($this->settings->getServiceUrl() === '' || !$this->settings->hasApiKey()) {
			return $result;
		}
		// Minting costs an RSA key per user: do not mint for a service that cannot take the passwords.
		try {
			$this->client->listUsers(null, null, 1);
		} catch (ServiceException $e) {
			$result['errors'][] = $e->getMessage();
			return $result;
		}

		foreach ($this->store->pendingRemovals() as $uid) {
			try {
				$this->client->deleteUser($uid);
				$this->store->clearPendingRemoval($uid);
				$result['removed']++;
			} catch (ServiceException $e) {
				$result['errors'][] = $e->getMessage();
			}
		}

		$desired = $this->desiredMembers();
		$enrolled = array_flip($this->store->enrolledUids());
		$pending = array_flip($this->store->pushPendingUids());

		$toEnroll = [];
		foreach ($desired ?? [] as $uid => $user) {
			if (!isset($enrolled[$uid]) || isset($pending[$uid])) {
				$toEnroll[] = $user;
			}
		}
		$enrollResult = $this->enroll($toEnroll);
		$result['enrolled'] = $enrollResult['enrolled'];
		$result['failed'] = $enrollResult['failed'];
		$result['errors'] = array_merge($result['errors'], $enrollResult['errors']);

		if ($desired !== null) {
			foreach (array_keys($enrolled + $pending) as $uid) {
				$uid = (string)$uid;
				if (!isset($desired[$uid])) {
					$this->remove($uid, $this->userManager->get($uid) === null);
					$result['removed']++;
				}
			}
		}
		return $result;
	}

	/**
	 * Mints and pushes a new app password for one member, e.g. after they revoked ours and the
	 * service reports auth_required. Refused for users outside the chosen groups.
	 *
	 * @return array{enrolled: int, failed: int, errors: list<string>}
	 */
	public function reissue(string $uid): array {
		$user = $this->userManager->get($uid);
		$inGroup = false;
		if ($user !== null) {
			foreach ($this->groupManager->getUserGroupIds($user) as $gid) {
				$inGroup = $inGroup || $this->isEnrolledGroup((string)$gid);
			}
		}
		if ($user === null || !$inGroup || !$user->isEnabled()) {
			throw new \InvalidArgumentException(sprintf('"%s" is not an enabled member of an enrolled group.', $uid));
		}
		return $this->enroll([$user]);
	}

	public function isEnrolledGroup(string $gid): bool {
		return in_array($gid, $this->settings->getGroups(), true);
	}

	public function onUserAddedToGroup(IUser $user, string $gid): void {
		if (!$this->isEnrolledGroup($gid) || !$user->isEnabled() || $this->store->tokenId((string)$user->getUID()) !== null) {
			return;
		}
		$this->enroll([$user]);
	}

	public function onUserRemovedFromGroup(IUser $user, string $gid): void {
		$uid = (string)$user->getUID();
		if (!$this->isEnrolledGroup($gid) || !$this->isKnown($uid)) {
			return;
		}
		foreach ($this->groupManager->getUserGroupIds($user) as $other) {
			if ($other !== $gid && $this->isEnrolledGroup((string)$other)) {
				return;
			}
		}
		$this->remove($uid);
	}

	/**
	 * Nextcloud deletes a user's preferences — where we keep the token id — before it dispatches
	 * UserDeletedEvent, so whether they were enrolled cannot be known here: tell the service anyway
	 * (a user it does not know is a harmless 404).
	 */
	public function onUserDeleted(IUser $user): void {
		if ($this->settings->getServiceUrl() === '' || !$this->settings->hasApiKey()) {
			return;
		}
		$this->remove((string)$user->getUID(), true);
	}

	private function isKnown(string $uid): bool {
		return $this->store->tokenId($uid) !== null || in_array($uid, $this->store->pushPendingUids(), true);
	}

	/**
	 * @param list<IUser> $users at most batchSize
	 * @param array{enrolled: int, failed: int, errors: list<string>} $result
	 */
	private function enrollBatch(array $users, array &$result): void {
		$minted = [];   // uid => token id
		$previous = []; // uid => the token id the service held before, if any
		$entries = [];  // bulk entries, holding the plaintext passwords until the push returns
		foreach ($users as $user) {
			$uid = (string)$user->getUID();
			$previous[$uid] = $this->store->tokenId($uid);
			try {
				// Before minting: a user without a mailbox gets no app password until the mapping is fixed.
				$mailbox = $this->mailboxes->mailboxFor($user);
			} catch (MailboxUnresolvedException $e) {
				$this->store->markPushPending($uid);
				$result['failed']++;
				$result['errors'][] = $e->getMessage();
				$this->logger->warning('exsync: ' . $e->getMessage(), ['user' => $uid]);
				continue;
			}
			try {
				$token = $this->minter->mint($user);
			} catch (\Throwable $e) {
				$this->store->markPushPending($uid);
				$result['failed']++;
				$this->logger->error('exsync: could not create an app password', ['user' => $uid, 'exception_class' => get_class($e)]);
				continue;
			}
			$minted[$uid] = $token['tokenId'];
			$entries[$uid] = self::entryFor($user, $token['password'], $mailbox);
		}
		if ($entries === []) {
			return;
		}

		try {
			$this->client->bulkUpsert(array_values($entries));
			foreach ($minted as $uid => $tokenId) {
				$this->confirm((string)$uid, $tokenId, $previous[$uid]);
			}
			$result['enrolled'] += count($minted);
		} catch (ServiceException $e) {
			$e = self::redacted($e, array_column($entries, 'appPassword'));
			if ($e->isTransient() || count($entries) === 1) {
				$this->failAll($minted, $e, $result);
			} else {
				// All or nothing at the service: one entry it refuses must not hold back the others.
				$this->pushOneByOne($entries, $minted, $previous, $result);
			}
		} finally {
			unset($entries);
		}
	}

	/**
	 * @param array<string, array<string, mixed>> $entries
	 * @param array<string, int> $minted
	 * @param array<string, ?int> $previous
	 * @param array{enrolled: int, failed: int, errors: list<string>} $result
	 */
	private function pushOneByOne(array $entries, array $minted, array $previous, array &$result): void {
		foreach ($entries as $uid => $entry) {
			$uid = (string)$uid;
			try {
				$this->client->upsertUser($uid, array_diff_key($entry, ['ncUserId' => true]));
				$this->confirm($uid, $minted[$uid], $previous[$uid]);
				$result['enrolled']++;
			} catch (ServiceException $e) {
				$this->failAll([$uid => $minted[$uid]], self::redacted($e, [$entry['appPassword']]), $result);
			}
		}
	}

	/**
	 * The service now holds the new password, so the one it held before is dead weight. Only that one
	 * is revoked, not every other token of ours: two enrolments racing for one user (event listener and
	 * background job) must not revoke each other's freshly pushed token. Leftovers go at un-enrolment.
	 */
	private function confirm(string $uid, int $tokenId, ?int $previousTokenId): void {
		$this->store->markEnrolled($uid, $tokenId);
		if ($previousTokenId !== null && $previousTokenId !== $tokenId) {
			$this->minter->revoke($uid, $previousTokenId);
		}
	}

	/**
	 * @param array<string, int> $minted
	 * @param array{enrolled: int, failed: int, errors: list<string>} $result
	 */
	private function failAll(array $minted, ServiceException $e, array &$result): void {
		foreach ($minted as $uid => $tokenId) {
			// The password died with this request: its token is useless, and a new one is minted on retry.
			$this->minter->revoke((string)$uid, $tokenId);
			$this->store->markPushPending((string)$uid);
		}
		$result['failed'] += count($minted);
		$result['errors'][] = $e->getMessage();
		$this->logger->warning('exsync: the sync service did not take the credentials; will retry', ['users' => count($minted), 'code' => $e->getErrorCode()]);
	}

	/**
	 * The service's message, minus any password it may have quoted back: messages reach logs and the
	 * admin page.
	 *
	 * @param list<string> $passwords
	 */
	private static function redacted(ServiceException $e, array $passwords): ServiceException {
		$message = str_replace($passwords, '[redacted]', $e->getMessage());
		return $message === $e->getMessage() ? $e : new ServiceException($message, $e->getErrorCode(), $e->getHttpStatus());
	}

	/** @return array{ncUserId: string, loginName: string, appPassword: string, email: ?string, mailbox?: string, displayName: ?string} */
	private static function entryFor(IUser $user, string $password, ?string $mailbox): array {
		$email = $user->getEMailAddress();
		$displayName = $user->getDisplayName();
		return [
			'ncUserId' => (string)$user->getUID(),
			'loginName' => AppPasswordMinter::loginNameFor($user),
			'appPassword' => $password,
			'email' => is_string($email) && $email !== '' ? $email : null,
			'displayName' => is_string($displayName) && $displayName !== '' ? mb_substr($displayName, 0, 255) : null,
		] + ($mailbox === null ? [] : ['mailbox' => $mailbox]);
	}
}
