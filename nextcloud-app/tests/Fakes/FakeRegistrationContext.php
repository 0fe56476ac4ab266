<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Fakes;

use OCP\AppFramework\Bootstrap\IRegistrationContext;

abstract class FakeRegistrationContext implements IRegistrationContext {
	use Fake;

	/** @var list<array{string, string}> */
	public array $listeners = [];
	/** @var array<string, callable> */
	public array $services = [];
	/** @var list<string> */
	public array $commands = [];

	public function registerEventListener(string $event, string $listener, int $priority = 0): void {
		$this->listeners[] = [$event, $listener];
	}
	public function registerService(string $name, callable $factory, bool $shared = true): void {
		$this->services[$name] = $factory;
	}
}
