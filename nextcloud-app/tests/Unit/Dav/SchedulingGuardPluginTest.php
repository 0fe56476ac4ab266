<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Unit\Dav;

use OCA\DAV\Events\SabrePluginAddEvent;
use OCA\Exsync\Dav\SchedulingGuardPlugin;
use OCA\Exsync\Listener\SabrePluginAddListener;
use OCA\Exsync\Tests\Fakes\ArrayContainer;
use OCA\Exsync\Tests\Fakes\FakeUser;
use OCA\Exsync\Tests\Fakes\FakeUserManager;
use OCA\Exsync\Tests\Unit\Harness;
use PHPUnit\Framework\TestCase;
use Sabre\DAV\Server;
use Sabre\VObject\ITip\Message;

class SchedulingGuardPluginTest extends TestCase {
	private Harness $h;
	private Server $server;
	/** @var list<string> what Nextcloud's own schedule listeners saw */
	private array $delivered = [];

	protected function setUp(): void {
		$this->h = new Harness();
		$this->h->directory->addGroup('sales', FakeUser::make('ann', 'Ann@Example.com'), FakeUser::make('olga', 'olga@example.com'));
		$this->h->store->markEnrolled('ann', 7);

		$this->server = new Server();
		// Nextcloud's listeners, at the priorities sabre/dav registers them.
		$this->server->on('schedule', function (Message $m) {
			$this->delivered[] = 'local:' . $m->recipient;
		}, 100);
		$this->server->on('schedule', function (Message $m) {
			$this->delivered[] = 'imip:' . $m->recipient;
		}, 120);
		$plugin = new SchedulingGuardPlugin(FakeUserManager::make($this->h->directory), $this->h->store);
		(new SabrePluginAddListener(new ArrayContainer([SchedulingGuardPlugin::class => $plugin])))
			->handle(new SabrePluginAddEvent($this->server));
	}

	private static function message(string $method, string $sender, string $recipient): Message {
		$m = new Message();
		$m->method = $method;
		$m->sender = $sender;
		$m->recipient = $recipient;
		return $m;
	}

	public function testNoInvitationOrCancellationLeavesNextcloudForAnEnrolledOrganizer(): void {
		foreach (['REQUEST', 'CANCEL'] as $method) {
			$m = self::message($method, 'mailto:ann@example.com', 'mailto:guest@elsewhere.org');
			$this->server->emit('schedule', [$m]);
			self::assertSame(SchedulingGuardPlugin::STATUS, $m->scheduleStatus);
		}
		self::assertSame([], $this->delivered);
	}

	public function testAnEnrolledAttendeesReplyIsNotSentEither(): void {
		$this->server->emit('schedule', [self::message('REPLY', 'MAILTO:ANN@EXAMPLE.COM', 'mailto:olga@example.com')]);

		self::assertSame([], $this->delivered);
	}

	public function testUsersWhoAreNotEnrolledKeepNextcloudsScheduling(): void {
		$m = self::message('REQUEST', 'mailto:olga@example.com', 'mailto:ann@example.com');

		$this->server->emit('schedule', [$m]);

		self::assertSame(['local:mailto:ann@example.com', 'imip:mailto:ann@example.com'], $this->delivered);
		self::assertNull($m->scheduleStatus);
	}

	public function testAUserWhoLeftIsScheduledByNextcloudAgain(): void {
		$this->h->store->forget('ann');

		$this->server->emit('schedule', [self::message('REQUEST', 'mailto:ann@example.com', 'mailto:x@y.org')]);

		self::assertCount(2, $this->delivered);
	}
}
