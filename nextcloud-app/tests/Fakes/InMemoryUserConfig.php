<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Fakes;

// OCP\Config\IUserConfig exists from Nextcloud 32; on the 30 API this fake is not declared at all.
if (interface_exists(\OCP\Config\IUserConfig::class)) {
	/** IUserConfig (Nextcloud ≥ 32) in memory, over the same store as InMemoryConfig. */
	abstract class InMemoryUserConfig implements \OCP\Config\IUserConfig {
		use Fake;

		public function __construct(public UserPrefsStore $store = new UserPrefsStore()) {
		}
		public function getValueString(string $userId, string $app, string $key, string $default = '', bool $lazy = false): string {
			return $this->store->prefs[$userId]["$app/$key"] ?? $default;
		}
		public function setValueString(string $userId, string $app, string $key, string $value, bool $lazy = false, int $flags = 0): bool {
			$this->store->prefs[$userId]["$app/$key"] = $value;
			return true;
		}
		public function deleteUserConfig(string $userId, string $app, string $key): void {
			unset($this->store->prefs[$userId]["$app/$key"]);
		}
		public function searchUsersByValueString(string $app, string $key, string $value, bool $caseInsensitive = false): \Generator {
			yield from $this->store->usersWith("$app/$key", $value);
		}
	}
}
