<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Unit\Push;

use OCA\Exsync\BackgroundJob\FlushChanges;
use OCA\Exsync\Push\ChangeNotifier;
use OCA\Exsync\Tests\Fakes\FakeClientService;
use OCA\Exsync\Tests\Fakes\FixedTime;
use OCA\Exsync\Tests\Unit\Harness;
use PHPUnit\Framework\TestCase;

/** Batching per request, one call after the request, the bounded spool and back-off, the heartbeat. */
class ChangeNotifierTest extends TestCase {
	private Harness $h;
	private FixedTime $time;
	/** @var list<callable> what the notifier registered to run at the end of the request */
	private array $shutdown = [];

	protected function setUp(): void {
		$this->h = new Harness();
		$this->time = FixedTime::make(1_000_000);
	}

	private function notifier(): ChangeNotifier {
		return new ChangeNotifier($this->h->client, $this->h->settings, $this->h->appConfig, $this->time, $this->h->logger, function (callable $f): void {
			$this->shutdown[] = $f;
		});
	}

	private function endRequest(): void {
		$run = $this->shutdown;
		$this->shutdown = [];
		foreach ($run as $f) {
			$f();
		}
	}

	/** @return list<array> bodies of the change calls so far */
	private function calls(): array {
		return array_map(static fn (array $r) => $r['options']['json'], $this->h->http->requestsTo('POST', '/v1/nextcloud-changes'));
	}

	public function testARequestsChangesAcrossUsersGoOutOnceAtItsEnd(): void {
		$n = $this->notifier();
		$n->add('alice', 'events');
		$n->add('bob', 'contacts');
		$n->add('alice', 'events');
		$n->add('alice', 'tasks');
		self::assertSame([], $this->calls(), 'nothing is sent during the request');
		self::assertCount(1, $this->shutdown, 'one flush registered per request');
		$this->endRequest();
		self::assertSame([['changes' => [
			['ncUserId' => 'alice', 'kind' => 'events'],
			['ncUserId' => 'bob', 'kind' => 'contacts'],
			['ncUserId' => 'alice', 'kind' => 'tasks'],
		]]], $this->calls());
		$request = $this->h->http->requestsTo('POST', '/v1/nextcloud-changes')[0];
		self::assertSame('https://sync.example.com/v1/nextcloud-changes', $request['url']);
		self::assertSame('Bearer ' . Harness::API_KEY, $request['options']['headers']['Authorization']);
		self::assertSame(ChangeNotifier::TIMEOUT_SECONDS, $request['options']['timeout']);
		// A request without changes sends nothing.
		$this->notifier()->flush();
		self::assertCount(1, $this->calls());
	}

	public function testOneRequestReportsAtMostTheBound(): void {
		$n = $this->notifier();
		for ($i = 0; $i < ChangeNotifier::MAX_PER_REQUEST + 5; $i++) {
			$n->add('user' . $i, 'events');
		}
		$this->endRequest();
		self::assertCount(ChangeNotifier::MAX_PER_REQUEST, $this->calls()[0]['changes']);
	}

	public function testAFailedCallNeverThrowsSpoolsTheChangesAndBacksOffForAMinute(): void {
		$this->h->http->handler = static fn () => throw new \RuntimeException('Connection refused');
		$n = $this->notifier();
		$n->add('alice', 'events');
		$this->endRequest();
		self::assertSame(["alice\tevents"], $n->spooled());
		self::assertCount(1, $this->h->http->requests);

		// Within the minute, requests do not wait for a service that just failed: they only spool.
		$this->time->now += 30;
		$n->add('bob', 'contacts');
		$this->endRequest();
		self::assertCount(1, $this->h->http->requests);
		self::assertSame(["alice\tevents", "bob\tcontacts"], $n->spooled());

		// The service is back; the background job sends the spool in one call and empties it.
		$this->h->http->handler = static fn () => FakeClientService::json(202, ['queued' => 2, 'ignored' => 0]);
		(new \ReflectionMethod(FlushChanges::class, 'run'))->invoke(new FlushChanges($this->time, $n), null);
		// Call 0 was the failed one.
		self::assertSame([['changes' => [
			['ncUserId' => 'alice', 'kind' => 'events'],
			['ncUserId' => 'bob', 'kind' => 'contacts'],
		]]], array_slice($this->calls(), 1));
		self::assertSame([], $n->spooled());
		// After a success, the next request calls directly again.
		$n->add('carol', 'events');
		$this->endRequest();
		self::assertSame([['ncUserId' => 'carol', 'kind' => 'events']], $this->calls()[2]['changes']);
		self::assertStringNotContainsString(Harness::API_KEY, $this->h->logger->dump());
	}

	public function testTheSpoolIsBounded(): void {
		$this->h->http->handler = static fn () => FakeClientService::json(503, ['code' => 'EXSYNC_UNAVAILABLE', 'message' => 'down']);
		for ($r = 0; $r < 6; $r++) {
			$n = $this->notifier();
			for ($i = 0; $i < 1000; $i++) {
				$n->add("u$r-$i", 'events');
			}
			$this->endRequest();
			$this->time->now += ChangeNotifier::BACKOFF_SECONDS;
		}
		self::assertCount(ChangeNotifier::MAX_SPOOL, $this->notifier()->spooled());
		self::assertStringContainsString('spool full', $this->h->logger->dump());
	}

	public function testTheBackgroundJobSendsAHeartbeatWhenItHadNothingToSendForAWhile(): void {
		$n = $this->notifier();
		$n->flushSpool();
		self::assertSame([['changes' => []]], $this->calls());
		$this->time->now += 60;
		$n->flushSpool();
		self::assertCount(1, $this->calls(), 'no heartbeat within 15 minutes of the last call');
		$this->time->now += ChangeNotifier::HEARTBEAT_SECONDS;
		$n->flushSpool();
		self::assertCount(2, $this->calls());
	}

	public function testNothingIsSentBeforeTheServiceIsConfigured(): void {
		$this->h->settings->setServiceUrl('');
		$n = $this->notifier();
		$n->add('alice', 'events');
		$this->endRequest();
		$n->flushSpool();
		self::assertSame([], $this->h->http->requests);
	}
}
