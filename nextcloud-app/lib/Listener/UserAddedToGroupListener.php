<?php

declare(strict_types=1);

namespace OCA\Exsync\Listener;

use OCA\Exsync\Service\EnrollmentService;
use OCP\EventDispatcher\Event;
use OCP\EventDispatcher\IEventListener;
use OCP\Group\Events\UserAddedEvent;

/**
 * Enrols a user the moment they join a chosen group. LDAP memberships arrive late (user_ldap's own
 * background job), which the reconcile job covers.
 *
 * @template-implements IEventListener<UserAddedEvent>
 */
class UserAddedToGroupListener implements IEventListener {
	public function __construct(
		private EnrollmentService $enrollment,
	) {
	}

	public function handle(Event $event): void {
		if (!$event instanceof UserAddedEvent) {
			return;
		}
		$this->enrollment->onUserAddedToGroup($event->getUser(), (string)$event->getGroup()->getGID());
	}
}
