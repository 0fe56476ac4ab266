<?php

declare(strict_types=1);

/*
 * A minimal Nextcloud-like shell for the browser test (tests/browser/admin-page.live.test.ts), run by PHP's built-in
 * server: it renders the admin and personal settings pages as Nextcloud does (initial state, the app's script, the
 * request token and password-confirmation globals), and answers the page's requests with the app's OWN controllers,
 * routed by their #[FrontpageRoute] attributes, with Nextcloud's CSRF and #[PasswordConfirmationRequired] checks.
 * Nextcloud's own classes are the fakes of tests/Fakes over the real OCP interfaces, their state kept in a JSON file
 * between requests (EXSYNC_SHELL_STATE); the HTTP client is real, so the app talks to the real sync service.
 */

use OCA\Exsync\BackgroundJob\EnrollNow;
use OCA\Exsync\Controller\AdminController;
use OCA\Exsync\Controller\PersonalController;
use OCA\Exsync\Service\AppPasswordMinter;
use OCA\Exsync\Service\EnrollmentService;
use OCA\Exsync\Service\EnrollmentStore;
use OCA\Exsync\Service\MailboxMapper;
use OCA\Exsync\Service\ServiceClient;
use OCA\Exsync\Service\UserPreferences;
use OCA\Exsync\Settings\Admin;
use OCA\Exsync\Settings\AppSettings;
use OCA\Exsync\Settings\Personal;
use OCA\Exsync\Tests\Browser\HttpClientService;
use OCA\Exsync\Tests\Browser\RealRandom;
use OCA\Exsync\Tests\Fakes\ArrayContainer;
use OCA\Exsync\Tests\Fakes\CapturingLogger;
use OCA\Exsync\Tests\Fakes\FakeAccountManager;
use OCA\Exsync\Tests\Fakes\FakeDirectory;
use OCA\Exsync\Tests\Fakes\FakeInitialState;
use OCA\Exsync\Tests\Fakes\FakeJobList;
use OCA\Exsync\Tests\Fakes\FakeL10nFactory;
use OCA\Exsync\Tests\Fakes\FakeRequest;
use OCA\Exsync\Tests\Fakes\FakeToken;
use OCA\Exsync\Tests\Fakes\FakeTokenProvider;
use OCA\Exsync\Tests\Fakes\FakeUser;
use OCA\Exsync\Tests\Fakes\FakeUserManager;
use OCA\Exsync\Tests\Fakes\FakeUserSession;
use OCA\Exsync\Tests\Fakes\InMemoryAppConfig;
use OCA\Exsync\Tests\Fakes\InMemoryUserConfig;
use OCA\Exsync\Tests\Fakes\UserPrefsStore;
use OCP\AppFramework\Http\Attribute\FrontpageRoute;
use OCP\AppFramework\Http\Attribute\PasswordConfirmationRequired;
use OCP\AppFramework\Http\JSONResponse;
use OCP\Util;

const APP_DIR = __DIR__ . '/../../..';
const CONFIRM_SECONDS = 30 * 60; // Nextcloud's PasswordConfirmationMiddleware window

$path = (string)parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);

// The committed bundle, as Nextcloud's web server serves apps/exsync/js/.
if (preg_match('#^/apps/exsync/js/([A-Za-z0-9._-]+\.mjs)$#', $path, $m)) {
	header('Content-Type: text/javascript');
	readfile(APP_DIR . '/js/' . $m[1]);
	return true;
}
// The app's translations, as Nextcloud serves apps/exsync/l10n/ (OCP\Util::addScript() adds the user's language).
if (preg_match('#^/apps/exsync/l10n/([a-z]{2}(?:_[A-Z]{2})?\.js)$#', $path, $m) && is_file(APP_DIR . '/l10n/' . $m[1])) {
	header('Content-Type: text/javascript');
	readfile(APP_DIR . '/l10n/' . $m[1]);
	return true;
}
if ($path === '/favicon.ico') {
	http_response_code(404);
	return true;
}

require_once 'PHPUnit/Autoload.php';
require_once __DIR__ . '/../../autoload.php';
require_once __DIR__ . '/services.php';

// The user's language: Nextcloud's personal setting, here a cookie (English without it).
$language = preg_match('/^[a-z]{2}$/', (string)($_COOKIE['nc_lang'] ?? '')) ? (string)$_COOKIE['nc_lang'] : 'en';
FakeL10nFactory::$language = $language;
\OC::$server = new ArrayContainer([\OCP\L10N\IFactory::class => FakeL10nFactory::make()]);

$statePath = (string)getenv('EXSYNC_SHELL_STATE');
/** @var array<string, mixed> $state */
$state = json_decode((string)file_get_contents($statePath), true, 512, JSON_THROW_ON_ERROR);

