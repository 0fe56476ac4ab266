<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Unit\Service;

use OCA\Exsync\Tests\Fakes\FakeClientService;
use OCA\Exsync\Tests\Fakes\FakeUser;
use OCA\Exsync\Tests\Unit\Harness;
use OCP\Authentication\Token\IToken;
use PHPUnit\Framework\TestCase;

class EnrollmentServiceTest extends TestCase {
	private Harness $h;

	protected function setUp(): void {
		$this->h = new Harness();
		$this->h->settings->setGroups(['sales']);
	}

	public function testMintsOnePasswordlessPermanentTokenPerUserWithTheLoginNameAndPushesIt(): void {
		$this->h->directory->addGroup('sales', FakeUser::make('ann', 'ann@example.com', 'Ann A'), FakeUser::make('bob'));

		$result = $this->h->enrollment->reconcile();

		self::assertSame(2, $result['enrolled']);
		self::assertCount(2, $this->h->tokens->minted);
		$byUid = [];
		foreach ($this->h->tokens->minted as $token) {
			$byUid[$token->uid] = $token;
			self::assertSame($token->uid, $token->loginName, 'login name must be what the service sends as Basic-auth user');
			self::assertNull($token->password, 'passwordless token');
			self::assertSame(IToken::PERMANENT_TOKEN, $token->type);
			self::assertSame('exsync sync service', $token->name);
			self::assertSame([IToken::SCOPE_FILESYSTEM => false], $token->scope);
			self::assertSame(72, strlen($token->plaintext));
		}
		$bodies = $this->h->bulkBodies();
		self::assertCount(1, $bodies);
		$entries = $bodies[0]['users'];
		self::assertSame(['ann', 'bob'], array_column($entries, 'ncUserId'));
		self::assertSame($byUid['ann']->plaintext, $entries[0]['appPassword']);
		self::assertSame('ann', $entries[0]['loginName']);
		self::assertSame('ann@example.com', $entries[0]['email']);
		self::assertSame('Ann A', $entries[0]['displayName']);
		self::assertNull($entries[1]['email']);
		self::assertSame($byUid['ann']->id, $this->h->store->tokenId('ann'));
	}

	public function testPushesLargeGroupsInBulkBatchesOfAtMostOneThousand(): void {
		$users = [];
		for ($i = 0; $i < 2500; $i++) {
			$users[] = FakeUser::make(sprintf('u%04d', $i));
		}
		$this->h->directory->addGroup('sales', ...$users);

		$result = $this->h->enrollment->reconcile();

		self::assertSame(2500, $result['enrolled']);
		self::assertSame([1000, 1000, 500], array_map(static fn (array $b) => count($b['users']), $this->h->bulkBodies()));
		self::assertCount(2500, $this->h->tokens->minted);
		self::assertCount(2500, $this->h->store->enrolledUids());
	}

	public function testASecondRunEnrolsOnlyNewMembers(): void {
		$group = $this->h->directory->addGroup('sales', FakeUser::make('ann'));
		$this->h->enrollment->reconcile();
		$group->users[] = FakeUser::make('bob');
		$this->h->directory->users['bob'] = $group->users[1];

		$this->h->enrollment->reconcile();

		self::assertSame(['bob'], array_column($this->h->bulkBodies()[1]['users'], 'ncUserId'));
		self::assertCount(2, $this->h->tokens->minted);
	}

	public function testAFailedPushRevokesTheMintedTokensAndTheNextRunRetriesWithNewOnes(): void {
		$this->h->directory->addGroup('sales', FakeUser::make('ann'), FakeUser::make('bob'));
		$this->h->http->handler = static fn (string $m, string $url) => str_contains($url, '/bulk')
			? FakeClientService::json(503, ['code' => 'EXSYNC_INTERNAL', 'message' => 'database down'])
			: FakeClientService::json(200, ['items' => [], 'nextCursor' => null]);

		$first = $this->h->enrollment->reconcile();

		self::assertSame(0, $first['enrolled']);
		self::assertSame(2, $first['failed']);
		self::assertSame([], $this->h->tokens->tokens, 'no orphan token is left behind');
		self::assertEqualsCanonicalizing(['ann', 'bob'], $this->h->store->pushPendingUids());

		$this->h->http->handler = static fn () => FakeClientService::json(200, ['created' => 2, 'updated' => 0, 'items' => [], 'nextCursor' => null]);
		$second = $this->h->enrollment->reconcile();

		self::assertSame(2, $second['enrolled']);
		self::assertSame([], $this->h->store->pushPendingUids());
		self::assertCount(4, $this->h->tokens->minted);
		self::assertCount(1, $this->h->tokens->liveTokensOf('ann'));
	}

