<?php

declare(strict_types=1);

namespace OCA\Exsync\Listener;

use OCA\Exsync\Service\EnrollmentService;
use OCP\EventDispatcher\Event;
use OCP\EventDispatcher\IEventListener;
use OCP\User\Events\UserDeletedEvent;

/**
 * A deleted user is removed at the service (which forgets their credentials and state).
 *
 * @template-implements IEventListener<UserDeletedEvent>
 */
class UserDeletedListener implements IEventListener {
	public function __construct(
		private EnrollmentService $enrollment,
	) {
	}

	public function handle(Event $event): void {
		if (!$event instanceof UserDeletedEvent) {
			return;
		}
		$this->enrollment->onUserDeleted($event->getUser());
	}
}
