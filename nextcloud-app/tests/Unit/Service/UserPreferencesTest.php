<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Unit\Service;

use OCA\Exsync\Service\UserPreferences;
use OCA\Exsync\Tests\Fakes\ArrayContainer;
use OCA\Exsync\Tests\Fakes\InMemoryConfig;
use OCA\Exsync\Tests\Fakes\InMemoryUserConfig;
use OCA\Exsync\Tests\Fakes\UserPrefsStore;
use OCP\IConfig;
use PHPUnit\Framework\TestCase;

class UserPreferencesTest extends TestCase {
	public function testUsesIUserConfigWhereTheServerHasItAndIConfigOnlyBefore(): void {
		$viaUserConfig = new UserPrefsStore();
		$viaConfig = new UserPrefsStore();
		$services = [IConfig::class => InMemoryConfig::make($viaConfig)];
		$hasUserConfig = interface_exists(\OCP\Config\IUserConfig::class);
		if ($hasUserConfig) {
			$services[\OCP\Config\IUserConfig::class] = InMemoryUserConfig::make($viaUserConfig);
		}

		$prefs = UserPreferences::fromContainer(new ArrayContainer($services));
		$prefs->set('ann', 'exsync', 'enrolled', '1');

		// 34: the deprecated IConfig user values are never touched; 30: IUserConfig does not exist.
		self::assertSame($hasUserConfig ? [] : ['ann'], $viaConfig->usersWith('exsync/enrolled', '1'));
		self::assertSame($hasUserConfig ? ['ann'] : [], $viaUserConfig->usersWith('exsync/enrolled', '1'));
		self::assertSame(EXSYNC_TEST_OCP_RELEASE !== '30.0.9', $hasUserConfig, 'IUserConfig exists from 32');
	}

	public function testReadsWritesListsAndDeletesThroughEitherApi(): void {
		$store = new UserPrefsStore();
		$prefs = interface_exists(\OCP\Config\IUserConfig::class)
			? UserPreferences::overUserConfig(InMemoryUserConfig::make($store))
			: UserPreferences::overConfig(InMemoryConfig::make($store));

		$prefs->set('ann', 'exsync', 'token_id', '7');
		$prefs->set('bob', 'exsync', 'token_id', '7');
		$prefs->set('eve', 'exsync', 'token_id', '8');

		self::assertSame('7', $prefs->get('ann', 'exsync', 'token_id'));
		self::assertSame('', $prefs->get('zoe', 'exsync', 'token_id'));
		self::assertSame(['ann', 'bob'], $prefs->usersWith('exsync', 'token_id', '7'));
		$prefs->delete('ann', 'exsync', 'token_id');
		self::assertSame(['bob'], $prefs->usersWith('exsync', 'token_id', '7'));
	}
}