	public function testOneEntryTheServiceRefusesDoesNotHoldBackTheRestOfItsBatch(): void {
		$this->h->directory->addGroup('sales', FakeUser::make('ann'), FakeUser::make('bad'), FakeUser::make('cid'));
		$this->h->http->handler = static function (string $method, string $url) {
			if (str_contains($url, '/bulk')) {
				return FakeClientService::json(400, ['code' => 'EXSYNC_VALIDATION_FAILED', 'message' => 'body.users[1].email must be an e-mail address']);
			}
			if ($method === 'PUT' && str_ends_with($url, '/bad')) {
				return FakeClientService::json(400, ['code' => 'EXSYNC_VALIDATION_FAILED', 'message' => 'body.email must be an e-mail address']);
			}
			return FakeClientService::json(200, ['items' => [], 'nextCursor' => null]);
		};

		$result = $this->h->enrollment->reconcile();

		self::assertSame(2, $result['enrolled']);
		self::assertSame(1, $result['failed']);
		self::assertEqualsCanonicalizing(['ann', 'cid'], $this->h->store->enrolledUids());
		self::assertSame(['bad'], $this->h->store->pushPendingUids());
		self::assertSame([], $this->h->tokens->liveTokensOf('bad'));
		$put = $this->h->http->requestsTo('PUT', '/v1/users/ann')[0]['options']['json'];
		self::assertArrayNotHasKey('ncUserId', $put, 'the single-user PUT takes the id from the path');
	}

	public function testRemovalFromTheLastEnrolledGroupDeletesAtTheServiceAndRevokesTheToken(): void {
		$ann = FakeUser::make('ann');
		$sales = $this->h->directory->addGroup('sales', $ann);
		$this->h->enrollment->reconcile();
		$sales->users = [];

		$this->h->enrollment->onUserRemovedFromGroup($ann, 'sales');

		self::assertCount(1, $this->h->http->requestsTo('DELETE', '/v1/users/ann'));
		self::assertSame([], $this->h->tokens->liveTokensOf('ann'));
		self::assertNull($this->h->store->tokenId('ann'));
	}

	public function testLeavingOneOfTwoEnrolledGroupsKeepsTheUserEnrolled(): void {
		$ann = FakeUser::make('ann');
		$this->h->settings->setGroups(['sales', 'ops']);
		$sales = $this->h->directory->addGroup('sales', $ann);
		$this->h->directory->addGroup('ops', $ann);
		$this->h->enrollment->reconcile();
		$sales->users = [];

		$this->h->enrollment->onUserRemovedFromGroup($ann, 'sales');

		self::assertSame([], $this->h->http->requestsTo('DELETE', '/v1/users/'));
		self::assertCount(1, $this->h->tokens->liveTokensOf('ann'));
	}

	public function testADeletedUserIsRemovedAtTheServiceEvenThoughNextcloudAlreadyDroppedTheirPreferences(): void {
		$ann = FakeUser::make('ann');
		$this->h->directory->addGroup('sales', $ann);
		$this->h->enrollment->reconcile();
		unset($this->h->prefs->prefs['ann']); // User::delete() clears preferences before UserDeletedEvent

		$this->h->enrollment->onUserDeleted($ann);

		self::assertCount(1, $this->h->http->requestsTo('DELETE', '/v1/users/ann'));
		self::assertSame([], $this->h->store->enrolledUids());
	}

	public function testAnUnconfirmedRemovalIsRetriedByTheNextReconcile(): void {
		$ann = FakeUser::make('ann');
		$sales = $this->h->directory->addGroup('sales', $ann);
		$this->h->enrollment->reconcile();
		$this->h->http->handler = static fn (string $m) => $m === 'DELETE'
			? throw new \RuntimeException('cURL error 7: connection refused')
			: FakeClientService::json(200, ['items' => [], 'nextCursor' => null]);
		$sales->users = [];

		$this->h->enrollment->onUserRemovedFromGroup($ann, 'sales');

		self::assertSame([], $this->h->tokens->liveTokensOf('ann'), 'the token is revoked even when the service is away');
		self::assertSame(['ann'], $this->h->store->pendingRemovals());

		$this->h->http->handler = static fn (string $m) => $m === 'DELETE'
			? \OCA\Exsync\Tests\Fakes\FakeResponse::make(204)
			: FakeClientService::json(200, ['items' => [], 'nextCursor' => null]);
		$result = $this->h->enrollment->reconcile();

		self::assertSame(1, $result['removed']);
		self::assertSame([], $this->h->store->pendingRemovals());
	}

	public function testReconcileRemovesDepartedMembersButNeverWhileAnEnrolledGroupIsMissing(): void {
		$sales = $this->h->directory->addGroup('sales', FakeUser::make('ann'), FakeUser::make('bob'));
		$this->h->enrollment->reconcile();

		unset($this->h->directory->groups['sales']);
		$this->h->enrollment->reconcile();
		self::assertSame([], $this->h->http->requestsTo('DELETE', '/v1/users/'), 'a vanished group is not a mass departure');

		$this->h->directory->groups['sales'] = $sales;
		$sales->users = [$sales->users[0]];
		$result = $this->h->enrollment->reconcile();
		self::assertSame(1, $result['removed']);
		self::assertCount(1, $this->h->http->requestsTo('DELETE', '/v1/users/bob'));
		self::assertSame([], $this->h->tokens->liveTokensOf('bob'));
	}

