<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Unit\Controller;

use OCA\Exsync\BackgroundJob\EnrollNow;
use OCA\Exsync\Controller\AdminController;
use OCA\Exsync\Settings\Admin;
use OCA\Exsync\Tests\Fakes\FakeClientService;
use OCA\Exsync\Tests\Fakes\FakeInitialState;
use OCA\Exsync\Tests\Fakes\FakeJobList;
use OCA\Exsync\Tests\Fakes\FakeRequest;
use OCA\Exsync\Tests\Fakes\FakeUser;
use OCA\Exsync\Tests\Unit\Harness;
use OCP\AppFramework\Http\Attribute\FrontpageRoute;
use OCP\AppFramework\Http\Attribute\NoAdminRequired;
use OCP\AppFramework\Http\Attribute\PasswordConfirmationRequired;
use OCP\AppFramework\Http\JSONResponse;
use PHPUnit\Framework\TestCase;

class AdminControllerTest extends TestCase {
	private Harness $h;
	private FakeJobList $jobs;

	protected function setUp(): void {
		$this->h = new Harness();
		$this->jobs = FakeJobList::make();
	}

	private function controller(array $params = []): AdminController {
		return new AdminController(FakeRequest::make($params), $this->h->settings, $this->h->client, $this->h->directory, $this->jobs, $this->h->enrollment, $this->h->store);
	}

	private static function assertNoKey(JSONResponse $response): void {
		self::assertStringNotContainsString(Harness::API_KEY, $response->render());
	}

	public function testTheSettingsResponseSaysAKeyIsSetButNeverCarriesIt(): void {
		$response = $this->controller()->getSettings();

		self::assertTrue($response->getData()['api_key_set']);
		self::assertSame('https://sync.example.com', $response->getData()['service_url']);
		self::assertNoKey($response);
	}

	public function testTheAdminPageInitialStateNeverCarriesTheKey(): void {
		$initialState = FakeInitialState::make();

		$form = (new Admin($this->h->settings, $initialState))->getForm();

		self::assertSame('admin', $form->getTemplateName());
		self::assertTrue($initialState->states['settings']['api_key_set']);
		self::assertStringNotContainsString(Harness::API_KEY, json_encode($initialState->states));
	}

	/** @return list<array{string}> */
	public static function sensitiveEndpoints(): array {
		// saveSettings changes where the tenant key and every future app password are sent.
		return [['saveSettings'], ['saveApiKey'], ['deleteApiKey'], ['saveGroups'], ['reissueCredentials'], ['bulkReissue'], ['putExchangeConnection'], ['decideHeldDeletions']];
	}

	/** @dataProvider sensitiveEndpoints */
	public function testSensitiveEndpointsRequirePasswordConfirmationAndAnAdmin(string $method): void {
		$reflection = new \ReflectionMethod(AdminController::class, $method);

		self::assertCount(1, $reflection->getAttributes(PasswordConfirmationRequired::class));
		self::assertCount(0, $reflection->getAttributes(NoAdminRequired::class));
	}

	public function testEveryPublicEndpointIsRoutedAndAdminOnly(): void {
		$routes = [];
		foreach ((new \ReflectionClass(AdminController::class))->getMethods(\ReflectionMethod::IS_PUBLIC) as $method) {
			if ($method->isConstructor() || $method->getDeclaringClass()->getName() !== AdminController::class) {
				continue;
			}
			$route = $method->getAttributes(FrontpageRoute::class);
			self::assertCount(1, $route, $method->getName() . ' has no route');
			self::assertCount(0, $method->getAttributes(NoAdminRequired::class), $method->getName() . ' must stay admin-only');
			$instance = $route[0]->newInstance();
			$routes[] = $instance->getVerb() . ' ' . $instance->getUrl();
		}
		self::assertContains('PUT /admin/api-key', $routes);
		self::assertSame(count($routes), count(array_unique($routes)), 'no two endpoints share a route');
	}

	public function testSavingTheKeyStoresItAsASensitiveValueAndAnswersWithoutIt(): void {
		$response = $this->controller()->saveApiKey('  exs_new_AnotherSecretKey  ');

		self::assertSame(200, $response->getStatus());
		self::assertSame('exs_new_AnotherSecretKey', $this->h->settings->getApiKey());
		self::assertTrue($this->h->appConfig->sensitive['exsync/api_key']);
		self::assertStringNotContainsString('AnotherSecretKey', $response->render());
	}

