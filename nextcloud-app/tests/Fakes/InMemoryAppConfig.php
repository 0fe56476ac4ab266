<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Fakes;

use OCP\IAppConfig;

/**
 * IAppConfig in memory; remembers which keys were written as sensitive, and behaves like
 * lib/private/AppConfig.php where it matters: a key stored lazy is invisible to a non-lazy read
 * and vice versa (the read returns the default).
 */
abstract class InMemoryAppConfig implements IAppConfig {
	use Fake;

	/** @var array<string, mixed> */
	public array $values = [];
	/** @var array<string, bool> */
	public array $sensitive = [];
	/** @var array<string, bool> */
	public array $lazy = [];

	public function hasKey(string $app, string $key, ?bool $lazy = false): bool {
		return array_key_exists("$app/$key", $this->values) && ($lazy === null || $this->lazy["$app/$key"] === $lazy);
	}
	public function getValueString(string $app, string $key, string $default = '', bool $lazy = false): string {
		return (string)$this->read("$app/$key", $default, $lazy);
	}
	public function getValueBool(string $app, string $key, bool $default = false, bool $lazy = false): bool {
		return (bool)$this->read("$app/$key", $default, $lazy);
	}
	public function getValueArray(string $app, string $key, array $default = [], bool $lazy = false): array {
		return $this->read("$app/$key", $default, $lazy);
	}
	public function setValueString(string $app, string $key, string $value, bool $lazy = false, bool $sensitive = false): bool {
		return $this->write("$app/$key", $value, $lazy, $sensitive);
	}
	public function setValueBool(string $app, string $key, bool $value, bool $lazy = false): bool {
		return $this->write("$app/$key", $value, $lazy, false);
	}
	public function setValueArray(string $app, string $key, array $value, bool $lazy = false, bool $sensitive = false): bool {
		return $this->write("$app/$key", $value, $lazy, $sensitive);
	}
	public function deleteKey(string $app, string $key): void {
		unset($this->values["$app/$key"], $this->sensitive["$app/$key"], $this->lazy["$app/$key"]);
	}

	private function read(string $k, $default, bool $lazy) {
		if (!array_key_exists($k, $this->values) || $this->lazy[$k] !== $lazy) {
			return $default;
		}
		return $this->values[$k];
	}

	private function write(string $k, $value, bool $lazy, bool $sensitive): bool {
		$this->values[$k] = $value;
		$this->lazy[$k] = $lazy;
		$this->sensitive[$k] = $sensitive;
		return true;
	}
}
