<?php

declare(strict_types=1);

// Class loading for the PHPUnit suite (bootstrap.php) and the browser test's Nextcloud-like shell
// (browser/shell/router.php). Loads the REAL public Nextcloud interfaces (nextcloud/ocp, unmodified, from ../shared/vendor-php beside the
// repository) for the release named by EXSYNC_OCP (default: the newest, 34.0.3), so every fake in tests/Fakes
// must still fit the interface it implements: a drifted signature is a fatal error at load time. Only what is not
// in nextcloud/ocp keeps a stand-in (tests/stubs: Nextcloud's private OC\ token provider, sabre/dav, apps/dav's
// event). scripts/php/test.sh runs the suite once per release.

$release = getenv('EXSYNC_OCP') ?: '34.0.3';
$vendor = getenv('EXSYNC_VENDOR_PHP') ?: __DIR__ . '/../../../shared/vendor-php';
$ocp = $vendor . '/nextcloud-ocp-v' . $release;
if (!is_dir($ocp . '/OCP')) {
	fwrite(STDERR, "The Nextcloud public API $release is not at $ocp (set EXSYNC_VENDOR_PHP to the vendor-php folder).\n");
	exit(2);
}
define('EXSYNC_TEST_OCP_RELEASE', $release);

$prefixes = [
	'OCA\\Exsync\\Tests\\' => __DIR__ . '/',
	'OCA\\Exsync\\' => __DIR__ . '/../lib/',
	'OCP\\' => $ocp . '/OCP/',
	'NCU\\' => $ocp . '/NCU/',
	'Psr\\Container\\' => $vendor . '/psr-container/src/',
	'Psr\\EventDispatcher\\' => $vendor . '/psr-event-dispatcher/src/',
	'Psr\\Clock\\' => $vendor . '/psr-clock/src/',
	'Psr\\Log\\' => $vendor . '/psr-log/src/',
];
spl_autoload_register(static function (string $class) use ($prefixes): void {
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

// From Debian packages (scripts/php/install.sh): PSR-18/PSR-7, which Nextcloud 34's IClient extends, and
// symfony/console, which the occ commands extend.
foreach (['Psr/Http/Client/autoload.php', 'Psr/Http/Message/autoload.php', 'Symfony/Component/Console/autoload.php'] as $lib) {
	if (stream_resolve_include_path($lib) === false) {
		fwrite(STDERR, "$lib is missing: run scripts/php/install.sh.\n");
		exit(2);
	}
	require_once $lib;
}

foreach (glob(__DIR__ . '/stubs/*.php') as $stub) {
	require_once $stub;
}

foreach (glob(__DIR__ . '/Fakes/*.php') as $fake) {
	require_once $fake;
}

