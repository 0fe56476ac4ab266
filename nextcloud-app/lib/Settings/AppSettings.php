<?php

declare(strict_types=1);

namespace OCA\Exsync\Settings;

use OCA\Exsync\AppInfo\Application;
use OCP\IAppConfig;

/**
 * The app's settings, one typed accessor each: the admin page can change only what is listed in
 * PUBLIC_KEYS, through update(); changing the service URL forgets the API key. The API key is apart on purpose — it is written through its own
 * endpoint (password confirmation), stored as a sensitive (encrypted at rest) app-config value, and
 * only ever reported to the browser as "set / not set".
 */
class AppSettings {
	public const SERVICE_URL = 'service_url';
	public const GROUPS = 'groups';
	public const ALLOW_LOCAL_ADDRESS = 'allow_local_address';
	public const API_KEY = 'api_key';

	/** Keys update() accepts, with their type. Anything else is refused, never stored. */
	public const PUBLIC_KEYS = [
		self::SERVICE_URL => 'string',
		self::ALLOW_LOCAL_ADDRESS => 'bool',
	];

	private const MAX_GROUPS = 100;

	public function __construct(
		private IAppConfig $appConfig,
	) {
	}

	public function getServiceUrl(): string {
		return $this->appConfig->getValueString(Application::APP_ID, self::SERVICE_URL);
	}

	/** A different URL forgets the API key: a key issued by one service is never sent to another. */
	public function setServiceUrl(string $url): void {
		$this->writeServiceUrl(self::normalizeServiceUrl($url));
	}

	private function writeServiceUrl(string $normalized): void {
		if ($normalized !== $this->getServiceUrl()) {
			$this->deleteApiKey();
		}
		$this->appConfig->setValueString(Application::APP_ID, self::SERVICE_URL, $normalized);
	}

	/** Nextcloud refuses private/loopback targets unless told; a sync service on the LAN needs this. */
	public function allowLocalAddress(): bool {
		return $this->appConfig->getValueBool(Application::APP_ID, self::ALLOW_LOCAL_ADDRESS);
	}

	public function setAllowLocalAddress(bool $allow): void {
		$this->appConfig->setValueBool(Application::APP_ID, self::ALLOW_LOCAL_ADDRESS, $allow);
	}

	/** @return list<string> */
	public function getGroups(): array {
		$groups = $this->appConfig->getValueArray(Application::APP_ID, self::GROUPS);
		return array_values(array_filter($groups, 'is_string'));
	}

	/** @param mixed $groups */
	public function setGroups($groups): void {
		$this->appConfig->setValueArray(Application::APP_ID, self::GROUPS, self::normalizeGroups($groups));
	}

	public function hasApiKey(): bool {
		return $this->getApiKey() !== '';
	}

	public function getApiKey(): string {
		return $this->appConfig->getValueString(Application::APP_ID, self::API_KEY);
	}

	public function setApiKey(string $key): void {
		$key = trim($key);
		if ($key === '' || strlen($key) > 512 || preg_match('/\s/', $key) === 1) {
			throw new InvalidSettingException('The API key is empty or malformed: paste the tenant key exactly as the sync service printed it.');
		}
		// Not lazy: AppConfig reads a lazy key only when asked with lazy: true, and every call needs the key.
		$this->appConfig->setValueString(Application::APP_ID, self::API_KEY, $key, lazy: false, sensitive: true);
	}

	public function deleteApiKey(): void {
		$this->appConfig->deleteKey(Application::APP_ID, self::API_KEY);
	}

	/**
	 * Applies the allow-listed, non-secret settings in $input; refuses the whole input if any key is
	 * unknown or of the wrong type, so nothing is half-applied.
	 *
	 * @param array<string, mixed> $input
	 */
	public function update(array $input): void {
		foreach ($input as $key => $value) {
			$type = self::PUBLIC_KEYS[$key] ?? null;
			if ($type === null) {
				throw new InvalidSettingException(sprintf('"%s" is not a setting this page can change.', (string)$key));
			}
			if (($type === 'string' && !is_string($value)) || ($type === 'bool' && !is_bool($value))) {
				throw new InvalidSettingException(sprintf('"%s" must be a %s.', $key, $type === 'bool' ? 'true/false value' : 'text'));
			}
		}
		// Validate everything before writing anything.
		$url = array_key_exists(self::SERVICE_URL, $input) ? self::normalizeServiceUrl($input[self::SERVICE_URL]) : null;
		if ($url !== null) {
			$this->writeServiceUrl($url);
		}
		if (array_key_exists(self::ALLOW_LOCAL_ADDRESS, $input)) {
			$this->setAllowLocalAddress($input[self::ALLOW_LOCAL_ADDRESS]);
		}
	}

	/** What the admin page may see: every setting, the API key only as a boolean. */
	public function publicView(): array {
		return [
			self::SERVICE_URL => $this->getServiceUrl(),
			self::ALLOW_LOCAL_ADDRESS => $this->allowLocalAddress(),
			self::GROUPS => $this->getGroups(),
			'api_key_set' => $this->hasApiKey(),
		];
	}

	public static function normalizeServiceUrl(string $url): string {
		$url = rtrim(trim($url), '/');
		if ($url === '') {
			return '';
		}
		$parts = parse_url($url);
		$scheme = is_array($parts) ? strtolower((string)($parts['scheme'] ?? '')) : '';
		if (!is_array($parts) || !in_array($scheme, ['https', 'http'], true) || empty($parts['host'])
			|| isset($parts['user']) || isset($parts['pass']) || isset($parts['query']) || isset($parts['fragment'])) {
			throw new InvalidSettingException('The service URL must look like https://sync.example.com (no credentials, query or fragment).');
		}
		// App passwords travel over this connection: plain http only to this machine.
		if ($scheme === 'http' && !in_array(strtolower($parts['host']), ['localhost', '127.0.0.1', '[::1]', '::1'], true)) {
			throw new InvalidSettingException('The service URL must use https (plain http is accepted only for localhost), because app passwords are sent to it.');
		}
		return $url;
	}

	/**
	 * @param mixed $groups
	 * @return list<string>
	 */
	public static function normalizeGroups($groups): array {
		if (!is_array($groups) || !array_is_list($groups)) {
			throw new InvalidSettingException('Groups must be a list of group ids.');
		}
		if (count($groups) > self::MAX_GROUPS) {
			throw new InvalidSettingException(sprintf('At most %d groups can be enrolled.', self::MAX_GROUPS));
		}
		$out = [];
		foreach ($groups as $gid) {
			if (!is_string($gid) || trim($gid) === '' || strlen($gid) > 255) {
				throw new InvalidSettingException('Each group must be a non-empty group id.');
			}
			if (!in_array($gid, $out, true)) {
				$out[] = $gid;
			}
		}
		return $out;
	}
}
