<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Unit\Service;

use OCA\Exsync\Service\ServiceException;
use OCA\Exsync\Tests\Fakes\FakeClientService;
use OCA\Exsync\Tests\Fakes\FakeResponse;
use OCA\Exsync\Tests\Unit\Harness;
use PHPUnit\Framework\TestCase;

class ServiceClientTest extends TestCase {
	private Harness $h;

	protected function setUp(): void {
		$this->h = new Harness();
	}

	public function testSendsTheBearerKeyToTheConfiguredServiceAndReadsStatusesItself(): void {
		$this->h->http->handler = static fn () => FakeClientService::json(201, []);

		$created = $this->h->client->upsertUser('ann@corp', ['loginName' => 'ann@corp', 'appPassword' => 'p']);

		self::assertTrue($created);
		$request = $this->h->http->requests[0];
		self::assertSame('PUT', $request['method']);
		self::assertSame('https://sync.example.com/v1/users/ann%40corp', $request['url']);
		self::assertSame('Bearer ' . Harness::API_KEY, $request['options']['headers']['Authorization']);
		self::assertFalse($request['options']['http_errors']);
		self::assertFalse($request['options']['nextcloud']['allow_local_address']);
		self::assertSame(['loginName' => 'ann@corp', 'appPassword' => 'p'], $request['options']['json']);
	}

	public function testAllowsALocalServiceOnlyWhenTheAdminSaidSo(): void {
		$this->h->settings->setAllowLocalAddress(true);

		$this->h->client->getSyncSettings();

		self::assertTrue($this->h->http->requests[0]['options']['nextcloud']['allow_local_address']);
	}

	public function testARefusedKeyBecomesAMessageSayingWhatToDoWithoutTheKey(): void {
		$this->h->http->handler = static fn () => FakeClientService::json(401, ['code' => 'EXSYNC_UNAUTHENTICATED', 'message' => 'Missing or unknown API key.']);

		try {
			$this->h->client->getSyncSettings();
			self::fail('expected a ServiceException');
		} catch (ServiceException $e) {
			self::assertSame('EXSYNC_UNAUTHENTICATED', $e->getErrorCode());
			self::assertSame(401, $e->getHttpStatus());
			self::assertStringContainsString('API key', $e->getMessage());
			self::assertStringContainsString('exsync settings', $e->getMessage());
			self::assertStringNotContainsString(Harness::API_KEY, $e->getMessage());
			self::assertFalse($e->isTransient());
		}
	}

	public function testOtherServiceErrorsKeepTheServicesOwnMessageAndCode(): void {
		$this->h->http->handler = static fn () => FakeClientService::json(400, ['code' => 'EXSYNC_INVALID_SETTINGS', 'message' => 'The window may span at most 3650 days; shorten daysBack or daysAhead.']);

		$this->expectException(ServiceException::class);
		$this->expectExceptionMessage('shorten daysBack or daysAhead');
		$this->h->client->putSyncSettings(['window' => ['daysBack' => 3000, 'daysAhead' => 3000]]);
	}

	public function testAnAnswerWithoutTheErrorShapeIsReportedAsAWrongUrl(): void {
		$this->h->http->handler = static fn () => FakeResponse::make(404, '<html>Not Found</html>');

		try {
			$this->h->client->listUsers();
			self::fail('expected a ServiceException');
		} catch (ServiceException $e) {
			self::assertSame(ServiceException::BAD_RESPONSE, $e->getErrorCode());
			self::assertStringContainsString('service URL', $e->getMessage());
		}
	}

	public function testServerTroubleIsTransient(): void {
		$this->h->http->handler = static fn () => FakeClientService::json(503, ['code' => 'EXSYNC_NOT_READY', 'message' => 'Migrations are pending.']);

		try {
			$this->h->client->listUsers();
			self::fail('expected a ServiceException');
		} catch (ServiceException $e) {
			self::assertTrue($e->isTransient());
			self::assertStringContainsString('Try again later', $e->getMessage());
		}
	}