	public function testAMalformedKeyIsRefusedAndTheOldOneKept(): void {
		$response = $this->controller()->saveApiKey('two words');

		self::assertSame(400, $response->getStatus());
		self::assertSame(Harness::API_KEY, $this->h->settings->getApiKey());
	}

	public function testTheGeneralSettingsEndpointCannotSetTheKey(): void {
		$response = $this->controller(['settings' => ['service_url' => 'https://other.example.com', 'api_key' => 'sneaky']])->saveSettings();

		self::assertSame(400, $response->getStatus());
		self::assertSame(Harness::API_KEY, $this->h->settings->getApiKey());
		self::assertSame('https://sync.example.com', $this->h->settings->getServiceUrl(), 'nothing half-applied');
	}

	public function testSavingSettingsAppliesTheAllowListedOnes(): void {
		$response = $this->controller(['settings' => ['service_url' => 'https://other.example.com/', 'allow_local_address' => true]])->saveSettings();

		self::assertSame(200, $response->getStatus());
		self::assertSame('https://other.example.com', $response->getData()['service_url']);
		self::assertTrue($this->h->settings->allowLocalAddress());
		self::assertNoKey($response);
	}

	/** A key issued for one service must never be sent to another: a new URL needs the key entered again. */
	public function testChangingTheServiceUrlForgetsTheStoredKey(): void {
		$response = $this->controller(['settings' => ['service_url' => 'https://attacker.example.net']])->saveSettings();

		self::assertSame(200, $response->getStatus());
		self::assertFalse($response->getData()['api_key_set']);
		self::assertSame('', $this->h->settings->getApiKey());
		self::assertSame('https://attacker.example.net', $this->h->settings->getServiceUrl());
	}

	public function testSavingTheSameServiceUrlOrOnlyTheLocalSwitchKeepsTheKey(): void {
		$same = $this->controller(['settings' => ['service_url' => 'https://sync.example.com/']])->saveSettings();
		self::assertTrue($same->getData()['api_key_set']);
		$switch = $this->controller(['settings' => ['allow_local_address' => true]])->saveSettings();
		self::assertTrue($switch->getData()['api_key_set']);
		self::assertSame(Harness::API_KEY, $this->h->settings->getApiKey());
	}

	public function testARefusedServiceUrlKeepsTheKey(): void {
		$response = $this->controller(['settings' => ['service_url' => 'http://plain.example.com']])->saveSettings();

		self::assertSame(400, $response->getStatus());
		self::assertSame(Harness::API_KEY, $this->h->settings->getApiKey());
	}

	public function testSavingGroupsQueuesEnrolmentAndCountsMembers(): void {
		$this->h->directory->addGroup('sales', FakeUser::make('ann'), FakeUser::make('bob'));

		$response = $this->controller(['groups' => ['sales']])->saveGroups();

		self::assertSame(200, $response->getStatus());
		self::assertSame(['groups' => ['sales'], 'members' => 2, 'queued' => true], $response->getData());
		self::assertSame(['sales'], $this->h->settings->getGroups());
		self::assertSame([[EnrollNow::class, null]], $this->jobs->added);
	}

	public function testAnUnknownGroupIsRefusedAndNothingQueued(): void {
		$response = $this->controller(['groups' => ['nope']])->saveGroups();

		self::assertSame(400, $response->getStatus());
		self::assertStringContainsString('nope', $response->getData()['message']);
		self::assertSame([], $this->jobs->added);
		self::assertSame([], $this->h->settings->getGroups());
	}

	public function testServiceErrorsReachThePageAsCodeAndReadableMessage(): void {
		$this->h->http->handler = static fn () => FakeClientService::json(401, ['code' => 'EXSYNC_UNAUTHENTICATED', 'message' => 'Unknown key.']);

		$response = $this->controller()->listUsers();

		self::assertSame(502, $response->getStatus());
		self::assertSame('EXSYNC_UNAUTHENTICATED', $response->getData()['code']);
		self::assertStringContainsString('API key', $response->getData()['message']);
		self::assertNoKey($response);
	}

	public function testAnUnknownUserAtTheServiceIsA404ForThePage(): void {
		$this->h->http->handler = static fn () => FakeClientService::json(404, ['code' => 'EXSYNC_USER_NOT_FOUND', 'message' => 'No such user.']);

		$response = $this->controller()->userAction('ghost', 'sync');

		self::assertSame(404, $response->getStatus());
	}

