<?php

declare(strict_types=1);

namespace OCA\Exsync\Service;

use OCA\Exsync\Settings\AppSettings;
use OCP\Accounts\IAccountManager;
use OCP\IUser;

/**
 * Which Exchange mailbox (SMTP address) a Nextcloud user is synced with, by the rule the admin chose:
 * - email: the user's Nextcloud e-mail address (the service's default when no mailbox is sent);
 * - template: an address built from the user, e.g. "{uid}@corp.example" ({uid}, {email_local}, {email_domain});
 * - attribute: an account property (e.g. filled from LDAP), which must hold the address.
 */
class MailboxMapper {
	public const RULE_EMAIL = 'email';
	public const RULE_TEMPLATE = 'template';
	public const RULE_ATTRIBUTE = 'attribute';
	public const RULES = [self::RULE_EMAIL, self::RULE_TEMPLATE, self::RULE_ATTRIBUTE];
	public const PLACEHOLDERS = ['{uid}', '{email_local}', '{email_domain}'];

	public function __construct(
		private AppSettings $settings,
		private IAccountManager $accounts,
	) {
	}

	/**
	 * @return ?string the mailbox to send, or null to let the service use the e-mail address
	 * @throws MailboxUnresolvedException when the rule gives no usable address for this user
	 */
	public function mailboxFor(IUser $user): ?string {
		$rule = $this->settings->getMailboxRule();
		if ($rule === self::RULE_TEMPLATE) {
			return self::checked($user, self::render($this->settings->getMailboxTemplate(), $user), 'the mailbox template');
		}
		if ($rule === self::RULE_ATTRIBUTE) {
			$property = $this->settings->getMailboxAttribute();
			try {
				$value = $this->accounts->getAccount($user)->getProperty($property)->getValue();
			} catch (\Throwable $e) {
				$value = '';
			}
			return self::checked($user, trim($value), sprintf('the account property "%s"', $property));
		}
		return null;
	}

	/** The template filled in for $user; a placeholder whose value is missing stays visible (and fails the check). */
	public static function render(string $template, IUser $user): string {
		$email = (string)($user->getEMailAddress() ?? '');
		$at = strrpos($email, '@');
		$values = [
			'{uid}' => (string)$user->getUID(),
			'{email_local}' => $at === false ? '' : substr($email, 0, $at),
			'{email_domain}' => $at === false ? '' : substr($email, $at + 1),
		];
		$values = array_filter($values, static fn (string $v) => $v !== '');
		return strtr($template, $values);
	}

	/** An SMTP address; braces (legal in RFC 5321 local parts) are refused, so an unfilled placeholder never passes. */
	public static function isAddress(string $value): bool {
		return strlen($value) <= 320 && preg_match('/[{}]/', $value) !== 1 && filter_var($value, FILTER_VALIDATE_EMAIL) !== false;
	}

	private static function checked(IUser $user, string $mailbox, string $source): string {
		if (!self::isAddress($mailbox)) {
			throw new MailboxUnresolvedException(sprintf(
				'No Exchange mailbox for %s: %s gives "%s", which is not an e-mail address. Fix the mailbox mapping or the user\'s profile.',
				(string)$user->getUID(),
				$source,
				mb_substr($mailbox, 0, 100),
			));
		}
		return $mailbox;
	}
}