	public function testAnUnreachableServiceNeitherLeaksNorLogsTheKey(): void {
		$this->h->http->handler = static fn (string $m, string $u, array $options) => throw new \RuntimeException('cURL error 7 for request with ' . json_encode($options));

		try {
			$this->h->client->listUsers();
			self::fail('expected a ServiceException');
		} catch (ServiceException $e) {
			self::assertSame(ServiceException::UNREACHABLE, $e->getErrorCode());
			self::assertTrue($e->isTransient());
			self::assertStringNotContainsString(Harness::API_KEY, $e->getMessage());
		}
		self::assertStringNotContainsString(Harness::API_KEY, $this->h->logger->dump());
	}

	public function testNoRequestIsMadeBeforeTheServiceIsConfigured(): void {
		$this->h->settings->deleteApiKey();

		try {
			$this->h->client->listUsers();
			self::fail('expected a ServiceException');
		} catch (ServiceException $e) {
			self::assertSame(ServiceException::NOT_CONFIGURED, $e->getErrorCode());
		}
		self::assertSame([], $this->h->http->requests);
	}

	public function testDeletingAUserTheServiceDoesNotKnowIsNotAnError(): void {
		$this->h->http->handler = static fn () => FakeClientService::json(404, ['code' => 'EXSYNC_USER_NOT_FOUND', 'message' => 'No such user.']);

		self::assertFalse($this->h->client->deleteUser('ann'));
	}

	public function testBulkUpsertRefusesMoreThanTheServicesLimitWithoutSendingAnything(): void {
		$users = array_fill(0, 1001, ['ncUserId' => 'x', 'loginName' => 'x', 'appPassword' => 'p']);

		try {
			$this->h->client->bulkUpsert($users);
			self::fail('expected an InvalidArgumentException');
		} catch (\InvalidArgumentException) {
		}
		self::assertSame([], $this->h->http->requests);
	}

	public function testBulkUpsertReturnsTheServicesCounts(): void {
		$this->h->http->handler = static fn () => FakeClientService::json(200, ['created' => 2, 'updated' => 1]);

		self::assertSame(['created' => 2, 'updated' => 1], $this->h->client->bulkUpsert([['ncUserId' => 'a', 'loginName' => 'a', 'appPassword' => 'p']]));
		self::assertSame('POST', $this->h->http->requests[0]['method']);
		self::assertSame('https://sync.example.com/v1/users/bulk', $this->h->http->requests[0]['url']);
	}

	public function testListUsersPassesStateAndCursorAndNeverReturnsAPasswordField(): void {
		$this->h->http->handler = static fn () => FakeClientService::json(200, [
			'items' => [['ncUserId' => 'ann', 'state' => 'active', 'appPassword' => 'should-not-be-here']],
			'nextCursor' => 'c2',
		]);

		$page = $this->h->client->listUsers('auth_required', 'c1', 50);

		$query = [];
		parse_str((string)parse_url($this->h->http->requests[0]['url'], PHP_URL_QUERY), $query);
		self::assertSame(['state' => 'auth_required', 'cursor' => 'c1', 'limit' => '50'], $query, 'no empty search or sort is sent');
		self::assertSame([['ncUserId' => 'ann', 'state' => 'active']], $page['items']);
		self::assertSame('c2', $page['nextCursor']);
	}

	public function testUnknownStatesAndActionsAreRefusedBeforeAnyRequest(): void {
		foreach ([fn () => $this->h->client->listUsers('sleeping'), fn () => $this->h->client->userAction('ann', 'explode')] as $call) {
			try {
				$call();
				self::fail('expected an InvalidArgumentException');
			} catch (\InvalidArgumentException) {
			}
		}
		self::assertSame([], $this->h->http->requests);
	}

	public function testUserActionsPostToThePerUserActionRoute(): void {
		$this->h->client->userAction('ann', 'resync');

		self::assertSame('POST', $this->h->http->requests[0]['method']);
		self::assertSame('https://sync.example.com/v1/users/ann/resync', $this->h->http->requests[0]['url']);
		self::assertSame('{}', json_encode($this->h->http->requests[0]['options']['json']));
	}
}
