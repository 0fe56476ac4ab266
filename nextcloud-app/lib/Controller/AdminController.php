<?php

declare(strict_types=1);

namespace OCA\Exsync\Controller;

use OCA\Exsync\AppInfo\Application;
use OCA\Exsync\BackgroundJob\EnrollNow;
use OCA\Exsync\Service\EnrollmentService;
use OCA\Exsync\Service\EnrollmentStore;
use OCA\Exsync\Service\ServiceClient;
use OCA\Exsync\Service\ServiceException;
use OCA\Exsync\Settings\AppSettings;
use OCA\Exsync\Settings\InvalidSettingException;
use OCP\AppFramework\Controller;
use OCP\AppFramework\Http;
use OCP\AppFramework\Http\Attribute\FrontpageRoute;
use OCP\AppFramework\Http\Attribute\PasswordConfirmationRequired;
use OCP\AppFramework\Http\JSONResponse;
use OCP\BackgroundJob\IJobList;
use OCP\IGroupManager;
use OCP\IRequest;

/**
 * The admin page's endpoints (admin-only: the AppFramework default without #[NoAdminRequired]; CSRF
 * checked). No response ever carries the API key: settings come from AppSettings::publicView().
 */
class AdminController extends Controller {
	public const BULK_MAX = 200;
	/** 5,000 users are 5 pages; stop counting at 50,000 and say the count is incomplete. */
	private const MAX_COUNT_PAGES = 50;

	public function __construct(
		IRequest $request,
		private AppSettings $settings,
		private ServiceClient $client,
		private IGroupManager $groupManager,
		private IJobList $jobList,
		private EnrollmentService $enrollment,
		private EnrollmentStore $store,
	) {
		parent::__construct(Application::APP_ID, $request);
	}

	#[FrontpageRoute(verb: 'GET', url: '/admin/settings')]
	public function getSettings(): JSONResponse {
		return new JSONResponse($this->settings->publicView());
	}

	/**
	 * Service URL and the local-address switch; anything else (the API key included) is refused. The URL decides
	 * where the tenant key and every app password go, so saving needs password confirmation (a hijacked session
	 * alone cannot redirect them), and a new URL forgets the stored key (see AppSettings::update()).
	 */
	#[PasswordConfirmationRequired]
	#[FrontpageRoute(verb: 'PUT', url: '/admin/settings')]
	public function saveSettings(): JSONResponse {
		return $this->guard(function (): JSONResponse {
			$input = $this->request->getParam('settings');
			if (!is_array($input)) {
				throw new InvalidSettingException('Send the settings to change as "settings": { … }.');
			}
			$this->settings->update($input);
			return new JSONResponse($this->settings->publicView());
		});
	}

	#[PasswordConfirmationRequired]
	#[FrontpageRoute(verb: 'PUT', url: '/admin/api-key')]
	public function saveApiKey(string $apiKey = ''): JSONResponse {
		return $this->guard(function () use ($apiKey): JSONResponse {
			$this->settings->setApiKey($apiKey);
			return new JSONResponse(['api_key_set' => true]);
		});
	}

	#[PasswordConfirmationRequired]
	#[FrontpageRoute(verb: 'DELETE', url: '/admin/api-key')]
	public function deleteApiKey(): JSONResponse {
		$this->settings->deleteApiKey();
		return new JSONResponse(['api_key_set' => false]);
	}

	/** Enrolling mints app passwords for every member: password confirmation, then a queued job. */
	#[PasswordConfirmationRequired]
	#[FrontpageRoute(verb: 'PUT', url: '/admin/groups')]
	public function saveGroups(): JSONResponse {
		return $this->guard(function (): JSONResponse {
			$groups = AppSettings::normalizeGroups($this->request->getParam('groups'));
			$members = 0;
			foreach ($groups as $gid) {
				$group = $this->groupManager->get($gid);
				if ($group === null) {
					throw new InvalidSettingException(sprintf('There is no group "%s".', $gid));
				}
				$members += count($group->getUsers());
			}
			$this->settings->setGroups($groups);
			$this->jobList->add(EnrollNow::class);
			return new JSONResponse(['groups' => $groups, 'members' => $members, 'queued' => true]);
		});
	}