	public function testDisabledMembersAreNotEnrolled(): void {
		$this->h->directory->addGroup('sales', FakeUser::make('ann'), FakeUser::make('zed', null, '', false));

		$this->h->enrollment->reconcile();

		self::assertSame(['ann'], array_column($this->h->bulkBodies()[0]['users'], 'ncUserId'));
	}

	public function testNothingIsMintedWhileTheServiceIsUnreachable(): void {
		$this->h->directory->addGroup('sales', FakeUser::make('ann'));
		$this->h->http->handler = static fn () => throw new \RuntimeException('cURL error 6: could not resolve host');

		$result = $this->h->enrollment->reconcile();

		self::assertSame([], $this->h->tokens->minted);
		self::assertStringContainsString('could not be reached', $result['errors'][0]);
	}

	public function testUserAddedToAnEnrolledGroupIsEnrolledAtOnceAndOtherGroupsAreIgnored(): void {
		$ann = FakeUser::make('ann');

		$this->h->enrollment->onUserAddedToGroup($ann, 'marketing');
		self::assertSame([], $this->h->tokens->minted);

		$this->h->enrollment->onUserAddedToGroup($ann, 'sales');
		self::assertCount(1, $this->h->tokens->minted);
		self::assertSame(['ann'], $this->h->store->enrolledUids());
	}

	public function testReEnrollingRevokesTheOlderTokenOnceTheServiceHasTheNewOne(): void {
		$ann = FakeUser::make('ann');
		$this->h->directory->addGroup('sales', $ann);
		$this->h->enrollment->reconcile();
		$first = $this->h->store->tokenId('ann');
		$this->h->store->markPushPending('ann');

		$this->h->enrollment->reconcile();

		$live = $this->h->tokens->liveTokensOf('ann');
		self::assertCount(1, $live);
		self::assertNotSame($first, $live[0]->id);
		self::assertSame($live[0]->id, $this->h->store->tokenId('ann'));
	}

	public function testNeverLogsOrReportsAnAppPasswordEvenWhenTheServiceEchoesIt(): void {
		$this->h->directory->addGroup('sales', FakeUser::make('ann'), FakeUser::make('bob'));
		$this->h->tokens->failNextMint = new \RuntimeException('mint failed');
		// A badly behaved service that quotes the request in its error message.
		$this->h->http->handler = static fn (string $m, string $url, array $options) => str_contains($url, '/bulk')
			? FakeClientService::json(500, ['code' => 'EXSYNC_INTERNAL', 'message' => 'failed on ' . json_encode($options['json'])])
			: FakeClientService::json(200, ['items' => [], 'nextCursor' => null]);

		$result = $this->h->enrollment->reconcile();

		self::assertNotEmpty($this->h->logger->records);
		self::assertNotEmpty($this->h->tokens->minted);
		foreach ($this->h->tokens->minted as $token) {
			self::assertStringNotContainsString($token->plaintext, $this->h->logger->dump());
			self::assertStringNotContainsString($token->plaintext, json_encode($result));
		}
		self::assertStringNotContainsString(Harness::API_KEY, $this->h->logger->dump());
		foreach ($this->h->prefs->prefs as $values) {
			foreach ($this->h->tokens->minted as $token) {
				self::assertNotContains($token->plaintext, $values, 'the password is never stored');
			}
		}
	}

	public function testTwoEnrolmentsRacingForOneUserLeaveTheServiceWithALiveToken(): void {
		$this->h->directory->addGroup('sales', FakeUser::make('ann'));
		$held = [];      // what the service stores: uid => app password, last write wins
		$nested = false;
		$this->h->http->handler = function (string $method, string $url, array $options) use (&$held, &$nested) {
			if (str_contains($url, '/bulk')) {
				foreach ($options['json']['users'] as $entry) {
					$held[$entry['ncUserId']] = $entry['appPassword'];
				}
				if (!$nested) {
					// The background job's push is in flight when the group listener enrols the same user.
					$nested = true;
					$this->h->enrollment->reissue('ann');
				}
			}
			return FakeClientService::json(200, ['created' => 1, 'updated' => 0, 'items' => [], 'nextCursor' => null]);
		};

		$this->h->enrollment->reconcile();

		$live = array_map(static fn ($t) => $t->plaintext, $this->h->tokens->liveTokensOf('ann'));
		self::assertContains($held['ann'], $live, 'the password the service holds must still work');
	}

	public function testDeletingAUserTheServiceNeverKnewLeavesNothingPending(): void {
		$this->h->http->handler = static fn () => FakeClientService::json(404, ['code' => 'EXSYNC_USER_NOT_FOUND', 'message' => 'No such user.']);

		$this->h->enrollment->onUserDeleted(FakeUser::make('stranger'));

		self::assertSame([], $this->h->store->pendingRemovals());
	}
}
