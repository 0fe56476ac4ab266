<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Unit;

use OCA\Exsync\Service\AppPasswordMinter;
use OCA\Exsync\Service\EnrollmentService;
use OCA\Exsync\Service\EnrollmentStore;
use OCA\Exsync\Service\MailboxMapper;
use OCA\Exsync\Tests\Fakes\FakeAccountManager;
use OCA\Exsync\Service\ServiceClient;
use OCA\Exsync\Settings\AppSettings;
use OCA\Exsync\Tests\Fakes\CapturingLogger;
use OCA\Exsync\Tests\Fakes\FakeClientService;
use OCA\Exsync\Tests\Fakes\FakeDirectory;
use OCA\Exsync\Tests\Fakes\FakeTokenProvider;
use OCA\Exsync\Tests\Fakes\FakeUserManager;
use OCA\Exsync\Tests\Fakes\InMemoryAppConfig;
use OCA\Exsync\Service\UserPreferences;
use OCA\Exsync\Tests\Fakes\InMemoryConfig;
use OCA\Exsync\Tests\Fakes\InMemoryUserConfig;
use OCA\Exsync\Tests\Fakes\UserPrefsStore;
use OCA\Exsync\Tests\Fakes\SequenceRandom;

/** The app's services wired over fakes, as Nextcloud's container would wire them over the real thing. */
class Harness {
	public const API_KEY = 'exs_abcd1234_TopSecretTenantKeyValue';

	public InMemoryAppConfig $appConfig;
	/** Every user preference the app wrote, whichever API it went through. */
	public UserPrefsStore $prefs;
	public AppSettings $settings;
	public FakeDirectory $directory;
	public FakeAccountManager $accounts;
	public FakeTokenProvider $tokens;
	public FakeClientService $http;
	public CapturingLogger $logger;
	public EnrollmentStore $store;
	public ServiceClient $client;
	public EnrollmentService $enrollment;

	public function __construct(int $batchSize = ServiceClient::BULK_LIMIT) {
		$this->appConfig = InMemoryAppConfig::make();
		$this->prefs = new UserPrefsStore();
		// As Application wires it: IUserConfig where the Nextcloud API under test has it (≥ 32), IConfig before.
		$userPrefs = interface_exists(\OCP\Config\IUserConfig::class)
			? UserPreferences::overUserConfig(InMemoryUserConfig::make($this->prefs))
			: UserPreferences::overConfig(InMemoryConfig::make($this->prefs));
		$this->settings = new AppSettings($this->appConfig);
		$this->settings->setServiceUrl('https://sync.example.com');
		$this->settings->setApiKey(self::API_KEY);
		$this->directory = FakeDirectory::make();
		$this->accounts = FakeAccountManager::make();
		$this->tokens = new FakeTokenProvider();
		$this->http = FakeClientService::make();
		$this->logger = new CapturingLogger();
		$this->store = new EnrollmentStore($userPrefs, $this->appConfig);
		$this->client = new ServiceClient($this->http, $this->settings, $this->logger);
		$this->enrollment = new EnrollmentService(
			$this->settings,
			$this->directory,
			FakeUserManager::make($this->directory),
			new AppPasswordMinter($this->tokens, SequenceRandom::make()),
			$this->client,
			$this->store,
			$this->logger,
			new MailboxMapper($this->settings, $this->accounts),
			$batchSize,
		);
	}

	/** Bodies of every bulk upsert sent so far. */
	public function bulkBodies(): array {
		return array_map(static fn (array $r) => $r['options']['json'], $this->http->requestsTo('POST', '/v1/users/bulk'));
	}
}