	public function testUserStatusIsReadFromTheService(): void {
		$this->h->http->handler = static fn () => FakeClientService::json(200, ['items' => [['ncUserId' => 'ann', 'state' => 'error', 'stateReason' => 'Exchange refused the mailbox.']], 'nextCursor' => null]);

		$response = $this->controller()->listUsers('error');

		self::assertSame('error', $response->getData()['items'][0]['state']);
		self::assertStringContainsString('state=error', $this->h->http->requests[0]['url']);
	}

	public function testReissuingMintsANewPasswordForAMemberAndRevokesTheOldOne(): void {
		$this->h->settings->setGroups(['sales']);
		$this->h->directory->addGroup('sales', FakeUser::make('ann'));
		$this->h->enrollment->reconcile();
		$old = $this->h->store->tokenId('ann');

		$response = $this->controller()->reissueCredentials('ann');

		self::assertSame(['reissued' => true], $response->getData());
		self::assertCount(1, $this->h->tokens->liveTokensOf('ann'));
		self::assertNotSame($old, $this->h->store->tokenId('ann'));
		self::assertStringNotContainsString($this->h->tokens->minted[1]->plaintext, $response->render());
	}

	public function testReissuingIsRefusedForSomeoneOutsideTheEnrolledGroups(): void {
		$this->h->settings->setGroups(['sales']);
		$this->h->directory->addGroup('sales');
		$this->h->directory->addGroup('other', FakeUser::make('eve'));

		$response = $this->controller()->reissueCredentials('eve');

		self::assertSame(400, $response->getStatus());
		self::assertSame([], $this->h->tokens->minted);
	}

	public function testTheUserListAlsoNamesMembersWhoseCredentialsHaveNotReachedTheService(): void {
		$this->h->store->markPushPending('bob');
		$this->h->http->handler = static fn () => FakeClientService::json(200, ['items' => [], 'nextCursor' => null]);

		$response = $this->controller()->listUsers();

		self::assertSame(['bob'], $response->getData()['pendingPush']);
	}

	public function testOneUsersStatusIsReadFromTheService(): void {
		$this->h->http->handler = static fn () => FakeClientService::json(200, ['ncUserId' => 'ann', 'state' => 'active', 'hasAppPassword' => true]);

		$response = $this->controller()->getUser('ann');

		self::assertSame('active', $response->getData()['state']);
		self::assertSame('https://sync.example.com/v1/users/ann', $this->h->http->requests[0]['url']);
	}

	/** A fake service holding $users (uid => state), answering the list (cursor pages), one user, and actions. */
	private function serviceWith(array $users, array $refuse = []): void {
		$this->h->http->handler = function (string $method, string $url) use ($users, $refuse) {
			$path = (string)parse_url($url, PHP_URL_PATH);
			parse_str((string)parse_url($url, PHP_URL_QUERY), $q);
			$row = static fn (string $uid, string $state) => ['ncUserId' => $uid, 'state' => $state, 'stateReason' => null, 'mailbox' => null, 'email' => null, 'displayName' => null, 'lastSyncAt' => null, 'lastRun' => null];
			if ($path === '/v1/user-counts') {
				// A service from before GET /v1/user-counts.
				return FakeClientService::json(404, ['code' => 'EXSYNC_ROUTE_NOT_FOUND', 'message' => 'Route GET:/v1/user-counts not found']);
			}
			if ($method === 'GET' && $path === '/v1/users') {
				$uids = array_keys(array_filter($users, static fn (string $s) => !isset($q['state']) || $s === $q['state']));
				$start = (int)($q['cursor'] ?? 0);
				$slice = array_slice($uids, $start, (int)$q['limit']);
				$next = $start + count($slice) < count($uids) ? (string)($start + count($slice)) : null;
				return FakeClientService::json(200, ['items' => array_map(static fn ($u) => $row((string)$u, $users[$u]), $slice), 'nextCursor' => $next]);
			}
			if (preg_match('#^/v1/users/([^/]+)(?:/(sync|resync|pause|resume))?$#', $path, $m)) {
				$uid = rawurldecode($m[1]);
				if (!isset($users[$uid])) {
					return FakeClientService::json(404, ['code' => 'EXSYNC_USER_NOT_FOUND', 'message' => 'no such user']);
				}
				if (isset($m[2]) && in_array($uid, $refuse, true)) {
					return FakeClientService::json(409, ['code' => 'EXSYNC_USER_NOT_SYNCABLE', 'message' => 'User is auth_required; push new credentials with PUT /v1/users/{ncUserId}.']);
				}
				return FakeClientService::json(200, $row($uid, $users[$uid]));
			}
			return FakeClientService::json(200, []);
		};
	}

