<?php

declare(strict_types=1);

namespace OCA\Exsync\Controller;

use OCA\Exsync\AppInfo\Application;
use OCA\Exsync\Service\EnrollmentStore;
use OCA\Exsync\Service\ServiceClient;
use OCA\Exsync\Service\ServiceException;
use OCP\AppFramework\Controller;
use OCP\AppFramework\Http;
use OCP\AppFramework\Http\Attribute\FrontpageRoute;
use OCP\AppFramework\Http\Attribute\NoAdminRequired;
use OCP\AppFramework\Http\JSONResponse;
use OCP\IRequest;
use OCP\IUserSession;

/** What a user may do about their own sync: ask for a run now. Only ever for the logged-in user. */
class PersonalController extends Controller {
	public function __construct(
		IRequest $request,
		private IUserSession $userSession,
		private EnrollmentStore $store,
		private ServiceClient $client,
	) {
		parent::__construct(Application::APP_ID, $request);
	}

	#[NoAdminRequired]
	#[FrontpageRoute(verb: 'POST', url: '/personal/sync')]
	public function syncNow(): JSONResponse {
		$uid = (string)$this->userSession->getUser()?->getUID();
		if ($uid === '' || $this->store->tokenId($uid) === null) {
			return new JSONResponse(['code' => 'EXSYNC_APP_NOT_ENROLLED', 'message' => 'You are not enrolled for Exchange sync; your administrator enrols groups of users.'], Http::STATUS_BAD_REQUEST);
		}
		try {
			$this->client->userAction($uid, 'sync');
		} catch (ServiceException $e) {
			$message = $e->getErrorCode() === 'EXSYNC_USER_NOT_SYNCABLE'
				? 'Your sync is stopped (paused, or its app password no longer works). Ask your administrator to resume it or re-issue the credentials.'
				: $e->getMessage();
			return new JSONResponse(['code' => $e->getErrorCode(), 'message' => $message], Http::STATUS_BAD_GATEWAY);
		}
		return new JSONResponse(['requested' => true]);
	}
}
