<?php

declare(strict_types=1);

// Nextcloud's PRIVATE token classes (lib/private/Authentication/Token/IToken.php and IProvider.php, NC 30–34
// signature with $scope): not part of nextcloud/ocp, so they are the one stand-in the app's own code needs.
// The public OCP\Authentication\Token\IToken they extend is the real one from ../shared/vendor-php.

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