// ---- Nextcloud, as fakes restored from the state file
$appConfig = InMemoryAppConfig::make();
$appConfig->values = $state['appConfig']['values'] ?? [];
$appConfig->lazy = $state['appConfig']['lazy'] ?? [];
$appConfig->sensitive = $state['appConfig']['sensitive'] ?? [];
$prefs = new UserPrefsStore();
$prefs->prefs = $state['prefs'] ?? [];
$directory = FakeDirectory::make();
$users = [];
foreach ($state['users'] as $u) {
	$users[$u['uid']] = FakeUser::make($u['uid'], $u['email'] ?? null, $u['displayName'] ?? '');
}
$directory->users = $users;
foreach ($state['groups'] as $gid => $members) {
	$directory->addGroup((string)$gid, ...array_map(static fn (string $uid) => $users[$uid], $members));
}
$tokens = new FakeTokenProvider();
$maxId = 0;
foreach ($state['tokens'] ?? [] as $t) {
	$tokens->tokens[$t['id']] = FakeToken::make($t['id'], $t['uid'], $t['uid'], null, $t['name'], 1, [], '');
	$maxId = max($maxId, $t['id']);
}
(new ReflectionProperty(FakeTokenProvider::class, 'nextId'))->setValue($tokens, $maxId + 1);
$accounts = FakeAccountManager::make();
$jobs = FakeJobList::make();
$logger = new CapturingLogger();

// ---- the app, wired as Nextcloud's container would
$settings = new AppSettings($appConfig);
$store = new EnrollmentStore(UserPreferences::overUserConfig(InMemoryUserConfig::make($prefs)), $appConfig);
$client = new ServiceClient(HttpClientService::make(), $settings, $logger);
$userManager = FakeUserManager::make($directory);
$enrollment = new EnrollmentService($settings, $directory, $userManager, new AppPasswordMinter($tokens, RealRandom::make()), $client, $store, $logger, new MailboxMapper($settings, $accounts));
// The logged-in user: the admin, or whoever the nc_user cookie names (the test logs in as a member for the
// personal page).
$session = FakeUserSession::make($users[(string)($_COOKIE['nc_user'] ?? '')] ?? $users[$state['admin']]);

$save = static function () use ($statePath, &$state, $appConfig, $prefs, $tokens, $logger): void {
	$state['appConfig'] = ['values' => $appConfig->values, 'lazy' => $appConfig->lazy, 'sensitive' => $appConfig->sensitive];
	$state['prefs'] = $prefs->prefs;
	$state['tokens'] = array_values(array_map(static fn (FakeToken $t) => ['id' => $t->id, 'uid' => $t->uid, 'name' => $t->name], $tokens->tokens));
	foreach ($logger->records as $r) {
		$state['log'][] = $r['level'] . ' ' . $r['message'];
	}
	// Written beside and renamed over, so the test (another process) reading the file while a request is still
	// saving never sees it half written: rename() within a directory is atomic.
	$partial = $statePath . '.' . getmypid() . '.partial';
	file_put_contents($partial, json_encode($state, JSON_THROW_ON_ERROR | JSON_PRETTY_PRINT));
	rename($partial, $statePath);
};

$json = static function (mixed $data, int $status = 200): void {
	http_response_code($status);
	header('Content-Type: application/json');
	echo json_encode($data, JSON_THROW_ON_ERROR);
};

// ---- pages
$page = match ($path) {
	'/', '/index.php/settings/admin/exsync' => 'admin',
	'/index.php/settings/user/exsync' => 'personal',
	default => null,
};
if ($page !== null) {
	$initialState = FakeInitialState::make();
	$form = $page === 'admin' ? new Admin($settings, $initialState) : new Personal($session, $store, $client, $initialState);
	$form->getForm();
	$scripts = (new ReflectionProperty(Util::class, 'scripts'))->getValue()['exsync'] ?? [];
	$module = '';
	$l10n = '';
	foreach ($scripts as $script) {
		if (str_starts_with($script, 'exsync/js/')) {
			$module = '/apps/' . $script . '.mjs';
		} elseif (str_starts_with($script, 'exsync/l10n/') && is_file(APP_DIR . '/' . substr($script, strlen('exsync/')) . '.js')) {
			// Added by Util::addScript() for the user's language; a language without a file is English, as in Nextcloud.
			$l10n = '<script src="/apps/' . htmlspecialchars($script) . '.js"></script>';
		}
	}
	$inputs = '';
	foreach ($initialState->states as $key => $value) {
		$inputs .= sprintf('<input type="hidden" id="initial-state-exsync-%s" value="%s">', htmlspecialchars($key), base64_encode(json_encode($value, JSON_THROW_ON_ERROR)));
	}
	$mount = $page === 'admin' ? 'exsync-admin' : 'exsync-personal';
	header('Content-Type: text/html; charset=utf-8');
	echo strtr((string)file_get_contents(__DIR__ . '/page.html'), [
		'{{token}}' => htmlspecialchars($state['requestToken']),
		'{{lastLogin}}' => (string)(int)($state['confirmedAt'] ?? 0),
		'{{now}}' => (string)time(),
		'{{initialState}}' => $inputs,
		'{{mount}}' => $mount,
		'{{module}}' => htmlspecialchars($module),
		'{{l10n}}' => $l10n,
		// The user's language, where Nextcloud's layout puts it (@nextcloud/l10n reads it from <html lang>).
		'<html lang="en" data-locale="en">' => sprintf('<html lang="%1$s" data-locale="%1$s">', $language),
		'{{title}}' => $page === 'admin' ? 'Exchange sync' : 'Exchange sync (personal)',
		'{{adminActive}}' => $page === 'admin' ? 'active' : '',
		'{{personalActive}}' => $page === 'personal' ? 'active' : '',
	]);
	$save();
	return true;
}

