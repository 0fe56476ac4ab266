<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Unit;

use OCA\Exsync\Service\AppPasswordMinter;
use OCA\Exsync\Service\EnrollmentService;
use OCA\Exsync\Service\EnrollmentStore;
use OCA\Exsync\Service\ServiceClient;
use OCA\Exsync\Settings\AppSettings;
use OCA\Exsync\Tests\Fakes\CapturingLogger;
use OCA\Exsync\Tests\Fakes\FakeClientService;
use OCA\Exsync\Tests\Fakes\FakeDirectory;
use OCA\Exsync\Tests\Fakes\FakeTokenProvider;
use OCA\Exsync\Tests\Fakes\FakeUserManager;
use OCA\Exsync\Tests\Fakes\InMemoryAppConfig;
use OCA\Exsync\Tests\Fakes\InMemoryConfig;
use OCA\Exsync\Tests\Fakes\SequenceRandom;

/** The app's services wired over fakes, as Nextcloud's container would wire them over the real thing. */
class Harness {
	public const API_KEY = 'exs_abcd1234_TopSecretTenantKeyValue';

	public InMemoryAppConfig $appConfig;
	public InMemoryConfig $config;
	public AppSettings $settings;
	public FakeDirectory $directory;
	public FakeTokenProvider $tokens;
	public FakeClientService $http;
	public CapturingLogger $logger;
	public EnrollmentStore $store;
	public ServiceClient $client;
	public EnrollmentService $enrollment;

	public function __construct(int $batchSize = ServiceClient::BULK_LIMIT) {
		$this->appConfig = new InMemoryAppConfig();
		$this->config = new InMemoryConfig();
		$this->settings = new AppSettings($this->appConfig);
		$this->settings->setServiceUrl('https://sync.example.com');
		$this->settings->setApiKey(self::API_KEY);
		$this->directory = new FakeDirectory();
		$this->tokens = new FakeTokenProvider();
		$this->http = new FakeClientService();
		$this->logger = new CapturingLogger();
		$this->store = new EnrollmentStore($this->config, $this->appConfig);
		$this->client = new ServiceClient($this->http, $this->settings, $this->logger);
		$this->enrollment = new EnrollmentService(
			$this->settings,
			$this->directory,
			new FakeUserManager($this->directory),
			new AppPasswordMinter($this->tokens, new SequenceRandom()),
			$this->client,
			$this->store,
			$this->logger,
			$batchSize,
		);
	}

	/** Bodies of every bulk upsert sent so far. */
	public function bulkBodies(): array {
		return array_map(static fn (array $r) => $r['options']['json'], $this->http->requestsTo('POST', '/v1/users/bulk'));
	}
}
