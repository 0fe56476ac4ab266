<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Unit\Command;

use OCA\Exsync\Command\Enrol;
use OCA\Exsync\Command\Status;
use OCA\Exsync\Command\Unenrol;
use OCA\Exsync\Tests\Fakes\FakeClientService;
use OCA\Exsync\Tests\Fakes\FakeUser;
use OCA\Exsync\Tests\Fakes\FakeUserManager;
use OCA\Exsync\Tests\Unit\Harness;
use PHPUnit\Framework\TestCase;
use Symfony\Component\Console\Command\Command;
use Symfony\Component\Console\Tester\CommandTester;

/** The occ commands for admins who script: what they change and what they print. */
class CommandsTest extends TestCase {
	private Harness $h;

	protected function setUp(): void {
		$this->h = new Harness();
	}

	public function testInfoXmlRegistersEveryCommandAsASymfonyCommand(): void {
		$info = simplexml_load_file(__DIR__ . '/../../../appinfo/info.xml');
		$commands = array_map('strval', iterator_to_array($info->commands->command, false));

		self::assertSame([Enrol::class, Status::class, Unenrol::class], $commands);
		foreach ($commands as $class) {
			self::assertTrue(is_subclass_of($class, Command::class));
		}
	}

	public function testEnrolWithAGroupAddsItAndEnrolsItsMembersNow(): void {
		$this->h->directory->addGroup('sales', FakeUser::make('ann', 'ann@x.example'), FakeUser::make('bob', 'bob@x.example'));
		$tester = new CommandTester(new Enrol($this->h->settings, $this->h->directory, $this->h->enrollment));

		$code = $tester->execute(['--group' => ['sales']]);

		self::assertSame(0, $code, $tester->getDisplay());
		self::assertSame(['sales'], $this->h->settings->getGroups());
		self::assertSame(['ann', 'bob'], $this->h->store->enrolledUids());
		self::assertStringContainsString('Enrolled 2, failed 0', $tester->getDisplay());
	}

	public function testEnrolRefusesAnUnknownGroupAndChangesNothing(): void {
		$tester = new CommandTester(new Enrol($this->h->settings, $this->h->directory, $this->h->enrollment));

		self::assertSame(1, $tester->execute(['--group' => ['ghosts']]));
		self::assertStringContainsString('There is no group "ghosts"', $tester->getDisplay());
		self::assertSame([], $this->h->settings->getGroups());
		self::assertSame([], $this->h->http->requests);
	}

	public function testStatusCountsUsersPerStateAcrossPages(): void {
		$this->h->http->handler = static function (string $m, string $url) {
			parse_str((string)parse_url($url, PHP_URL_QUERY), $q);
			return ($q['cursor'] ?? '') === ''
				? FakeClientService::json(200, ['items' => [['ncUserId' => 'a', 'state' => 'active'], ['ncUserId' => 'b', 'state' => 'auth_required']], 'nextCursor' => 'p2'])
				: FakeClientService::json(200, ['items' => [['ncUserId' => 'c', 'state' => 'active']], 'nextCursor' => null]);
		};
		$tester = new CommandTester(new Status($this->h->client, $this->h->store));

		self::assertSame(0, $tester->execute([]));
		self::assertMatchesRegularExpression('/^active\s+2$/m', $tester->getDisplay());
		self::assertMatchesRegularExpression('/^auth_required\s+1$/m', $tester->getDisplay());
		self::assertMatchesRegularExpression('/^total\s+3$/m', $tester->getDisplay());
	}

	public function testStatusOfOneUserShowsStateReasonAndLastRun(): void {
		$this->h->http->handler = static fn () => FakeClientService::json(200, ['ncUserId' => 'ann', 'state' => 'error', 'stateReason' => 'Sync failed and will be retried', 'mailbox' => 'ann@x.example', 'lastSuccessAt' => null, 'lastAttemptAt' => '2026-12-06T10:00:03Z', 'lastSyncAt' => null,
			'lastRun' => ['startedAt' => '2026-12-06T10:00:00Z', 'finishedAt' => null, 'outcome' => 'failed', 'counts' => [], 'error' => 'EWS unavailable']]);
		$tester = new CommandTester(new Status($this->h->client, $this->h->store));

		self::assertSame(0, $tester->execute(['user' => 'ann']));
		self::assertStringContainsString('state:      error', $tester->getDisplay());
		self::assertStringContainsString('Sync failed and will be retried', $tester->getDisplay());
		self::assertStringContainsString('failed at 2026-12-06T10:00:00Z — EWS unavailable', $tester->getDisplay());
		self::assertMatchesRegularExpression('/^last success: never$/m', $tester->getDisplay());
		self::assertMatchesRegularExpression('/^last attempt: 2026-12-06T10:00:03Z$/m', $tester->getDisplay());
		self::assertSame('/v1/users/ann', parse_url($this->h->http->requests[0]['url'], PHP_URL_PATH));
	}

	public function testStatusSaysWhatIsWrongWhenTheServiceRefuses(): void {
		$this->h->http->handler = static fn () => FakeClientService::json(404, ['code' => 'EXSYNC_USER_NOT_FOUND', 'message' => 'x']);
		$tester = new CommandTester(new Status($this->h->client, $this->h->store));

		self::assertSame(1, $tester->execute(['user' => 'ghost']));
		self::assertStringContainsString('not enrolled at the sync service', $tester->getDisplay());
	}

	public function testUnenrolRemovesAtTheServiceRevokesTheTokenAndWarnsWhileStillInAGroup(): void {
		$this->h->settings->setGroups(['sales']);
		$this->h->directory->addGroup('sales', FakeUser::make('ann', 'ann@x.example'));
		$this->h->enrollment->reconcile();
		$tester = new CommandTester(new Unenrol($this->h->enrollment, FakeUserManager::make($this->h->directory), $this->h->directory));

		self::assertSame(0, $tester->execute(['user' => 'ann']));
		self::assertCount(1, $this->h->http->requestsTo('DELETE', '/v1/users/ann'));
		self::assertSame([], $this->h->tokens->liveTokensOf('ann'));
		self::assertSame([], $this->h->store->enrolledUids());
		self::assertStringContainsString('still in the enrolled group "sales"', $tester->getDisplay());
	}
}
