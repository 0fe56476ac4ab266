<?php

declare(strict_types=1);

namespace OCA\Exsync\BackgroundJob;

use OCP\BackgroundJob\QueuedJob;

/**
 * Queued when the admin saves the groups: minting costs an RSA key per user, too slow for one web
 * request with a large group, so the next cron run does the enrolment.
 */
class EnrollNow extends QueuedJob {
	public function __construct(
		\OCP\AppFramework\Utility\ITimeFactory $time,
		private \OCA\Exsync\Service\EnrollmentService $enrollment,
	) {
		parent::__construct($time);
	}

	protected function run($argument): void {
		$this->enrollment->reconcile();
	}
}
