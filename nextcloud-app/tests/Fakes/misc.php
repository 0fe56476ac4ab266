<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Fakes;

use OCP\AppFramework\Services\IInitialState;
use OCP\BackgroundJob\IJobList;
use OCP\IRequest;
use OCP\Security\ISecureRandom;
use Psr\Container\ContainerInterface;

class FakeRequest implements IRequest {
	public function __construct(public array $params = []) {
	}
	public function getParam(string $key, $default = null) {
		return $this->params[$key] ?? $default;
	}
	public function getParams(): array {
		return $this->params;
	}
}

class FakeInitialState implements IInitialState {
	public array $states = [];
	public function provideInitialState(string $key, $data): void {
		$this->states[$key] = $data;
	}
	public function provideLazyInitialState(string $key, \Closure $closure): void {
		$this->states[$key] = $closure();
	}
}

class FakeJobList implements IJobList {
	public array $added = [];
	public function add($job, $argument = null): void {
		$this->added[] = [$job, $argument];
	}
	public function has($job, $argument): bool {
		return in_array([$job, $argument], $this->added, true);
	}
}

/** Distinct, recognisable "random" strings of the asked length and alphabet. */
class SequenceRandom implements ISecureRandom {
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