	#[FrontpageRoute(verb: 'GET', url: '/admin/groups/search')]
	public function searchGroups(string $search = ''): JSONResponse {
		$out = [];
		foreach ($this->groupManager->search(mb_substr($search, 0, 100), 20) as $group) {
			$out[] = ['id' => (string)$group->getGID(), 'displayName' => (string)$group->getDisplayName()];
		}
		return new JSONResponse(['groups' => $out]);
	}

	/**
	 * Per-user status, one page at a time (the service's cursor), as the service reports it; plus the members whose
	 * credentials have not reached the service yet (the service cannot know about those). $search (part of the uid,
	 * display name, e-mail or mailbox), the state filter and the order ($sort, $order) are applied by the service, so
	 * 5,000 users are never all loaded; a search pages like the full list.
	 */
	#[FrontpageRoute(verb: 'GET', url: '/admin/users')]
	public function listUsers(string $state = '', string $cursor = '', string $search = '', int $limit = 50, string $sort = '', string $order = ''): JSONResponse {
		return $this->guard(function () use ($state, $cursor, $search, $limit, $sort, $order): JSONResponse {
			$search = trim(mb_substr($search, 0, 100));
			$page = $this->client->listUsers(
				$state === '' ? null : $state,
				$cursor === '' ? null : $cursor,
				max(1, min(200, $limit)),
				$search === '' ? null : $search,
				$sort === '' ? null : $sort,
				$order === '' ? null : $order,
			);
			$page['pendingPush'] = $this->store->pushPendingUids();
			return new JSONResponse($page);
		});
	}

	/**
	 * How many enrolled users are in each state: the service's counts in one request, or — from a service without
	 * that route — pages of 1,000 through its list.
	 */
	#[FrontpageRoute(verb: 'GET', url: '/admin/user-counts')]
	public function countUsers(): JSONResponse {
		return $this->guard(function (): JSONResponse {
			try {
				$counts = $this->client->countUsers();
				return new JSONResponse(['counts' => $counts, 'total' => array_sum($counts), 'pendingPush' => count($this->store->pushPendingUids()), 'complete' => true]);
			} catch (ServiceException $e) {
				if ($e->getErrorCode() !== 'EXSYNC_ROUTE_NOT_FOUND') {
					throw $e;
				}
			}
			$counts = array_fill_keys(ServiceClient::USER_STATES, 0);
			$cursor = null;
			$pages = 0;
			do {
				$page = $this->client->listUsers(null, $cursor, ServiceClient::BULK_LIMIT);
				foreach ($page['items'] as $user) {
					$state = (string)($user['state'] ?? '');
					if (isset($counts[$state])) {
						$counts[$state]++;
					}
				}
				$cursor = $page['nextCursor'];
			} while ($cursor !== null && ++$pages < self::MAX_COUNT_PAGES);
			return new JSONResponse(['counts' => $counts, 'total' => array_sum($counts), 'pendingPush' => count($this->store->pushPendingUids()), 'complete' => $cursor === null]);
		});
	}

	/** One action on many users; each user's outcome is reported apart, so one refusal does not hide the rest. */
	#[FrontpageRoute(verb: 'POST', url: '/admin/users/bulk')]
	public function bulkAction(string $action = '', mixed $userIds = null): JSONResponse {
		return $this->guard(function () use ($action, $userIds): JSONResponse {
			$uids = self::uidList($userIds);
			if (!in_array($action, ServiceClient::USER_ACTIONS, true)) {
				throw new InvalidSettingException('Choose one of: ' . implode(', ', ServiceClient::USER_ACTIONS) . '.');
			}
			$results = [];
			foreach ($uids as $uid) {
				try {
					$this->client->userAction($uid, $action);
					$results[] = ['userId' => $uid, 'ok' => true];
				} catch (ServiceException $e) {
					$results[] = ['userId' => $uid, 'ok' => false, 'message' => $e->getMessage()];
				}
			}
			return new JSONResponse(['results' => $results, 'succeeded' => count(array_filter($results, static fn (array $r) => $r['ok']))]);
		});
	}

