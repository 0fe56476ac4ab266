<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Fakes;

use OCP\IAppConfig;

/** IAppConfig in memory; remembers which keys were written as sensitive. */
class InMemoryAppConfig implements IAppConfig {
	/** @var array<string, mixed> */
	public array $values = [];
	/** @var array<string, bool> */
	public array $sensitive = [];

	public function hasKey(string $app, string $key, ?bool $lazy = false): bool {
		return array_key_exists("$app/$key", $this->values);
	}
	public function getValueString(string $app, string $key, string $default = '', bool $lazy = false): string {
		return (string)($this->values["$app/$key"] ?? $default);
	}
	public function getValueBool(string $app, string $key, bool $default = false, bool $lazy = false): bool {
		return (bool)($this->values["$app/$key"] ?? $default);
	}
	public function getValueArray(string $app, string $key, array $default = [], bool $lazy = false): array {
		return $this->values["$app/$key"] ?? $default;
	}
	public function setValueString(string $app, string $key, string $value, bool $lazy = false, bool $sensitive = false): bool {
		$this->values["$app/$key"] = $value;
		$this->sensitive["$app/$key"] = $sensitive;
		return true;
	}
	public function setValueBool(string $app, string $key, bool $value, bool $lazy = false): bool {
		$this->values["$app/$key"] = $value;
		return true;
	}
	public function setValueArray(string $app, string $key, array $value, bool $lazy = false, bool $sensitive = false): bool {
		$this->values["$app/$key"] = $value;
		$this->sensitive["$app/$key"] = $sensitive;
		return true;
	}
	public function deleteKey(string $app, string $key): void {
		unset($this->values["$app/$key"], $this->sensitive["$app/$key"]);
	}
}
