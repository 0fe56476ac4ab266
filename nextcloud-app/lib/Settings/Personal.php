<?php

declare(strict_types=1);

namespace OCA\Exsync\Settings;

use OCA\Exsync\AppInfo\Application;
use OCA\Exsync\Service\EnrollmentStore;
use OCA\Exsync\Service\ServiceClient;
use OCA\Exsync\Service\ServiceException;
use OCP\AppFramework\Http\TemplateResponse;
use OCP\AppFramework\Services\IInitialState;
use OCP\IUserSession;
use OCP\Settings\ISettings;
use OCP\Util;

/** Each user's own sync state (last sync, failures in words) under Personal settings → Exchange sync. */
class Personal implements ISettings {
	public function __construct(
		private IUserSession $userSession,
		private EnrollmentStore $store,
		private ServiceClient $client,
		private IInitialState $initialState,
	) {
	}

	public function getForm() {
		$this->initialState->provideInitialState('personal', $this->status());
		Util::addScript(Application::APP_ID, 'exsync-personal');
		return new TemplateResponse(Application::APP_ID, 'personal', [], '');
	}

	/** @return array{enrolled: bool, user: ?array<string, mixed>} */
	public function status(): array {
		$uid = (string)$this->userSession->getUser()?->getUID();
		if ($uid === '' || $this->store->tokenId($uid) === null) {
			return ['enrolled' => false, 'user' => null];
		}
		try {
			$user = $this->client->getUser($uid);
		} catch (ServiceException $e) {
			// The page still opens; it says the service has not reported yet.
			return ['enrolled' => true, 'user' => null];
		}
		// Only what the user needs to read about themselves.
		$fields = ['ncUserId', 'email', 'mailbox', 'displayName', 'state', 'stateReason', 'lastSuccessAt', 'lastAttemptAt'];
		return ['enrolled' => true, 'user' => array_intersect_key($user, array_flip($fields))];
	}

	public function getSection() {
		return Application::APP_ID;
	}

	public function getPriority() {
		return 50;
	}
}
