<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Unit\Controller;

use OCA\Exsync\Controller\PersonalController;
use OCA\Exsync\Settings\Personal;
use OCA\Exsync\Tests\Fakes\FakeClientService;
use OCA\Exsync\Tests\Fakes\FakeInitialState;
use OCA\Exsync\Tests\Fakes\FakeRequest;
use OCA\Exsync\Tests\Fakes\FakeUser;
use OCA\Exsync\Tests\Fakes\FakeUserSession;
use OCA\Exsync\Tests\Unit\Harness;
use OCP\AppFramework\Http\Attribute\NoAdminRequired;
use PHPUnit\Framework\TestCase;

/** A user's own sync state and "sync now", only ever for themselves. */
class PersonalControllerTest extends TestCase {
	private Harness $h;

	protected function setUp(): void {
		$this->h = new Harness();
	}

	private function controller(?string $uid): PersonalController {
		return new PersonalController(FakeRequest::make(), FakeUserSession::make($uid === null ? null : FakeUser::make($uid)), $this->h->store, $this->h->client);
	}

	public function testSyncNowIsOpenToUsersButOnlyForTheirOwnAccount(): void {
		$this->h->store->markEnrolled('ann', 3);

		self::assertNotEmpty((new \ReflectionMethod(PersonalController::class, 'syncNow'))->getAttributes(NoAdminRequired::class));
		$response = $this->controller('ann')->syncNow();

		self::assertSame(200, $response->getStatus());
		self::assertCount(1, $this->h->http->requestsTo('POST', '/v1/users/ann/sync'));
		self::assertCount(1, $this->h->http->requests, 'no other user is touched');
	}

	public function testSomeoneNotEnrolledIsToldSoAndTheServiceIsNotAsked(): void {
		$response = $this->controller('eve')->syncNow();

		self::assertSame(400, $response->getStatus());
		self::assertStringContainsString('not enrolled', $response->getData()['message']);
		self::assertSame([], $this->h->http->requests);
	}

	public function testAStoppedSyncIsExplainedInTheUsersWordsWithoutRoutes(): void {
		$this->h->store->markEnrolled('ann', 3);
		$this->h->http->handler = static fn () => FakeClientService::json(409, ['code' => 'EXSYNC_USER_NOT_SYNCABLE', 'message' => 'push new credentials with PUT /v1/users/{ncUserId}']);

		$message = $this->controller('ann')->syncNow()->getData()['message'];

		self::assertStringContainsString('administrator', $message);
		self::assertStringNotContainsString('/v1/', $message);
	}

	public function testThePersonalPageShowsTheOwnStateAndNothingElse(): void {
		$this->h->store->markEnrolled('ann', 3);
		$this->h->http->handler = static fn () => FakeClientService::json(200, ['ncUserId' => 'ann', 'loginName' => 'ann', 'state' => 'error', 'stateReason' => 'The mailbox does not exist', 'lastSuccessAt' => '2026-12-01T08:00:00.000Z', 'lastAttemptAt' => '2026-12-06T09:00:00.000Z', 'lastSyncAt' => '2026-12-01T08:00:00.000Z', 'mailbox' => 'ann@x.example', 'email' => null, 'displayName' => 'Ann', 'hasAppPassword' => true, 'createdAt' => 'x', 'updatedAt' => 'x', 'lastRun' => null]);
		$state = FakeInitialState::make();

		(new Personal(FakeUserSession::make(FakeUser::make('ann')), $this->h->store, $this->h->client, $state))->getForm();

		self::assertTrue($state->states['personal']['enrolled']);
		self::assertSame('error', $state->states['personal']['user']['state']);
		self::assertArrayNotHasKey('loginName', $state->states['personal']['user']);
		// The last success and the last attempt apart; the deprecated alias is not passed on.
		self::assertSame('2026-12-01T08:00:00.000Z', $state->states['personal']['user']['lastSuccessAt']);
		self::assertSame('2026-12-06T09:00:00.000Z', $state->states['personal']['user']['lastAttemptAt']);
		self::assertArrayNotHasKey('lastSyncAt', $state->states['personal']['user']);
		self::assertSame('/v1/users/ann', parse_url($this->h->http->requests[0]['url'], PHP_URL_PATH));
	}
}
