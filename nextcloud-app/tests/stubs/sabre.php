<?php

declare(strict_types=1);

// sabre/dav 4.x and sabre/vobject 4.x, only the members the scheduling guard uses,
// plus apps/dav's SabrePluginAddEvent (OCA\DAV\Events, since NC 28).

namespace Sabre\DAV {
	class Server {
		/** @var array<string, list<array{0: callable, 1: int}>> */
		public array $listeners = [];
		public function on(string $eventName, callable $callBack, int $priority = 100) {
			$this->listeners[$eventName][] = [$callBack, $priority];
		}
		public function addPlugin(ServerPlugin $plugin) {
			$plugin->initialize($this);
		}
		/** Sabre\Event\EmitterTrait semantics: by priority, stops at the first listener returning false. */
		public function emit(string $eventName, array $arguments = []): bool {
			$listeners = $this->listeners[$eventName] ?? [];
			usort($listeners, static fn (array $a, array $b): int => $a[1] <=> $b[1]);
			foreach ($listeners as [$callBack]) {
				if (\call_user_func_array($callBack, $arguments) === false) {
					return false;
				}
			}
			return true;
		}
	}

	abstract class ServerPlugin {
		abstract public function initialize(Server $server);
		public function getPluginName() {
			return \get_class($this);
		}
		public function getFeatures() {
			return [];
		}
		public function getPluginInfo() {
			return ['name' => $this->getPluginName(), 'description' => null, 'link' => null];
		}
	}
}

namespace Sabre\VObject\ITip {
	class Message {
		public $uid;
		public $component;
		public $method;
		public $sequence;
		public $sender;
		public $senderName;
		public $recipient;
		public $recipientName;
		public $scheduleStatus;
		public $message;
		public $significantChange = true;
	}
}

namespace OCA\DAV\Events {
	use OCP\EventDispatcher\Event;
	use Sabre\DAV\Server;

	class SabrePluginAddEvent extends Event {
		public function __construct(private Server $server) {
			parent::__construct();
		}
		public function getServer(): Server {
			return $this->server;
		}
	}
}
