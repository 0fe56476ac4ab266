<?php

declare(strict_types=1);

namespace OCA\Exsync\Listener;

use OCA\DAV\Events\SabrePluginAddEvent;
use OCA\Exsync\Dav\SchedulingGuardPlugin;
use OCP\EventDispatcher\Event;
use OCP\EventDispatcher\IEventListener;
use Psr\Container\ContainerInterface;

/**
 * Adds the scheduling guard to every DAV server Nextcloud builds. Registered in register(), not boot():
 * DAV requests do not boot every app.
 *
 * @template-implements IEventListener<SabrePluginAddEvent>
 */
class SabrePluginAddListener implements IEventListener {
	public function __construct(
		private ContainerInterface $container,
	) {
	}

	public function handle(Event $event): void {
		if (!$event instanceof SabrePluginAddEvent) {
			return;
		}
		$event->getServer()->addPlugin($this->container->get(SchedulingGuardPlugin::class));
	}
}
