<?php

declare(strict_types=1);

namespace OCA\Exsync\BackgroundJob;

use OCA\Exsync\Push\ChangeNotifier;
use OCP\AppFramework\Utility\ITimeFactory;
use OCP\BackgroundJob\TimedJob;

/**
 * At every cron run (at most once a minute): resends change notifications the sync service did not take when they
 * happened, or sends the heartbeat that tells the service this app reports changes.
 */
class FlushChanges extends TimedJob {
	public const INTERVAL_SECONDS = 60;

	public function __construct(
		ITimeFactory $time,
		private ChangeNotifier $notifier,
	) {
		parent::__construct($time);
		$this->setInterval(self::INTERVAL_SECONDS);
		$this->setTimeSensitivity(self::TIME_SENSITIVE);
	}

	protected function run($argument): void {
		$this->notifier->flushSpool();
	}
}
