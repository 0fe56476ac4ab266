<?php

declare(strict_types=1);

// Nextcloud's PRIVATE classes that the real public OCP helpers reach into: \OC (only the server container
// that OCP\Server::get() reads; bootstrap.php fills it with what tests need) and OC\AppScriptDependency
// (what OCP\Util::addScript() records per app).

namespace {
	final class OC {
		public static \Psr\Container\ContainerInterface $server;
	}

	/** lib/private/legacy/OC_Util.php: Nextcloud 30's OCP\Util::addStyle() delegates to it. */
	final class OC_Util {
		/** @var list<string> */
		public static array $styles = [];
		public static function addStyle($application, $file = null, $prepend = false): void {
			self::$styles[] = $application . '/' . $file;
		}
	}
}

namespace OC {
	class AppScriptDependency {
		/** @param list<string> $deps */
		public function __construct(private string $id, private array $deps = []) {
		}
		public function addDep(string $dep): void {
			if (!in_array($dep, $this->deps, true)) {
				$this->deps[] = $dep;
			}
		}
		public function getId(): string {
			return $this->id;
		}
		/** @return list<string> */
		public function getDeps(): array {
			return $this->deps;
		}
	}
}
