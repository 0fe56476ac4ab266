<?php

declare(strict_types=1);

require_once __DIR__ . '/autoload.php';

// What real OCP helpers (OCP\Util::addScript, …) fetch through OCP\Server::get().
\OC::$server = new \OCA\Exsync\Tests\Fakes\ArrayContainer([
	\OCP\L10N\IFactory::class => \OCA\Exsync\Tests\Fakes\FakeL10nFactory::make(),
]);