	/** New app passwords for many members (it mints, so it confirms). */
	#[PasswordConfirmationRequired]
	#[FrontpageRoute(verb: 'POST', url: '/admin/users/bulk-credentials')]
	public function bulkReissue(mixed $userIds = null): JSONResponse {
		return $this->guard(function () use ($userIds): JSONResponse {
			$results = [];
			foreach (self::uidList($userIds) as $uid) {
				try {
					$r = $this->enrollment->reissue($uid);
					$results[] = $r['enrolled'] === 1 ? ['userId' => $uid, 'ok' => true] : ['userId' => $uid, 'ok' => false, 'message' => $r['errors'][0] ?? 'The app password could not be created; the background job will try again.'];
				} catch (\InvalidArgumentException $e) {
					$results[] = ['userId' => $uid, 'ok' => false, 'message' => $e->getMessage()];
				}
			}
			return new JSONResponse(['results' => $results, 'succeeded' => count(array_filter($results, static fn (array $r) => $r['ok']))]);
		});
	}

	#[FrontpageRoute(verb: 'GET', url: '/admin/users/{userId}/runs')]
	public function userRuns(string $userId, string $cursor = ''): JSONResponse {
		return $this->guard(fn (): JSONResponse => new JSONResponse($this->client->listRuns($userId, $cursor === '' ? null : $cursor)));
	}

	#[FrontpageRoute(verb: 'GET', url: '/admin/users/{userId}/held-deletions')]
	public function heldDeletions(string $userId): JSONResponse {
		return $this->guard(fn (): JSONResponse => new JSONResponse(['items' => $this->client->heldDeletions($userId)]));
	}

	/**
	 * Apply or restore some ($ids) or all ($all) of a user's held deletions; the service's next sync of the user carries
	 * it out. Applying deletes data on the other side: password confirmation.
	 */
	#[PasswordConfirmationRequired]
	#[FrontpageRoute(verb: 'POST', url: '/admin/users/{userId}/held-deletions/decision')]
	public function decideHeldDeletions(string $userId, string $decision = '', mixed $ids = null, bool $all = false): JSONResponse {
		return $this->guard(function () use ($userId, $decision, $ids, $all): JSONResponse {
			if (!$all && (!is_array($ids) || !array_is_list($ids) || $ids === [] || count($ids) > 1000 || array_filter($ids, 'is_string') !== $ids)) {
				throw new InvalidSettingException('Choose the held deletions to decide, or all of them.');
			}
			return new JSONResponse($this->client->decideHeldDeletions($userId, $decision, $all ? null : $ids));
		});
	}

	#[FrontpageRoute(verb: 'GET', url: '/admin/users/{userId}/conflicts')]
	public function conflicts(string $userId, string $cursor = ''): JSONResponse {
		return $this->guard(fn (): JSONResponse => new JSONResponse($this->client->conflicts($userId, $cursor === '' ? null : $cursor)));
	}

	/** Is the service there, does it take our key, and is an Exchange connection configured? */
	#[FrontpageRoute(verb: 'POST', url: '/admin/test-connection')]
	public function testConnection(): JSONResponse {
		return $this->guard(function (): JSONResponse {
			$this->client->listUsers(null, null, 1);
			$exchange = $this->client->getExchangeConnection();
			return new JSONResponse(['service' => true, 'exchange' => $exchange !== null, 'exchangeKind' => $exchange['kind'] ?? null]);
		});
	}

	/**
	 * Tries the saved Exchange connection on one mailbox: an address ($mailbox) or an enrolled user's ($userId). The
	 * answer names the cause as a user's stateCode would (missing mailbox, refused credentials, refused impersonation).
	 */
	#[FrontpageRoute(verb: 'POST', url: '/admin/exchange-connection/test')]
	public function testMailbox(string $mailbox = '', string $userId = ''): JSONResponse {
		return $this->guard(function () use ($mailbox, $userId): JSONResponse {
			$mailbox = trim($mailbox);
			$userId = trim($userId);
			if (($mailbox === '') === ($userId === '')) {
				throw new InvalidSettingException('Enter a mailbox address or pick an enrolled user to test.');
			}
			if ($mailbox !== '' && filter_var($mailbox, FILTER_VALIDATE_EMAIL) === false) {
				throw new InvalidSettingException(sprintf('"%s" is not an e-mail address.', $mailbox));
			}
			return new JSONResponse($this->client->testMailbox($mailbox === '' ? null : $mailbox, $userId === '' ? null : $userId));
		});
	}

	#[FrontpageRoute(verb: 'GET', url: '/admin/exchange-connection')]
	public function getExchangeConnection(): JSONResponse {
		return $this->guard(fn (): JSONResponse => new JSONResponse(['connection' => $this->client->getExchangeConnection()]));
	}

