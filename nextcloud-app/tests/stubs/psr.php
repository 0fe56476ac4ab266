<?php

declare(strict_types=1);

// Signatures of psr/log 1.1 and psr/container 1.1 (what Nextcloud 30–33 ship), bodies left out.

namespace Psr\Log {
	interface LoggerInterface {
		public function emergency($message, array $context = []);
		public function alert($message, array $context = []);
		public function critical($message, array $context = []);
		public function error($message, array $context = []);
		public function warning($message, array $context = []);
		public function notice($message, array $context = []);
		public function info($message, array $context = []);
		public function debug($message, array $context = []);
		public function log($level, $message, array $context = []);
	}
}

namespace Psr\Container {
	interface ContainerInterface {
		public function get(string $id);
		public function has(string $id): bool;
	}
}
