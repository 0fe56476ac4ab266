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
	 * Per-user status, one page at a time, as the service reports it; plus the members whose
	 * credentials have not reached the service yet (the service cannot know about those).
	 */
	#[FrontpageRoute(verb: 'GET', url: '/admin/users')]
	public function listUsers(string $state = '', string $cursor = ''): JSONResponse {
		return $this->guard(function () use ($state, $cursor): JSONResponse {
			$page = $this->client->listUsers($state === '' ? null : $state, $cursor === '' ? null : $cursor, 100);
			$page['pendingPush'] = $this->store->pushPendingUids();
			return new JSONResponse($page);
		});
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