	public function testCountsPerStateAreOneRequestWhenTheServiceCountsThem(): void {
		$this->h->http->handler = static fn (string $m, string $url) => str_ends_with((string)parse_url($url, PHP_URL_PATH), '/v1/user-counts')
			? FakeClientService::json(200, ['counts' => ['active' => 4990, 'error' => 10, 'paused' => 0, 'auth_required' => 0, 'throttled' => 0, 'needs_review' => 0], 'total' => 5000])
			: FakeClientService::json(500, ['code' => 'EXSYNC_INTERNAL', 'message' => 'not expected']);

		$data = $this->controller()->countUsers()->getData();

		self::assertSame(10, $data['counts']['error']);
		self::assertSame(5000, $data['total']);
		self::assertTrue($data['complete']);
		self::assertCount(1, $this->h->http->requests);
	}

	public function testCountsPerStateWalkEveryPageOfAServiceWithoutCounts(): void {
		$users = [];
		for ($i = 0; $i < 2500; $i++) {
			$users[sprintf('u%04d', $i)] = $i % 10 === 0 ? 'auth_required' : 'active';
		}
		$this->serviceWith($users);

		$data = $this->controller()->countUsers()->getData();

		self::assertSame(250, $data['counts']['auth_required']);
		self::assertSame(2250, $data['counts']['active']);
		self::assertSame(2500, $data['total']);
		self::assertTrue($data['complete']);
		self::assertCount(3, $this->h->http->requestsTo('GET', '/v1/users'), 'three pages of 1,000');
	}

	public function testSearchAndSortAreOneRequestToTheServiceWhateverTheNumberOfMatches(): void {
		$this->h->http->handler = static fn () => FakeClientService::json(200, [
			'items' => array_map(static fn (int $i) => ['ncUserId' => "lee$i", 'state' => 'active'], range(1, 50)),
			'nextCursor' => 'next-page',
		]);

		$data = $this->controller()->listUsers('error', '', '  Lee ', 50, 'lastSuccessAt', 'desc')->getData();

		self::assertCount(1, $this->h->http->requests, 'no request per match');
		$query = [];
		parse_str((string)parse_url($this->h->http->requests[0]['url'], PHP_URL_QUERY), $query);
		self::assertSame(['state' => 'error', 'q' => 'Lee', 'sort' => 'lastSuccessAt', 'order' => 'desc', 'limit' => '50'], $query);
		self::assertCount(50, $data['items']);
		self::assertSame('next-page', $data['nextCursor'], 'a search pages like the full list');
	}

	public function testAnUnknownSortOrOrderIsRefusedBeforeAnyRequest(): void {
		self::assertSame(400, $this->controller()->listUsers('', '', '', 50, 'password')->getStatus());
		self::assertSame(400, $this->controller()->listUsers('', '', '', 50, 'state', 'sideways')->getStatus());
		// The page sorts by lastSuccessAt; the deprecated alias is the service's business, not the page's.
		self::assertSame(400, $this->controller()->listUsers('', '', '', 50, 'lastSyncAt')->getStatus());
		self::assertSame([], $this->h->http->requests);
	}

	public function testTestingAMailboxAsksTheServiceAndPassesItsTypedCauseThrough(): void {
		$answer = ['ok' => false, 'mailbox' => 'nobody@corp.example', 'stateCode' => 'exchange_mailbox_not_found', 'message' => 'Exchange has no mailbox nobody@corp.example.', 'folders' => [['kind' => 'events', 'ok' => false]]];
		$this->h->http->handler = static fn () => FakeClientService::json(200, $answer);

		$byAddress = $this->controller()->testMailbox(' nobody@corp.example ')->getData();
		$byUser = $this->controller()->testMailbox('', 'ann')->getData();

		self::assertSame($answer, $byAddress);
		self::assertSame($answer, $byUser);
		$sent = array_map(static fn (array $r) => $r['options']['json'], $this->h->http->requestsTo('POST', '/v1/exchange-connection/test'));
		self::assertSame([['mailbox' => 'nobody@corp.example'], ['ncUserId' => 'ann']], $sent);
	}

