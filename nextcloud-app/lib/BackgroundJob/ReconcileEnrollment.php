<?php

declare(strict_types=1);

namespace OCA\Exsync\BackgroundJob;

use OCA\Exsync\Service\EnrollmentService;
use OCP\AppFramework\Utility\ITimeFactory;
use OCP\BackgroundJob\TimedJob;
use Psr\Log\LoggerInterface;

/**
 * Every 15 minutes: enrol members the events missed (LDAP changes arrive through user_ldap's own job),
 * un-enrol departed ones, retry pushes and removals that failed.
 */
class ReconcileEnrollment extends TimedJob {
	public const INTERVAL_SECONDS = 15 * 60;

	public function __construct(
		ITimeFactory $time,
		private EnrollmentService $enrollment,
		private LoggerInterface $logger,
	) {
		parent::__construct($time);
		$this->setInterval(self::INTERVAL_SECONDS);
		$this->setTimeSensitivity(self::TIME_INSENSITIVE);
	}

	protected function run($argument): void {
		$result = $this->enrollment->reconcile();
		if ($result['enrolled'] + $result['failed'] + $result['removed'] > 0 || $result['errors'] !== []) {
			$this->logger->info('exsync: enrolment reconciled', [
				'enrolled' => $result['enrolled'],
				'failed' => $result['failed'],
				'removed' => $result['removed'],
				'errors' => array_slice(array_unique($result['errors']), 0, 5),
			]);
		}
	}
}
