<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Unit\Listener;

use OCA\Exsync\Listener\UserAddedToGroupListener;
use OCA\Exsync\Listener\UserDeletedListener;
use OCA\Exsync\Listener\UserRemovedFromGroupListener;
use OCA\Exsync\Tests\Fakes\FakeUser;
use OCA\Exsync\Tests\Unit\Harness;
use OCP\EventDispatcher\Event;
use OCP\Group\Events\UserAddedEvent;
use OCP\Group\Events\UserRemovedEvent;
use OCP\User\Events\UserDeletedEvent;
use PHPUnit\Framework\TestCase;

class ListenersTest extends TestCase {
	public function testGroupAndUserEventsEnrolAndRemove(): void {
		$h = new Harness();
		$h->settings->setGroups(['sales']);
		$ann = FakeUser::make('ann');
		$sales = $h->directory->addGroup('sales', $ann);

		(new UserAddedToGroupListener($h->enrollment))->handle(new UserAddedEvent($sales, $ann));
		self::assertSame(['ann'], $h->store->enrolledUids());

		$sales->users = [];
		(new UserRemovedFromGroupListener($h->enrollment))->handle(new UserRemovedEvent($sales, $ann));
		self::assertSame([], $h->store->enrolledUids());
		self::assertSame([], $h->tokens->liveTokensOf('ann'));

		$bob = FakeUser::make('bob');
		$sales->users = [$bob];
		(new UserAddedToGroupListener($h->enrollment))->handle(new UserAddedEvent($sales, $bob));
		(new UserDeletedListener($h->enrollment))->handle(new UserDeletedEvent($bob));
		self::assertCount(1, $h->http->requestsTo('DELETE', '/v1/users/bob'));
	}

	public function testListenersIgnoreOtherEvents(): void {
		$h = new Harness();
		$h->settings->setGroups(['sales']);

		foreach ([new UserAddedToGroupListener($h->enrollment), new UserRemovedFromGroupListener($h->enrollment), new UserDeletedListener($h->enrollment)] as $listener) {
			$listener->handle(new Event());
		}

		self::assertSame([], $h->http->requests);
	}
}
