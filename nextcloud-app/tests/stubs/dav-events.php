<?php

declare(strict_types=1);

// apps/dav's calendar-object and card events (OCA\DAV\Events, not in nextcloud/ocp): Nextcloud 30 and 31 dispatch
// these for calendar objects (the public OCP\Calendar\Events ones exist from 32), and every release up to 34
// dispatches the card ones (there is no public card event). Signatures as in apps/dav/lib/Events of
// nextcloud/server (CalendarObject*/Card* since 20, the Moved ones since 27).

namespace OCA\DAV\Events {
	use OCP\EventDispatcher\Event;

	abstract class AbstractDavObjectEvent extends Event {
		public function __construct(
			private int $collectionId,
			private array $collectionData,
			private array $shares,
			private array $objectData,
		) {
			parent::__construct();
		}
		public function getShares(): array {
			return $this->shares;
		}
		public function getObjectData(): array {
			return $this->objectData;
		}
		protected function collectionId(): int {
			return $this->collectionId;
		}
		protected function collectionData(): array {
			return $this->collectionData;
		}
	}

	abstract class AbstractCalendarObjectDavEvent extends AbstractDavObjectEvent {
		public function getCalendarId(): int {
			return $this->collectionId();
		}
		public function getCalendarData(): array {
			return $this->collectionData();
		}
	}
	class CalendarObjectCreatedEvent extends AbstractCalendarObjectDavEvent {
	}
	class CalendarObjectUpdatedEvent extends AbstractCalendarObjectDavEvent {
	}
	class CalendarObjectDeletedEvent extends AbstractCalendarObjectDavEvent {
	}
	class CalendarObjectMovedToTrashEvent extends AbstractCalendarObjectDavEvent {
	}
	class CalendarObjectRestoredEvent extends AbstractCalendarObjectDavEvent {
	}

	abstract class AbstractCardDavEvent extends AbstractDavObjectEvent {
		public function getAddressBookId(): int {
			return $this->collectionId();
		}
		public function getAddressBookData(): array {
			return $this->collectionData();
		}
		public function getCardData(): array {
			return $this->getObjectData();
		}
	}
	class CardCreatedEvent extends AbstractCardDavEvent {
	}
	class CardUpdatedEvent extends AbstractCardDavEvent {
	}
	class CardDeletedEvent extends AbstractCardDavEvent {
	}

	class CalendarObjectMovedEvent extends Event {
		public function __construct(
			private int $sourceCalendarId,
			private array $sourceCalendarData,
			private int $targetCalendarId,
			private array $targetCalendarData,
			private array $sourceShares,
			private array $targetShares,
			private array $objectData,
		) {
			parent::__construct();
		}
		public function getSourceCalendarData(): array {
			return $this->sourceCalendarData;
		}
		public function getTargetCalendarData(): array {
			return $this->targetCalendarData;
		}
		public function getObjectData(): array {
			return $this->objectData;
		}
	}

	class CardMovedEvent extends Event {
		public function __construct(
			private int $sourceAddressBookId,
			private array $sourceAddressBookData,
			private int $targetAddressBookId,
			private array $targetAddressBookData,
			private array $sourceShares,
			private array $targetShares,
			private array $objectData,
		) {
			parent::__construct();
		}
		public function getSourceAddressBookData(): array {
			return $this->sourceAddressBookData;
		}
		public function getTargetAddressBookData(): array {
			return $this->targetAddressBookData;
		}
		public function getObjectData(): array {
			return $this->objectData;
		}
	}
}
