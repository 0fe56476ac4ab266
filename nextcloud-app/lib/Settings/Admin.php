<?php

declare(strict_types=1);

namespace OCA\Exsync\Settings;

use OCA\Exsync\AppInfo\Application;
use OCP\AppFramework\Http\TemplateResponse;
use OCP\AppFramework\Services\IInitialState;
use OCP\Settings\ISettings;
use OCP\Util;

/** The admin page. Its initial state says whether an API key is set, never what it is. */
class Admin implements ISettings {
	public function __construct(
		private AppSettings $settings,
		private IInitialState $initialState,
	) {
	}

	public function getForm() {
		$this->initialState->provideInitialState('settings', $this->settings->publicView());
		// The Vue page built into js/exsync-admin.mjs (committed; its styles are injected by the script).
		Util::addScript(Application::APP_ID, 'exsync-admin');
		return new TemplateResponse(Application::APP_ID, 'admin', [], '');
	}

	public function getSection() {
		return Application::APP_ID;
	}

	public function getPriority() {
		return 50;
	}
}
