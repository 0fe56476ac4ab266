<?php

declare(strict_types=1);

namespace OCA\Exsync\Service;

use OC\Authentication\Token\IProvider;
use OCP\Authentication\Token\IToken;
use OCP\IUser;
use OCP\Security\ISecureRandom;

/**
 * The one place that touches Nextcloud's PRIVATE token provider (no public API mints app passwords for
 * another user; nextcloud/server#10843). Signatures as in NC 30–33; pin max-version in info.xml.
 */
class AppPasswordMinter {
	/** Shown to the user in Security > Devices & sessions; also how our tokens are found again. */
	public const TOKEN_NAME = 'exsync sync service';

	private const TOKEN_LENGTH = 72;

	public function __construct(
		private IProvider $tokenProvider,
		private ISecureRandom $random,
	) {
	}

	/**
	 * Nextcloud rejects an app password whose Basic-auth user differs from the token's login name
	 * (Session::validateTokenLoginName). The uid always works as that user, even where people log in
	 * by e-mail or an LDAP attribute, so the token and the service both use it.
	 */
	public static function loginNameFor(IUser $user): string {
		return $user->getUID();
	}

	/**
	 * A permanent, passwordless token without file access: passwordless so a changed login password
	 * does not invalidate it, no file access because CalDAV/CardDAV is all the service needs.
	 *
	 * @return array{tokenId: int, password: string}
	 */
	public function mint(IUser $user): array {
		$password = $this->random->generate(
			self::TOKEN_LENGTH,
			ISecureRandom::CHAR_UPPER . ISecureRandom::CHAR_LOWER . ISecureRandom::CHAR_DIGITS,
		);
		$token = $this->tokenProvider->generateToken(
			$password,
			$user->getUID(),
			self::loginNameFor($user),
			null,
			self::TOKEN_NAME,
			IToken::PERMANENT_TOKEN,
			IToken::DO_NOT_REMEMBER,
			[IToken::SCOPE_FILESYSTEM => false],
		);
		return ['tokenId' => $token->getId(), 'password' => $password];
	}

	public function revoke(string $uid, int $tokenId): void {
		$this->tokenProvider->invalidateTokenById($uid, $tokenId);
	}

	/**
	 * Revokes every token this app minted for the user (by name), also ones whose id we lost.
	 *
	 * @return int how many were revoked
	 */
	public function revokeAll(string $uid, ?int $keepTokenId = null): int {
		$count = 0;
		foreach ($this->tokenProvider->getTokenByUser($uid) as $token) {
			if ($token->getName() === self::TOKEN_NAME && $token->getId() !== $keepTokenId) {
				$this->tokenProvider->invalidateTokenById($uid, $token->getId());
				$count++;
			}
		}
		return $count;
	}
}
