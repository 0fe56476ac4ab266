<?php

declare(strict_types=1);

namespace OCA\Exsync\Push;

use OCA\Exsync\Service\EnrollmentStore;
use OCP\EventDispatcher\Event;
use OCP\EventDispatcher\IEventListener;
use OCP\ISession;
use OCP\IUserSession;
use Psr\Log\LoggerInterface;

/**
 * Tells the sync service "sync this user's kind now" when an object changes in an enrolled user's synced
 * calendar, task list or address book (SyncedCollections), so a change made in Nextcloud reaches Exchange in
 * seconds instead of at the next scheduled sync. It only collects (ChangeNotifier sends once, after the request);
 * whatever goes wrong here is logged and never reaches the user's write.
 *
 * Which events carry the change depends on the Nextcloud release:
 * - calendar objects: OCP\Calendar\Events\CalendarObject*Event (public API since 32) and, on 30 and 31,
 *   OCA\DAV\Events\CalendarObject*Event (the dav app's own classes; there is no public one there);
 * - cards: only OCA\DAV\Events\Card*Event, on every release up to 34 (nextcloud/ocp has no card events).
 * The OCA\DAV classes are not public API, so they are read by method name (getCalendarData(), …), never by type,
 * and a change of their shape makes the listener do nothing rather than fail.
 *
 * The service's own writes are not echoed: it writes with the app password this app minted for the user, and
 * Nextcloud's session records the id of the token a request logged in with ('token-id', set by
 * OC\User\Session::completeLogin for every token login). A write whose token is the one EnrollmentStore holds for
 * the logged-in user is the service's. Unlike a User-Agent, that cannot be sent by another client by accident,
 * and it needs nothing from the service.
 *
 * @template-implements IEventListener<Event>
 */
class ChangeListener implements IEventListener {
	/** Event classes (by name; the OCA ones and, before 32, the OCP ones may not exist) → what they carry. */
	public const CALENDAR_EVENTS = [
		'OCP\Calendar\Events\CalendarObjectCreatedEvent',
		'OCP\Calendar\Events\CalendarObjectUpdatedEvent',
		'OCP\Calendar\Events\CalendarObjectDeletedEvent',
		'OCP\Calendar\Events\CalendarObjectMovedToTrashEvent',
		'OCP\Calendar\Events\CalendarObjectRestoredEvent',
		'OCP\Calendar\Events\CalendarObjectMovedEvent',
		'OCA\DAV\Events\CalendarObjectCreatedEvent',
		'OCA\DAV\Events\CalendarObjectUpdatedEvent',
		'OCA\DAV\Events\CalendarObjectDeletedEvent',
		'OCA\DAV\Events\CalendarObjectMovedToTrashEvent',
		'OCA\DAV\Events\CalendarObjectRestoredEvent',
		'OCA\DAV\Events\CalendarObjectMovedEvent',
	];
	public const CARD_EVENTS = [
		'OCA\DAV\Events\CardCreatedEvent',
		'OCA\DAV\Events\CardUpdatedEvent',
		'OCA\DAV\Events\CardDeletedEvent',
		'OCA\DAV\Events\CardMovedEvent',
	];

	public function __construct(
		private ChangeNotifier $notifier,
		private EnrollmentStore $store,
		private IUserSession $userSession,
		private ISession $session,
		private LoggerInterface $logger,
	) {
	}

	public function handle(Event $event): void {
		try {
			$class = get_class($event);
			$isCard = self::isOneOf($event, self::CARD_EVENTS);
			if (!$isCard && !self::isOneOf($event, self::CALENDAR_EVENTS)) {
				return;
			}
			$changed = [];
			foreach (self::collectionsOf($event, $isCard) as $collection) {
				$synced = SyncedCollections::of($collection, $isCard);
				if ($synced !== null && $this->store->tokenId($synced['uid']) !== null) {
					$changed[] = $synced;
				}
			}
			if ($changed === [] || $this->writtenByTheService()) {
				return;
			}
			foreach ($changed as $c) {
				$this->notifier->add($c['uid'], $c['kind']);
			}
		} catch (\Throwable $e) {
			$this->logger->warning('exsync: a Nextcloud change could not be reported to the sync service; the next scheduled sync carries it', [
				'event' => $class ?? null,
				'exception_class' => get_class($e),
			]);
		}
	}

	/** @param list<string> $classes */
	private static function isOneOf(Event $event, array $classes): bool {
		foreach ($classes as $c) {
			if ($event instanceof $c) {
				return true;
			}
		}
		return false;
	}

	/** @return list<array<string, mixed>> the collection rows the event names (both ends of a move) */
	private static function collectionsOf(Event $event, bool $isCard): array {
		$getters = $isCard
			? ['getAddressBookData', 'getSourceAddressBookData', 'getTargetAddressBookData']
			: ['getCalendarData', 'getSourceCalendarData', 'getTargetCalendarData'];
		$out = [];
		foreach ($getters as $getter) {
			if (method_exists($event, $getter)) {
				$data = $event->{$getter}();
				if (is_array($data)) {
					$out[] = $data;
				}
			}
		}
		return $out;
	}

	private function writtenByTheService(): bool {
		$user = $this->userSession->getUser();
		if ($user === null) {
			return false;
		}
		$ours = $this->store->tokenId((string)$user->getUID());
		$used = $this->session->get('token-id');
		return $ours !== null && $used !== null && (string)$used === (string)$ours;
	}
}
