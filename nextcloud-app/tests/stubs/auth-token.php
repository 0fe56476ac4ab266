<?php

declare(strict_types=1);

// Public token interface (lib/public/Authentication/Token/IToken.php) and the PRIVATE provider
// (lib/private/Authentication/Token/IProvider.php, NC 30–33 signature with $scope).

namespace OCP\Authentication\Token {
	interface IToken {
		public const TEMPORARY_TOKEN = 0;
		public const PERMANENT_TOKEN = 1;
		public const WIPE_TOKEN = 2;
		public const DO_NOT_REMEMBER = 0;
		public const REMEMBER = 1;
		public const SCOPE_FILESYSTEM = 'filesystem';
		public const SCOPE_SINGLE_SIGN_ON = 'sso-based-login';

		public function getId(): int;
		public function getUID(): string;
		public function getLoginName(): string;
		public function getName(): string;
		public function getScopeAsArray(): array;
	}
}

namespace OC\Authentication\Token {
	use OCP\Authentication\Token\IToken as OCPIToken;

	interface IToken extends OCPIToken {
	}

	interface IProvider {
		public function generateToken(
			string $token,
			string $uid,
			string $loginName,
			?string $password,
			string $name,
			int $type = OCPIToken::TEMPORARY_TOKEN,
			int $remember = OCPIToken::DO_NOT_REMEMBER,
			?array $scope = null,
		): OCPIToken;
		public function getTokenByUser(string $uid): array;
		public function getTokenById(int $tokenId): OCPIToken;
		public function invalidateTokenById(string $uid, int $id);
	}
}
