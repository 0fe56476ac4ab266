<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Fakes;

use Psr\Log\AbstractLogger;

/** Keeps every log call so tests can prove what was (and was not) written. */
class CapturingLogger extends AbstractLogger {
	/** @var list<array{level: string, message: string, context: array}> */
	public array $records = [];

	public function log($level, string|\Stringable $message, array $context = []): void {
		$this->records[] = ['level' => (string)$level, 'message' => (string)$message, 'context' => $context];
	}

	/** Everything logged, as one string (context included, exceptions as their message). */
	public function dump(): string {
		return json_encode($this->records, JSON_PARTIAL_OUTPUT_ON_ERROR) ?: '';
	}
}
