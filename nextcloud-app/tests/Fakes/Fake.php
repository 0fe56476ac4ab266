<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Fakes;

use PHPUnit\Framework\MockObject\Generator;

/**
 * Makes a concrete object of an abstract fake. Each fake in this folder is an abstract class implementing the
 * REAL Nextcloud interface with only the methods the app uses; PHP checks those against the interface when the
 * class loads (a drifted signature is fatal). Every other method of the interface is filled in by PHPUnit's mock
 * generator with return-value generation OFF, so calling a method the fake does not model fails the test with
 * "no expectation set up for …" instead of returning a made-up value.
 */
trait Fake {
	public static function make(mixed ...$args): static {
		$abstract = [];
		foreach ((new \ReflectionClass(static::class))->getMethods() as $method) {
			if ($method->isAbstract()) {
				$abstract[] = $method->getName();
			}
		}
		if ($abstract === []) {
			// The fake models the whole interface of this release; PHPUnit would read an empty list as "mock all".
			$concrete = static::class . '__Complete';
			if (!class_exists($concrete, false)) {
				$at = strrpos($concrete, '\\');
				eval('namespace ' . substr($concrete, 0, $at) . '; final class ' . substr($concrete, $at + 1) . ' extends \\' . static::class . ' {}');
			}
			return new $concrete(...array_values($args));
		}
		/** @var static $fake */
		$fake = (new Generator())->getMock(
			static::class,
			$abstract,
			array_values($args),
			'',
			true,
			true,
			true,
			false,
			false,
			null,
			false,
			false,
		);
		return $fake;
	}
}
