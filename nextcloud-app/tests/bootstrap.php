<?php

declare(strict_types=1);

// No Nextcloud server code and no Packagist here: load hand-written stubs of the OCP/OC/Sabre
// interfaces the app uses, then autoload the app's own classes (OCA\Exsync\ -> lib/, PSR-4).

foreach (glob(__DIR__ . '/stubs/*.php') as $stub) {
	require_once $stub;
}

foreach (glob(__DIR__ . '/Fakes/*.php') as $fake) {
	require_once $fake;
}

spl_autoload_register(static function (string $class): void {
	$prefixes = [
		'OCA\\Exsync\\Tests\\' => __DIR__ . '/',
		'OCA\\Exsync\\' => __DIR__ . '/../lib/',
	];
	foreach ($prefixes as $prefix => $dir) {
		if (str_starts_with($class, $prefix)) {
			$file = $dir . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
			if (is_file($file)) {
				require_once $file;
			}
			return;
		}
	}
});
