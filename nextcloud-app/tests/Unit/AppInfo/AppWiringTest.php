<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Unit\AppInfo;

use OCA\DAV\Events\SabrePluginAddEvent;
use OCA\Exsync\AppInfo\Application;
use OCA\Exsync\BackgroundJob\FlushChanges;
use OCA\Exsync\BackgroundJob\ReconcileEnrollment;
use OCA\Exsync\Push\ChangeListener;
use OCA\Exsync\Push\ChangeNotifier;
use OCA\Exsync\Service\UserPreferences;
use OCA\Exsync\Tests\Fakes\FakeRegistrationContext;
use OCP\BackgroundJob\TimedJob;
use OCP\EventDispatcher\IEventListener;
use OCP\Group\Events\UserAddedEvent;
use OCP\Group\Events\UserRemovedEvent;
use OCP\Settings\IIconSection;
use OCP\Settings\ISettings;
use OCP\User\Events\UserDeletedEvent;
use PHPUnit\Framework\TestCase;

/** What Nextcloud reads from appinfo/info.xml and register() must name classes that exist and fit. */
class AppWiringTest extends TestCase {
	private \SimpleXMLElement $info;

	protected function setUp(): void {
		$xml = simplexml_load_file(__DIR__ . '/../../../appinfo/info.xml');
		self::assertNotFalse($xml, 'appinfo/info.xml is well-formed');
		$this->info = $xml;
	}

	public function testInfoXmlNamesTheAppAndTheSupportedNextcloudVersions(): void {
		self::assertSame(Application::APP_ID, (string)$this->info->id);
		self::assertSame('Exsync', (string)$this->info->namespace);
		self::assertSame('30', (string)$this->info->dependencies->nextcloud['min-version']);
		// The suite runs against the real public API of 30.0.9 and 34.0.3 (scripts/php/test.sh); the private token
		// provider's signature is pinned to the same releases.
		self::assertSame('34', (string)$this->info->dependencies->nextcloud['max-version']);
	}

	public function testInfoXmlClassesExistAndImplementWhatNextcloudExpects(): void {
		self::assertTrue(is_subclass_of((string)$this->info->settings->admin, ISettings::class));
		self::assertTrue(is_subclass_of((string)$this->info->settings->{'admin-section'}, IIconSection::class));
		self::assertTrue(is_subclass_of((string)$this->info->settings->personal, ISettings::class));
		self::assertTrue(is_subclass_of((string)$this->info->settings->{'personal-section'}, IIconSection::class));
		$jobs = [];
		foreach ($this->info->{'background-jobs'}->job as $job) {
			$jobs[] = (string)$job;
			self::assertTrue(is_subclass_of((string)$job, TimedJob::class), (string)$job);
		}
		self::assertSame([ReconcileEnrollment::class, FlushChanges::class], $jobs);
	}

	public function testRegisterWiresEveryEventTheAppReactsTo(): void {
		$context = FakeRegistrationContext::make();

		// Nextcloud builds the Application through its container (the constructor reads the server config);
		// register() needs none of that.
		(new \ReflectionClass(Application::class))->newInstanceWithoutConstructor()->register($context);

		$events = array_column($context->listeners, 0);
		foreach ([UserAddedEvent::class, UserRemovedEvent::class, UserDeletedEvent::class, SabrePluginAddEvent::class] as $event) {
			self::assertContains($event, $events);
		}
		self::assertArrayHasKey(UserPreferences::class, $context->services, 'user preferences are wired per release');
		// Push: every calendar-object and card event of either family reaches the change listener.
		foreach ([...ChangeListener::CALENDAR_EVENTS, ...ChangeListener::CARD_EVENTS] as $event) {
			self::assertContains([$event, ChangeListener::class], $context->listeners);
		}
		self::assertArrayHasKey(ChangeNotifier::class, $context->services, 'one change collector per request');
		foreach ($context->listeners as [$event, $listener]) {
			self::assertTrue(is_subclass_of($listener, IEventListener::class), "$listener is a listener");
		}
	}
}
