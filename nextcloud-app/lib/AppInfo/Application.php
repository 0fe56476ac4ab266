<?php

declare(strict_types=1);

namespace OCA\Exsync\AppInfo;

use OCA\DAV\Events\SabrePluginAddEvent;
use OCA\Exsync\Listener\SabrePluginAddListener;
use OCA\Exsync\Listener\UserAddedToGroupListener;
use OCA\Exsync\Listener\UserDeletedListener;
use OCA\Exsync\Listener\UserRemovedFromGroupListener;
use OCA\Exsync\Push\ChangeListener;
use OCA\Exsync\Push\ChangeNotifier;
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
		// Push to the sync service: calendar objects and cards of enrolled users' synced collections. Registered by
		// name: which of these classes exist depends on the Nextcloud release (see ChangeListener).
		foreach ([...ChangeListener::CALENDAR_EVENTS, ...ChangeListener::CARD_EVENTS] as $event) {
			$context->registerEventListener($event, ChangeListener::class);
		}
		// One collector per request (shared), so a request's changes go out in one call.
		$context->registerService(ChangeNotifier::class, static fn (ContainerInterface $c): ChangeNotifier => new ChangeNotifier(
			$c->get(\OCA\Exsync\Service\ServiceClient::class),
			$c->get(\OCA\Exsync\Settings\AppSettings::class),
			$c->get(\OCP\IAppConfig::class),
			$c->get(\OCP\AppFramework\Utility\ITimeFactory::class),
			$c->get(\Psr\Log\LoggerInterface::class),
		));
		$context->registerService(UserPreferences::class, static fn (ContainerInterface $c): UserPreferences => UserPreferences::fromContainer($c));
	}

	public function boot(IBootContext $context): void {
	}
}
