<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Unit\Settings;

use OCA\Exsync\Settings\AppSettings;
use OCA\Exsync\Settings\InvalidSettingException;
use OCA\Exsync\Tests\Fakes\InMemoryAppConfig;
use PHPUnit\Framework\TestCase;

class AppSettingsTest extends TestCase {
	private InMemoryAppConfig $appConfig;
	private AppSettings $settings;

	protected function setUp(): void {
		$this->appConfig = InMemoryAppConfig::make();
		$this->settings = new AppSettings($this->appConfig);
	}

	public function testOnlyAllowListedKeysCanBeUpdated(): void {
		foreach (['api_key', 'groups', 'token_id', 'anything'] as $key) {
			try {
				$this->settings->update([$key => 'x']);
				self::fail("$key was accepted");
			} catch (InvalidSettingException $e) {
				self::assertStringContainsString($key, $e->getMessage());
			}
		}
		self::assertSame([], $this->appConfig->values);
	}

	public function testAWrongTypeRefusesTheWholeUpdate(): void {
		$this->expectException(InvalidSettingException::class);
		try {
			$this->settings->update(['service_url' => 'https://sync.example.com', 'allow_local_address' => 'yes']);
		} finally {
			self::assertSame('', $this->settings->getServiceUrl());
		}
	}

	/** @return array<string, array{string}> */
	public static function badUrls(): array {
		return [
			'plain http to another host' => ['http://sync.example.com'],
			'credentials in the URL' => ['https://u:p@sync.example.com'],
			'query string' => ['https://sync.example.com/?x=1'],
			'not http' => ['ftp://sync.example.com'],
			'no host' => ['https://'],
		];
	}

	/** @dataProvider badUrls */
	public function testServiceUrlsThatCouldLeakPasswordsAreRefused(string $url): void {
		$this->expectException(InvalidSettingException::class);
		$this->settings->setServiceUrl($url);
	}

	public function testServiceUrlIsNormalizedAndLocalHttpIsAllowed(): void {
		$this->settings->setServiceUrl(' https://sync.example.com/exsync/ ');
		self::assertSame('https://sync.example.com/exsync', $this->settings->getServiceUrl());

		$this->settings->setServiceUrl('http://localhost:8080');
		self::assertSame('http://localhost:8080', $this->settings->getServiceUrl());
	}

	public function testTheApiKeyIsStoredAsASensitiveValueAndShownOnlyAsABoolean(): void {
		$this->settings->setApiKey('exs_a_b');

		self::assertTrue($this->appConfig->sensitive['exsync/api_key']);
		self::assertSame([
			'service_url' => '',
			'allow_local_address' => false,
			'allow_insecure_http' => false,
			'mailbox_rule' => 'email',
			'mailbox_template' => '',
			'mailbox_attribute' => '',
			'groups' => [],
			'api_key_set' => true,
		], $this->settings->publicView());

		$this->settings->deleteApiKey();
		self::assertFalse($this->settings->publicView()['api_key_set']);
	}

	public function testGroupsAreAListOfDistinctIdsThatStayStrings(): void {
		$this->settings->setGroups(['sales', '42', 'sales']);
		self::assertSame(['sales', '42'], $this->settings->getGroups());

		foreach ([['a' => 'sales'], [''], [7], 'sales'] as $bad) {
			try {
				$this->settings->setGroups($bad);
				self::fail('accepted ' . json_encode($bad));
			} catch (InvalidSettingException) {
			}
		}
	}

	/** The docker compose stack talks to http://sync-service:3000: allowed only once the admin ticks the switch. */
	public function testPlainHttpToAnotherHostNeedsTheExplicitSwitchInTheSameOrAnEarlierSave(): void {
		try {
			$this->settings->update(['service_url' => 'http://sync-service:3000']);
			self::fail('plain http without the switch must be refused');
		} catch (InvalidSettingException $e) {
			self::assertStringContainsString('Allow plain http', $e->getMessage());
		}
		self::assertSame('', $this->settings->getServiceUrl());

		$this->settings->update(['allow_insecure_http' => true, 'service_url' => 'http://sync-service:3000']);
		self::assertSame('http://sync-service:3000', $this->settings->getServiceUrl());
		self::assertTrue($this->settings->publicView()['allow_insecure_http']);
	}

	public function testTheHttpSwitchCannotBeTurnedOffWhileAPlainHttpUrlIsInUse(): void {
		$this->settings->update(['allow_insecure_http' => true, 'service_url' => 'http://sync-service:3000']);

		$this->expectException(InvalidSettingException::class);
		$this->settings->update(['allow_insecure_http' => false]);
	}

	/** @return array<string, array{array<string, string>}> */
	public static function badMailboxMappings(): array {
		return [
			'unknown rule' => [['mailbox_rule' => 'ldap']],
			'template without placeholder' => [['mailbox_rule' => 'template', 'mailbox_template' => 'all@corp.example']],
			'template that is no address' => [['mailbox_rule' => 'template', 'mailbox_template' => '{uid}']],
			'unknown placeholder' => [['mailbox_rule' => 'template', 'mailbox_template' => '{uid}.{dept}@corp.example']],
			'attribute that is no text property' => [['mailbox_rule' => 'attribute', 'mailbox_attribute' => 'avatar']],
		];
	}

	/**
	 * @dataProvider badMailboxMappings
	 * @param array<string, string> $input
	 */
	public function testAMailboxMappingThatCannotGiveAnAddressIsRefused(array $input): void {
		$this->expectException(InvalidSettingException::class);
		$this->settings->update($input);
	}

	public function testAMailboxTemplateIsStored(): void {
		$this->settings->update(['mailbox_rule' => 'template', 'mailbox_template' => ' {uid}@corp.example ']);

		self::assertSame('template', $this->settings->getMailboxRule());
		self::assertSame('{uid}@corp.example', $this->settings->getMailboxTemplate());
	}
}