	/**
	 * The Exchange connection, passed to the service (which validates every field). Secrets are write-only: an empty
	 * one is left out, so the stored one stays. Password confirmation: this decides whose mailboxes are read.
	 */
	#[PasswordConfirmationRequired]
	#[FrontpageRoute(verb: 'PUT', url: '/admin/exchange-connection')]
	public function putExchangeConnection(): JSONResponse {
		return $this->guard(function (): JSONResponse {
			$input = $this->request->getParam('connection');
			if (!is_array($input)) {
				throw new InvalidSettingException('Send the Exchange connection as "connection": { … }.');
			}
			$connection = array_filter($input, static fn ($v) => $v !== null && $v !== '');
			return new JSONResponse(['connection' => $this->client->putExchangeConnection($connection)]);
		});
	}

	/** @return list<string> */
	private static function uidList(mixed $userIds): array {
		if (!is_array($userIds) || !array_is_list($userIds) || $userIds === [] || count($userIds) > self::BULK_MAX) {
			throw new InvalidSettingException(sprintf('Select 1 to %d users.', self::BULK_MAX));
		}
		foreach ($userIds as $uid) {
			if (!is_string($uid) || $uid === '' || strlen($uid) > 64) {
				throw new InvalidSettingException('Each selected user must be a user id.');
			}
		}
		return array_values(array_unique($userIds));
	}

	#[FrontpageRoute(verb: 'GET', url: '/admin/users/{userId}')]
	public function getUser(string $userId): JSONResponse {
		return $this->guard(fn (): JSONResponse => new JSONResponse($this->client->getUser($userId)));
	}

	#[FrontpageRoute(verb: 'POST', url: '/admin/users/{userId}/{action}', requirements: ['action' => 'sync|resync|pause|resume'])]
	public function userAction(string $userId, string $action): JSONResponse {
		return $this->guard(fn (): JSONResponse => new JSONResponse($this->client->userAction($userId, $action)));
	}

	/** A new app password for one member (e.g. after they revoked ours): it mints, so it confirms. */
	#[PasswordConfirmationRequired]
	#[FrontpageRoute(verb: 'POST', url: '/admin/users/{userId}/credentials')]
	public function reissueCredentials(string $userId): JSONResponse {
		return $this->guard(function () use ($userId): JSONResponse {
			$result = $this->enrollment->reissue($userId);
			if ($result['enrolled'] !== 1) {
				return new JSONResponse(['code' => 'EXSYNC_APP_PUSH_FAILED', 'message' => $result['errors'][0] ?? 'The app password could not be created; the background job will try again.'], Http::STATUS_BAD_GATEWAY);
			}
			return new JSONResponse(['reissued' => true]);
		});
	}

	#[FrontpageRoute(verb: 'GET', url: '/admin/sync-settings')]
	public function getSyncSettings(): JSONResponse {
		return $this->guard(fn (): JSONResponse => new JSONResponse($this->client->getSyncSettings()));
	}

	#[FrontpageRoute(verb: 'PUT', url: '/admin/sync-settings')]
	public function putSyncSettings(): JSONResponse {
		return $this->guard(function (): JSONResponse {
			$input = $this->request->getParam('syncSettings');
			if (!is_array($input)) {
				throw new InvalidSettingException('Send the sync settings as "syncSettings": { … }.');
			}
			// The service validates every field and refuses unknown ones; this app passes them through.
			return new JSONResponse($this->client->putSyncSettings($input));
		});
	}

	/** @param callable(): JSONResponse $action */
	private function guard(callable $action): JSONResponse {
		try {
			return $action();
		} catch (InvalidSettingException|\InvalidArgumentException $e) {
			return new JSONResponse(['code' => 'EXSYNC_APP_INVALID_INPUT', 'message' => $e->getMessage()], Http::STATUS_BAD_REQUEST);
		} catch (ServiceException $e) {
			$status = match (true) {
				$e->getErrorCode() === ServiceException::NOT_CONFIGURED => Http::STATUS_BAD_REQUEST,
				$e->getHttpStatus() === Http::STATUS_NOT_FOUND || $e->getHttpStatus() === Http::STATUS_BAD_REQUEST => $e->getHttpStatus(),
				default => Http::STATUS_BAD_GATEWAY,
			};
			return new JSONResponse(['code' => $e->getErrorCode(), 'message' => $e->getMessage()], $status);
		}
	}
}
