<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Unit\Push;

use OCA\Exsync\Push\ChangeListener;
use OCA\Exsync\Push\ChangeNotifier;
use OCA\Exsync\Push\SyncedCollections;
use OCA\Exsync\Tests\Fakes\FakeSession;
use OCA\Exsync\Tests\Fakes\FakeUser;
use OCA\Exsync\Tests\Fakes\FakeUserSession;
use OCA\Exsync\Tests\Fakes\FixedTime;
use OCA\Exsync\Tests\Unit\Harness;
use OCP\EventDispatcher\Event;
use PHPUnit\Framework\TestCase;

/**
 * The change listener on the events this Nextcloud release dispatches: the real OCP\Calendar\Events classes where
 * the public API has them (34.0.3; not 30.0.9), apps/dav's OCA\DAV\Events (stand-ins, tests/stubs/dav-events.php)
 * for calendar objects on 30/31 and for cards everywhere.
 */
class ChangeListenerTest extends TestCase {
	private Harness $h;
	private ChangeNotifier $notifier;
	private FakeSession $session;
	private FakeUserSession $userSession;

	protected function setUp(): void {
		$this->h = new Harness();
		$this->notifier = new ChangeNotifier($this->h->client, $this->h->settings, $this->h->appConfig, FixedTime::make(1_000_000), $this->h->logger, static function (): void {
		});
		$this->h->store->markEnrolled('alice', 41);
		$this->h->store->markEnrolled('bob', 42);
		// alice is at her phone: a session logged in with a token that is not the service's.
		$this->session = FakeSession::make(['token-id' => 7]);
		$this->userSession = FakeUserSession::make(FakeUser::make('alice'));
	}

	private function listener(): ChangeListener {
		return new ChangeListener($this->notifier, $this->h->store, $this->userSession, $this->session, $this->h->logger);
	}

	private static function calendar(string $owner, string $uri): array {
		return ['id' => 3, 'uri' => $uri, 'principaluri' => 'principals/users/' . $owner, '{DAV:}displayname' => 'x'];
	}

	/** @return list<class-string> the calendar-object event classes this release dispatches for an edit */
	private static function calendarEventClasses(): array {
		$classes = [\OCA\DAV\Events\CalendarObjectUpdatedEvent::class];
		if (class_exists('OCP\Calendar\Events\CalendarObjectUpdatedEvent')) {
			$classes[] = 'OCP\Calendar\Events\CalendarObjectUpdatedEvent';
		}
		return $classes;
	}

	public function testTheOcpCalendarEventsExistExactlyFromTheReleaseThatHasThem(): void {
		// 30.0.9 has no public calendar-object events (they came with 32); 34.0.3 has them. Card events are in
		// neither: OCA\DAV only. If this fails, the release matrix in ChangeListener's comment is wrong.
		$has = class_exists('OCP\Calendar\Events\CalendarObjectUpdatedEvent');
		self::assertSame(version_compare(EXSYNC_TEST_OCP_RELEASE, '32', '>='), $has);
		self::assertFalse(class_exists('OCP\Contacts\Events\CardUpdatedEvent'));
		foreach (ChangeListener::CALENDAR_EVENTS as $class) {
			if (str_starts_with($class, 'OCP\\')) {
				self::assertSame($has, class_exists($class), $class);
			}
		}
	}

	public function testAnEditInAnEnrolledUsersSyncedCalendarIsCollected(): void {
		foreach (self::calendarEventClasses() as $class) {
			$this->notifier->flush();
			$this->listener()->handle(new $class(3, self::calendar('alice', 'exchange-calendar'), [], ['uri' => 'a.ics']));
			self::assertSame([['ncUserId' => 'alice', 'kind' => 'events']], $this->notifier->pending(), $class);
		}
	}

	public function testEveryKindOfCalendarObjectAndCardEventIsCollectedWithItsKind(): void {
		$l = $this->listener();
		$l->handle(new \OCA\DAV\Events\CalendarObjectCreatedEvent(1, self::calendar('bob', 'exchange-tasks'), [], []));
		$l->handle(new \OCA\DAV\Events\CalendarObjectDeletedEvent(1, self::calendar('alice', 'exchange-calendar'), [], []));
		$l->handle(new \OCA\DAV\Events\CardUpdatedEvent(2, self::calendar('alice', 'exchange-contacts'), [], []));
		$l->handle(new \OCA\DAV\Events\CardDeletedEvent(2, self::calendar('bob', 'exchange-contacts'), [], []));
		self::assertEqualsCanonicalizing([
			['ncUserId' => 'bob', 'kind' => 'tasks'],
			['ncUserId' => 'alice', 'kind' => 'events'],
			['ncUserId' => 'alice', 'kind' => 'contacts'],
			['ncUserId' => 'bob', 'kind' => 'contacts'],
		], $this->notifier->pending());
	}

