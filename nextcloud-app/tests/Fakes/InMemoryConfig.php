<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Fakes;

use OCP\IConfig;

/**
 * The user-preference part of IConfig (what Nextcloud 30–31 offer; deprecated from 33), in memory. Shares
 * its store with InMemoryUserConfig so a test can read what either API wrote.
 */
abstract class InMemoryConfig implements IConfig {
	use Fake;

	public function __construct(public UserPrefsStore $store = new UserPrefsStore()) {
	}
	public function getUserValue($userId, $appName, $key, $default = '') {
		return $this->store->prefs[$userId]["$appName/$key"] ?? $default;
	}
	public function setUserValue($userId, $appName, $key, $value, $preCondition = null) {
		$this->store->prefs[$userId]["$appName/$key"] = (string)$value;
	}
	public function deleteUserValue($userId, $appName, $key) {
		unset($this->store->prefs[$userId]["$appName/$key"]);
	}
	public function getUsersForUserValue($appName, $key, $value) {
		return $this->store->usersWith("$appName/$key", (string)$value);
	}
}

final class UserPrefsStore {
	/** @var array<string, array<string, string>> uid => "app/key" => value */
	public array $prefs = [];

	/** @return list<string> */
	public function usersWith(string $appKey, string $value): array {
		$out = [];
		foreach ($this->prefs as $uid => $values) {
			if (($values[$appKey] ?? null) === $value) {
				$out[] = (string)$uid;
			}
		}
		return $out;
	}
}