// ---- Nextcloud's password confirmation endpoint (core/Controller/LoginController::confirmPassword)
if ($path === '/index.php/login/confirm' && $_SERVER['REQUEST_METHOD'] === 'POST') {
	$body = json_decode((string)file_get_contents('php://input'), true) ?: [];
	if (($body['password'] ?? null) !== $state['adminPassword']) {
		$json([], 403);
		return true;
	}
	$state['confirmedAt'] = time();
	$save();
	$json(['lastLogin' => $state['confirmedAt']]);
	return true;
}

// ---- the app's routes, from its controllers' attributes
if (!str_starts_with($path, '/index.php/apps/exsync/')) {
	$json(['message' => 'Not found'], 404);
	return true;
}
$appPath = substr($path, strlen('/index.php/apps/exsync'));
$params = $_GET;
$raw = (string)file_get_contents('php://input');
if ($raw !== '') {
	$params = array_merge($params, (array)json_decode($raw, true, 512, JSON_THROW_ON_ERROR));
}
$request = FakeRequest::make($params);
$controllers = [
	AdminController::class => fn () => new AdminController($request, $settings, $client, $directory, $jobs, $enrollment, $store),
	PersonalController::class => fn () => new PersonalController($request, $session, $store, $client),
];
foreach ($controllers as $class => $make) {
	foreach ((new ReflectionClass($class))->getMethods(ReflectionMethod::IS_PUBLIC) as $method) {
		foreach ($method->getAttributes(FrontpageRoute::class) as $attribute) {
			/** @var FrontpageRoute $route */
			$route = $attribute->newInstance();
			$requirements = $route->getRequirements() ?? [];
			$pattern = preg_replace_callback('/\{(\w+)\}/', static fn ($m) => '(?P<' . $m[1] . '>' . ($requirements[$m[1]] ?? '[^/]+') . ')', $route->getUrl());
			if ($route->getVerb() !== $_SERVER['REQUEST_METHOD'] || preg_match('#^' . $pattern . '$#', $appPath, $match) !== 1) {
				continue;
			}
			// CSRF: Nextcloud's SecurityMiddleware refuses a request without the page's token.
			if (($_SERVER['HTTP_REQUESTTOKEN'] ?? '') !== $state['requestToken']) {
				$json(['message' => 'CSRF check failed'], 412);
				return true;
			}
			if ($method->getAttributes(PasswordConfirmationRequired::class) !== [] && time() - (int)($state['confirmedAt'] ?? 0) > CONFIRM_SECONDS) {
				$json(['message' => 'Password confirmation is required'], 403);
				return true;
			}
			foreach ($match as $name => $value) {
				if (is_string($name)) {
					$params[$name] = rawurldecode($value);
				}
			}
			$request->params = $params;
			$args = [];
			foreach ($method->getParameters() as $parameter) {
				$value = $params[$parameter->getName()] ?? ($parameter->isDefaultValueAvailable() ? $parameter->getDefaultValue() : null);
				$type = (string)$parameter->getType();
				$args[] = match ($type) {
					'int' => (int)$value,
					'string' => (string)$value,
					default => $value,
				};
			}
			/** @var JSONResponse $response */
			$response = $method->invokeArgs($make(), $args);
			// Nextcloud's cron, at once: the enrolment the admin queued runs before the next request.
			if (in_array([EnrollNow::class, null], $jobs->added, true)) {
				$enrollment->reconcile();
			}
			$save();
			http_response_code($response->getStatus());
			header('Content-Type: application/json');
			echo $response->render();
			return true;
		}
	}
}
$json(['message' => 'No route'], 404);
return true;