	public function testAMoveOutOfASyncedCollectionReportsTheSourceSide(): void {
		$this->listener()->handle(new \OCA\DAV\Events\CalendarObjectMovedEvent(3, self::calendar('alice', 'exchange-calendar'), 4, self::calendar('alice', 'personal'), [], [], []));
		$this->listener()->handle(new \OCA\DAV\Events\CardMovedEvent(5, self::calendar('bob', 'contacts'), 6, self::calendar('bob', 'exchange-contacts'), [], [], []));
		self::assertEqualsCanonicalizing([
			['ncUserId' => 'alice', 'kind' => 'events'],
			['ncUserId' => 'bob', 'kind' => 'contacts'],
		], $this->notifier->pending());
	}

	public function testCollectionsTheServiceDoesNotSyncAndUsersNotEnrolledAreIgnored(): void {
		$l = $this->listener();
		$l->handle(new \OCA\DAV\Events\CalendarObjectUpdatedEvent(1, self::calendar('alice', 'personal'), [], []));
		// A calendar named like the address book (and the other way round) is not synced.
		$l->handle(new \OCA\DAV\Events\CalendarObjectUpdatedEvent(1, self::calendar('alice', 'exchange-contacts'), [], []));
		$l->handle(new \OCA\DAV\Events\CardUpdatedEvent(1, self::calendar('alice', 'exchange-calendar'), [], []));
		$l->handle(new \OCA\DAV\Events\CalendarObjectUpdatedEvent(1, self::calendar('carol', 'exchange-calendar'), [], []));
		$l->handle(new \OCA\DAV\Events\CalendarObjectUpdatedEvent(1, ['uri' => 'exchange-calendar', 'principaluri' => 'principals/groups/sales'], [], []));
		$l->handle(new Event());
		self::assertSame([], $this->notifier->pending());
	}

	public function testTheServicesOwnWritesAreNotEchoed(): void {
		// The request logged in with the token this app minted for alice: the sync service writing.
		$this->session->values['token-id'] = 41;
		$this->listener()->handle(new \OCA\DAV\Events\CalendarObjectUpdatedEvent(3, self::calendar('alice', 'exchange-calendar'), [], []));
		self::assertSame([], $this->notifier->pending());
		// bob's token id in alice's session is not alice's service token: a real change (e.g. bob shares with alice).
		$this->session->values['token-id'] = 42;
		$this->listener()->handle(new \OCA\DAV\Events\CalendarObjectUpdatedEvent(3, self::calendar('alice', 'exchange-calendar'), [], []));
		self::assertSame([['ncUserId' => 'alice', 'kind' => 'events']], $this->notifier->pending());
		// No session token at all (the web UI's cookie session, occ): a real change.
		$this->notifier->flush();
		$this->session->values = [];
		$this->listener()->handle(new \OCA\DAV\Events\CalendarObjectUpdatedEvent(3, self::calendar('alice', 'exchange-calendar'), [], []));
		self::assertSame([['ncUserId' => 'alice', 'kind' => 'events']], $this->notifier->pending());
	}

	public function testAFailureInsideTheListenerNeverReachesTheUsersWrite(): void {
		$broken = FakeSession::make();
		$broken->values = ['token-id' => new class {
			public function __toString(): string {
				throw new \RuntimeException('session backend down');
			}
		}];
		$l = new ChangeListener($this->notifier, $this->h->store, $this->userSession, $broken, $this->h->logger);
		$l->handle(new \OCA\DAV\Events\CalendarObjectUpdatedEvent(3, self::calendar('alice', 'exchange-calendar'), [], []));
		self::assertSame([], $this->notifier->pending());
		self::assertStringContainsString('could not be reported', $this->h->logger->dump());
	}

	public function testTheCollectionNamesAreTheOnesTheServiceCreates(): void {
		// apps/sync-service/src/sync/kinds.ts is the source of the names; the two must never drift apart.
		$kinds = file_get_contents(__DIR__ . '/../../../../apps/sync-service/src/sync/kinds.ts');
		self::assertIsString($kinds);
		preg_match_all("/name: '(\\w+)',[^}]*?type: '(calendar|addressbook)'[^}]*?\\}[^}]*?slug: '([\\w-]+)'/s", $kinds, $m, PREG_SET_ORDER);
		$fromService = [];
		foreach ($m as [, $kind, $type, $slug]) {
			$fromService[$type][$slug] = $kind;
		}
		self::assertSame(SyncedCollections::CALENDARS, $fromService['calendar'] ?? null);
		self::assertSame(SyncedCollections::ADDRESS_BOOKS, $fromService['addressbook'] ?? null);
	}
}
