<?php

declare(strict_types=1);

// The OCP\ interfaces the app uses, signatures copied from nextcloud/server lib/public (stable30–33).
// Swap this folder for nextcloud/ocp where Packagist is reachable.

namespace OCP {
	interface IUser {
		public function getUID();
		public function getDisplayName();
		public function getEMailAddress();
		public function isEnabled();
	}

	interface IGroup {
		public function getGID();
		public function getDisplayName();
		public function getUsers();
		public function searchUsers(string $search, ?int $limit = null, ?int $offset = null): array;
	}

	interface IGroupManager {
		public function get($gid);
		public function search(string $search, ?int $limit = null, ?int $offset = null);
		public function isInGroup($userId, $group);
		public function getUserGroupIds(IUser $user);
	}

	interface IUserManager {
		public function get($uid);
		public function getByEmail($email);
	}

	interface IAppConfig {
		public function hasKey(string $app, string $key, ?bool $lazy = false): bool;
		public function getValueString(string $app, string $key, string $default = '', bool $lazy = false): string;
		public function getValueBool(string $app, string $key, bool $default = false, bool $lazy = false): bool;
		public function getValueArray(string $app, string $key, array $default = [], bool $lazy = false): array;
		public function setValueString(string $app, string $key, string $value, bool $lazy = false, bool $sensitive = false): bool;
		public function setValueBool(string $app, string $key, bool $value, bool $lazy = false): bool;
		public function setValueArray(string $app, string $key, array $value, bool $lazy = false, bool $sensitive = false): bool;
		public function deleteKey(string $app, string $key): void;
	}

	interface IConfig {
		public function getUserValue($userId, $appName, $key, $default = '');
		public function setUserValue($userId, $appName, $key, $value, $preCondition = null);
		public function deleteUserValue($userId, $appName, $key);
		public function getUsersForUserValue($appName, $key, $value);
	}

	interface IRequest {
		public function getParam(string $key, $default = null);
		public function getParams(): array;
	}

	interface IURLGenerator {
		public function linkToRoute(string $routeName, array $arguments = []): string;
		public function imagePath(string $appName, string $file): string;
	}

	interface IL10N {
		public function t(string $text, $parameters = []): string;
	}

	class Util {
		public static function addScript(string $application, ?string $file = null, string $afterAppId = 'core', bool $prepend = false): void {
		}
		public static function addStyle(string $application, ?string $file = null, bool $prepend = false): void {
		}
	}
}

namespace OCP\Security {
	interface ISecureRandom {
		public const CHAR_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
		public const CHAR_LOWER = 'abcdefghijklmnopqrstuvwxyz';
		public const CHAR_DIGITS = '0123456789';
		public const CHAR_SYMBOLS = '!\"#$%&\\\'()*+,-./:;<=>?@[\]^_`{|}~';
		public const CHAR_ALPHANUMERIC = self::CHAR_UPPER . self::CHAR_LOWER . self::CHAR_DIGITS;
		public function generate(int $length, string $characters = self::CHAR_ALPHANUMERIC): string;
	}
}

namespace OCP\Http\Client {
	interface IResponse {
		public function getBody();
		public function getStatusCode(): int;
		public function getHeader(string $key): string;
		public function getHeaders(): array;
	}

	interface IClient {
		public function get(string $uri, array $options = []): IResponse;
		public function post(string $uri, array $options = []): IResponse;
		public function put(string $uri, array $options = []): IResponse;
		public function delete(string $uri, array $options = []): IResponse;
	}

	interface IClientService {
		public function newClient(): IClient;
	}
}

namespace OCP\AppFramework\Utility {
	interface ITimeFactory {
		public function getTime(): int;
	}
}

namespace OCP\BackgroundJob {
	use OCP\AppFramework\Utility\ITimeFactory;

	interface IJobList {
		public function add($job, $argument = null): void;
		public function has($job, $argument): bool;
	}

	abstract class Job {
		public function __construct(protected ITimeFactory $time) {
		}
		abstract protected function run($argument);
	}

	abstract class TimedJob extends Job {
		public const TIME_INSENSITIVE = 0;
		public const TIME_SENSITIVE = 1;
		protected int $interval = 0;
		protected int $timeSensitivity = self::TIME_SENSITIVE;
		public function setInterval(int $seconds) {
			$this->interval = $seconds;
		}
		public function getInterval(): int {
			return $this->interval;
		}
		public function setTimeSensitivity(int $sensitivity): void {
			$this->timeSensitivity = $sensitivity;
		}
		/** Test seam: upstream calls run() from start(IJobList) after the interval check. */
		public function runForTest($argument): void {
			$this->run($argument);
		}
	}

	abstract class QueuedJob extends Job {
		public function runForTest($argument): void {
			$this->run($argument);
		}
	}
}

namespace OCP\EventDispatcher {
	class Event {
		public function __construct() {
		}
	}

	/** @template T of Event */
	interface IEventListener {
		public function handle(Event $event): void;
	}
}

namespace OCP\Group\Events {
	use OCP\EventDispatcher\Event;
	use OCP\IGroup;
	use OCP\IUser;

	class UserAddedEvent extends Event {
		public function __construct(private IGroup $group, private IUser $user) {
			parent::__construct();
		}
		public function getGroup(): IGroup {
			return $this->group;
		}
		public function getUser(): IUser {
			return $this->user;
		}
	}

	class UserRemovedEvent extends Event {
		public function __construct(private IGroup $group, private IUser $user) {
			parent::__construct();
		}
		public function getGroup(): IGroup {
			return $this->group;
		}
		public function getUser(): IUser {
			return $this->user;
		}
	}
}

namespace OCP\User\Events {
	use OCP\EventDispatcher\Event;
	use OCP\IUser;

	class UserDeletedEvent extends Event {
		public function __construct(private IUser $user) {
			parent::__construct();
		}
		public function getUser(): IUser {
			return $this->user;
		}
	}
}

namespace OCP\Settings {
	use OCP\AppFramework\Http\TemplateResponse;

	interface ISettings {
		public function getForm();
		public function getSection();
		public function getPriority();
	}

	interface IIconSection {
		public function getID();
		public function getName();
		public function getPriority();
		public function getIcon();
	}
}

namespace OCP\AppFramework\Bootstrap {
	interface IRegistrationContext {
		public function registerEventListener(string $event, string $listener, int $priority = 0): void;
	}

	interface IBootContext {
	}

	interface IBootstrap {
		public function register(IRegistrationContext $context): void;
		public function boot(IBootContext $context): void;
	}
}

namespace OCP\AppFramework\Services {
	interface IInitialState {
		public function provideInitialState(string $key, $data): void;
		public function provideLazyInitialState(string $key, \Closure $closure): void;
	}
}
