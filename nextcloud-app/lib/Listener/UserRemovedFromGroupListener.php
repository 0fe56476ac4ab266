<?php

declare(strict_types=1);

namespace OCA\Exsync\Listener;

use OCA\Exsync\Service\EnrollmentService;
use OCP\EventDispatcher\Event;
use OCP\EventDispatcher\IEventListener;
use OCP\Group\Events\UserRemovedEvent;

/**
 * Un-enrols a user who left the last chosen group they were in: removed at the service, token revoked.
 *
 * @template-implements IEventListener<UserRemovedEvent>
 */
class UserRemovedFromGroupListener implements IEventListener {
	public function __construct(
		private EnrollmentService $enrollment,
	) {
	}

	public function handle(Event $event): void {
		if (!$event instanceof UserRemovedEvent) {
			return;
		}
		$this->enrollment->onUserRemovedFromGroup($event->getUser(), (string)$event->getGroup()->getGID());
	}
}
