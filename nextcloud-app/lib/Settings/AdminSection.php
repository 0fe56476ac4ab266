<?php

declare(strict_types=1);

namespace OCA\Exsync\Settings;

use OCA\Exsync\AppInfo\Application;
use OCP\IL10N;
use OCP\IURLGenerator;
use OCP\Settings\IIconSection;

class AdminSection implements IIconSection {
	public function __construct(
		private IURLGenerator $urlGenerator,
		private IL10N $l10n,
	) {
	}

	public function getID() {
		return Application::APP_ID;
	}

	public function getName() {
		return $this->l10n->t('Exchange sync');
	}

	public function getPriority() {
		return 80;
	}

	public function getIcon() {
		return $this->urlGenerator->imagePath(Application::APP_ID, 'app-dark.svg');
	}
}
