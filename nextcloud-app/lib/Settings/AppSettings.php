<?php

declare(strict_types=1);

namespace OCA\Exsync\Settings;

use OCA\Exsync\AppInfo\Application;
use OCA\Exsync\Service\MailboxMapper;
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
	/** Plain http to a non-local host: only when the admin says so (an internal network, e.g. docker compose). */
	public const ALLOW_INSECURE_HTTP = 'allow_insecure_http';
	public const MAILBOX_RULE = 'mailbox_rule';
	public const MAILBOX_TEMPLATE = 'mailbox_template';
	public const MAILBOX_ATTRIBUTE = 'mailbox_attribute';

	/** Keys update() accepts, with their type. Anything else is refused, never stored. */
	public const PUBLIC_KEYS = [
		self::SERVICE_URL => 'string',
		self::ALLOW_LOCAL_ADDRESS => 'bool',
		self::ALLOW_INSECURE_HTTP => 'bool',
		self::MAILBOX_RULE => 'string',
		self::MAILBOX_TEMPLATE => 'string',
		self::MAILBOX_ATTRIBUTE => 'string',
	];

	/** Account properties that can hold an address (the others are pictures, flags or dates). */
	public const MAILBOX_ATTRIBUTES = ['email', 'website', 'phone', 'address', 'twitter', 'fediverse', 'organisation', 'role', 'headline', 'biography'];

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
		$this->writeServiceUrl(self::normalizeServiceUrl($url, $this->allowInsecureHttp()));
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

	public function allowInsecureHttp(): bool {
		return $this->appConfig->getValueBool(Application::APP_ID, self::ALLOW_INSECURE_HTTP);
	}

	public function getMailboxRule(): string {
		$rule = $this->appConfig->getValueString(Application::APP_ID, self::MAILBOX_RULE, MailboxMapper::RULE_EMAIL);
		return in_array($rule, MailboxMapper::RULES, true) ? $rule : MailboxMapper::RULE_EMAIL;
	}

	public function getMailboxTemplate(): string {
		return $this->appConfig->getValueString(Application::APP_ID, self::MAILBOX_TEMPLATE);
	}

	public function getMailboxAttribute(): string {
		return $this->appConfig->getValueString(Application::APP_ID, self::MAILBOX_ATTRIBUTE);
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
		$allowHttp = $input[self::ALLOW_INSECURE_HTTP] ?? $this->allowInsecureHttp();
		$url = array_key_exists(self::SERVICE_URL, $input) ? self::normalizeServiceUrl($input[self::SERVICE_URL], $allowHttp) : null;
		if ($url === null && !$allowHttp && str_starts_with(strtolower($this->getServiceUrl()), 'http:')) {
			// Turning the switch off must not leave a plain-http URL in use.
			self::normalizeServiceUrl($this->getServiceUrl(), false);
		}
		$rule = $input[self::MAILBOX_RULE] ?? $this->getMailboxRule();
		$template = $input[self::MAILBOX_TEMPLATE] ?? $this->getMailboxTemplate();
		$attribute = $input[self::MAILBOX_ATTRIBUTE] ?? $this->getMailboxAttribute();
		self::checkMailboxMapping($rule, trim($template), trim($attribute));
		if ($url !== null) {
			$this->writeServiceUrl($url);
		}
		if (array_key_exists(self::ALLOW_LOCAL_ADDRESS, $input)) {
			$this->setAllowLocalAddress($input[self::ALLOW_LOCAL_ADDRESS]);
		}
		if (array_key_exists(self::ALLOW_INSECURE_HTTP, $input)) {
			$this->appConfig->setValueBool(Application::APP_ID, self::ALLOW_INSECURE_HTTP, $input[self::ALLOW_INSECURE_HTTP]);
		}
		$this->appConfig->setValueString(Application::APP_ID, self::MAILBOX_RULE, $rule);
		$this->appConfig->setValueString(Application::APP_ID, self::MAILBOX_TEMPLATE, trim($template));
		$this->appConfig->setValueString(Application::APP_ID, self::MAILBOX_ATTRIBUTE, trim($attribute));
	}

	/** What the admin page may see: every setting, the API key only as a boolean. */
	public function publicView(): array {
		return [
			self::SERVICE_URL => $this->getServiceUrl(),
			self::ALLOW_LOCAL_ADDRESS => $this->allowLocalAddress(),
			self::ALLOW_INSECURE_HTTP => $this->allowInsecureHttp(),
			self::MAILBOX_RULE => $this->getMailboxRule(),
			self::MAILBOX_TEMPLATE => $this->getMailboxTemplate(),
			self::MAILBOX_ATTRIBUTE => $this->getMailboxAttribute(),
			self::GROUPS => $this->getGroups(),
			'api_key_set' => $this->hasApiKey(),
		];
	}

	public static function checkMailboxMapping(string $rule, string $template, string $attribute): void {
		if (!in_array($rule, MailboxMapper::RULES, true)) {
			throw new InvalidSettingException('The mailbox rule must be "email", "template" or "attribute".');
		}
		if ($rule === MailboxMapper::RULE_TEMPLATE) {
			$used = array_filter(MailboxMapper::PLACEHOLDERS, static fn (string $p) => str_contains($template, $p));
			$sample = strtr($template, ['{uid}' => 'user', '{email_local}' => 'user', '{email_domain}' => 'example.com']);
			if ($used === [] || !MailboxMapper::isAddress($sample) || preg_match('/[{}]/', $sample) === 1) {
				throw new InvalidSettingException('The mailbox template must give an e-mail address from {uid}, {email_local} or {email_domain}, for example {uid}@corp.example.');
			}
		}
		if ($rule === MailboxMapper::RULE_ATTRIBUTE && !in_array($attribute, self::MAILBOX_ATTRIBUTES, true)) {
			throw new InvalidSettingException('Choose the account property that holds the Exchange address: ' . implode(', ', self::MAILBOX_ATTRIBUTES) . '.');
		}
	}

	public static function normalizeServiceUrl(string $url, bool $allowInsecureHttp = false): string {
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
		// App passwords travel over this connection: plain http only to this machine, or where the admin said so.
		if ($scheme === 'http' && !$allowInsecureHttp && !in_array(strtolower($parts['host']), ['localhost', '127.0.0.1', '[::1]', '::1'], true)) {
			throw new InvalidSettingException('The service URL must use https, because app passwords are sent to it. On an internal network you trust (e.g. the docker compose stack), tick "Allow plain http" first.');
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