	public function testTestingAMailboxNeedsExactlyOneAddressOrUser(): void {
		foreach ([['', ''], ['a@corp.example', 'ann'], ['not-an-address', '']] as [$mailbox, $user]) {
			$response = $this->controller()->testMailbox($mailbox, $user);
			self::assertSame(400, $response->getStatus());
			self::assertSame('EXSYNC_APP_INVALID_INPUT', $response->getData()['code']);
		}
		self::assertSame([], $this->h->http->requests);
	}

	public function testABulkActionReportsEachUserAndSaysWhatToDoInsteadOfCitingRoutes(): void {
		$this->serviceWith(['ann' => 'active', 'bob' => 'auth_required'], refuse: ['bob']);

		$data = $this->controller()->bulkAction('sync', ['ann', 'bob'])->getData();

		self::assertSame(1, $data['succeeded']);
		self::assertTrue($data['results'][0]['ok']);
		self::assertFalse($data['results'][1]['ok']);
		self::assertStringContainsString('Re-issue credentials', $data['results'][1]['message']);
		self::assertStringNotContainsString('/v1/', $data['results'][1]['message']);
		self::assertCount(2, $this->h->http->requestsTo('POST', '/v1/users/'));
	}

	public function testABulkActionRefusesAnUnknownActionOrAnEmptySelection(): void {
		self::assertSame(400, $this->controller()->bulkAction('delete', ['ann'])->getStatus());
		self::assertSame(400, $this->controller()->bulkAction('sync', [])->getStatus());
		self::assertSame([], $this->h->http->requests);
	}

	public function testExchangeSecretsAreWriteOnlyAnEmptySecretKeepsTheStoredOne(): void {
		$response = $this->controller(['connection' => ['kind' => 'ews', 'authKind' => 'basic', 'url' => 'https://mail.example.com/EWS/Exchange.asmx', 'username' => 'svc', 'password' => '']])->putExchangeConnection();

		self::assertSame(200, $response->getStatus());
		$sent = $this->h->http->requestsTo('PUT', '/v1/exchange-connection')[0]['options']['json'];
		self::assertSame(['kind' => 'ews', 'authKind' => 'basic', 'url' => 'https://mail.example.com/EWS/Exchange.asmx', 'username' => 'svc'], (array)$sent);
	}

	public function testTestConnectionSaysWhetherAnExchangeConnectionIsConfigured(): void {
		$this->h->http->handler = static fn (string $m, string $url) => str_contains($url, '/v1/exchange-connection')
			? FakeClientService::json(404, ['code' => 'EXSYNC_CONNECTION_NOT_FOUND', 'message' => 'none'])
			: FakeClientService::json(200, ['items' => [], 'nextCursor' => null]);

		$data = $this->controller()->testConnection()->getData();

		self::assertSame(['service' => true, 'exchange' => false, 'exchangeKind' => null], $data);
	}

	public function testAHeldDeletionDecisionNamesTheChosenIdsOrAll(): void {
		$this->h->http->handler = static fn () => FakeClientService::json(200, ['decided' => 1, 'notHeld' => [], 'job' => null]);

		$some = $this->controller()->decideHeldDeletions('ann', 'restore', ['6f1c0e0e-0000-4000-8000-000000000001']);
		$every = $this->controller()->decideHeldDeletions('ann', 'apply', null, true);

		self::assertSame(200, $some->getStatus());
		self::assertSame(200, $every->getStatus());
		$sent = array_map(static fn (array $r) => $r['options']['json'], $this->h->http->requestsTo('POST', '/v1/users/ann/held-deletions/decision'));
		self::assertSame([['decision' => 'restore', 'ids' => ['6f1c0e0e-0000-4000-8000-000000000001']], ['decision' => 'apply', 'all' => true]], $sent);
	}

	public function testAHeldDeletionDecisionWithoutAChoiceOrWithAnUnknownVerdictIsRefused(): void {
		self::assertSame(400, $this->controller()->decideHeldDeletions('ann', 'restore', [])->getStatus());
		self::assertSame(400, $this->controller()->decideHeldDeletions('ann', 'forget', ['x'])->getStatus());
		self::assertSame([], $this->h->http->requests);
	}
}
