<?php

declare(strict_types=1);

namespace OCA\Exsync\AppInfo;

use OCA\DAV\Events\SabrePluginAddEvent;
use OCA\Exsync\Listener\SabrePluginAddListener;
use OCA\Exsync\Listener\UserAddedToGroupListener;
use OCA\Exsync\Listener\UserDeletedListener;
use OCA\Exsync\Listener\UserRemovedFromGroupListener;
use OCA\Exsync\Service\UserPreferences;
use OCP\AppFramework\App;
use OCP\AppFramework\Bootstrap\IBootContext;
use OCP\AppFramework\Bootstrap\IBootstrap;
use OCP\AppFramework\Bootstrap\IRegistrationContext;
use OCP\Group\Events\UserAddedEvent;
use OCP\Group\Events\UserRemovedEvent;
use OCP\User\Events\UserDeletedEvent;
use Psr\Container\ContainerInterface;

class Application extends App implements IBootstrap {
	public const APP_ID = 'exsync';

	public function __construct(array $urlParams = []) {
		parent::__construct(self::APP_ID, $urlParams);
	}

	public function register(IRegistrationContext $context): void {
		$context->registerEventListener(UserAddedEvent::class, UserAddedToGroupListener::class);
		$context->registerEventListener(UserRemovedEvent::class, UserRemovedFromGroupListener::class);
		$context->registerEventListener(UserDeletedEvent::class, UserDeletedListener::class);
		// In register(), not boot(): DAV requests load apps without booting them all.
		$context->registerEventListener(SabrePluginAddEvent::class, SabrePluginAddListener::class);
		// IUserConfig on Nextcloud ≥ 32, IConfig before (its user-value methods are deprecated from 33).
		$context->registerService(UserPreferences::class, static fn (ContainerInterface $c): UserPreferences => UserPreferences::fromContainer($c));
	}

	public function boot(IBootContext $context): void {
	}
}
