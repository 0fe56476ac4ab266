<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Fakes;

use OCP\AppFramework\Bootstrap\IRegistrationContext;

class FakeRegistrationContext implements IRegistrationContext {
	/** @var list<array{string, string}> */
	public array $listeners = [];
	public function registerEventListener(string $event, string $listener, int $priority = 0): void {
		$this->listeners[] = [$event, $listener];
	}
}
