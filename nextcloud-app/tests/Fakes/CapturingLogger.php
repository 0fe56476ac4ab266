<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Fakes;

use Psr\Log\LoggerInterface;

/** Keeps every log call so tests can prove what was (and was not) written. */
class CapturingLogger implements LoggerInterface {
	/** @var list<array{level: string, message: string, context: array}> */
	public array $records = [];

	public function emergency($message, array $context = []) {
		$this->log('emergency', $message, $context);
	}
	public function alert($message, array $context = []) {
		$this->log('alert', $message, $context);
	}
	public function critical($message, array $context = []) {
		$this->log('critical', $message, $context);
	}
	public function error($message, array $context = []) {
		$this->log('error', $message, $context);
	}
	public function warning($message, array $context = []) {
		$this->log('warning', $message, $context);
	}
	public function notice($message, array $context = []) {
		$this->log('notice', $message, $context);
	}
	public function info($message, array $context = []) {
		$this->log('info', $message, $context);
	}
	public function debug($message, array $context = []) {
		$this->log('debug', $message, $context);
	}
	public function log($level, $message, array $context = []) {
		$this->records[] = ['level' => (string)$level, 'message' => (string)$message, 'context' => $context];
	}

	/** Everything logged, as one string (context included, exceptions as their message). */
	public function dump(): string {
		return json_encode($this->records, JSON_PARTIAL_OUTPUT_ON_ERROR) ?: '';
	}
}
