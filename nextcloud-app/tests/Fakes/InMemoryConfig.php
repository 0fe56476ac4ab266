<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Fakes;

use OCP\IConfig;

/** The user-preference part of IConfig, in memory. */
class InMemoryConfig implements IConfig {
	/** @var array<string, array<string, string>> uid => "app/key" => value */
	public array $prefs = [];

	public function getUserValue($userId, $appName, $key, $default = '') {
		return $this->prefs[$userId]["$appName/$key"] ?? $default;
	}
	public function setUserValue($userId, $appName, $key, $value, $preCondition = null) {
		$this->prefs[$userId]["$appName/$key"] = (string)$value;
	}
	public function deleteUserValue($userId, $appName, $key) {
		unset($this->prefs[$userId]["$appName/$key"]);
	}
	public function getUsersForUserValue($appName, $key, $value) {
		$out = [];
		foreach ($this->prefs as $uid => $values) {
			if (($values["$appName/$key"] ?? null) === (string)$value) {
				$out[] = (string)$uid;
			}
		}
		return $out;
	}
}
