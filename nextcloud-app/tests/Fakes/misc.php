<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Fakes;

use OCP\AppFramework\Services\IInitialState;
use OCP\AppFramework\Utility\ITimeFactory;
use OCP\BackgroundJob\IJobList;
use OCP\IRequest;
use OCP\Security\ISecureRandom;
use Psr\Container\ContainerInterface;

abstract class FakeRequest implements IRequest {
	use Fake;

	public function __construct(public array $params = []) {
	}
	public function getParam(string $key, $default = null) {
		return $this->params[$key] ?? $default;
	}
	public function getParams(): array {
		return $this->params;
	}
}

abstract class FakeInitialState implements IInitialState {
	use Fake;

	public array $states = [];
	public function provideInitialState(string $key, $data): void {
		$this->states[$key] = $data;
	}
	public function provideLazyInitialState(string $key, \Closure $closure): void {
		$this->states[$key] = $closure();
	}
}

abstract class FakeJobList implements IJobList {
	use Fake;

	public array $added = [];
	// Untyped $job: Nextcloud 34 widened it to IJob|string (30 has no type); this fits both.
	public function add($job, $argument = null): void {
		$this->added[] = [$job, $argument];
	}
	public function has($job, $argument): bool {
		return in_array([$job, $argument], $this->added, true);
	}
}

abstract class FixedTime implements ITimeFactory {
	use Fake;

	public function __construct(public int $now = 0) {
	}
	public function getTime(): int {
		return $this->now;
	}
}

/** Distinct, recognisable "random" strings of the asked length and alphabet. */
abstract class SequenceRandom implements ISecureRandom {
	use Fake;

	private int $n = 0;
	public function generate(int $length, string $characters = self::CHAR_ALPHANUMERIC): string {
		$this->n++;
		$seed = 'Secret' . $this->n . 'x';
		$out = '';
		while (strlen($out) < $length) {
			$out .= $seed;
		}
		return substr($out, 0, $length);
	}
}

class ArrayContainer implements ContainerInterface {
	public function __construct(private array $services) {
	}
	public function get(string $id) {
		return $this->services[$id];
	}
	public function has(string $id): bool {
		return isset($this->services[$id]);
	}
}

/** The server's language factory, as OCP\Util::addScript() asks it for the user's language. */
abstract class FakeL10nFactory implements \OCP\L10N\IFactory {
	use Fake;

	/** What the browser shell sets from its language cookie; English otherwise. */
	public static string $language = 'en';

	public function findLanguage(?string $appId = null): string {
		return self::$language;
	}
}

/** The logged-in user, or nobody. */
abstract class FakeUserSession implements \OCP\IUserSession {
	use Fake;

	public function __construct(public ?\OCP\IUser $user = null) {
	}
	public function getUser() {
		return $this->user;
	}
}

/** Nextcloud's session as the app reads it: only get(), over an array of what login put there. */
abstract class FakeSession implements \OCP\ISession {
	use Fake;

	public function __construct(public array $values = []) {
	}
	public function get(string $key) {
		return $this->values[$key] ?? null;
	}
}
