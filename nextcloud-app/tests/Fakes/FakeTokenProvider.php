<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Fakes;

use OC\Authentication\Token\IProvider;
use OC\Authentication\Token\IToken;
use OCP\Authentication\Token\IToken as OCPIToken;

/** A token as the private provider returns it; implements the real public OCP\Authentication\Token\IToken. */
abstract class FakeToken implements IToken {
	use Fake;

	public function __construct(
		public int $id,
		public string $uid,
		public string $loginName,
		public ?string $password,
		public string $name,
		public int $type,
		public array $scope,
		public string $plaintext,
	) {
	}
	public function getId(): int {
		return $this->id;
	}
	public function getUID(): string {
		return $this->uid;
	}
	public function getLoginName(): string {
		return $this->loginName;
	}
	public function getName(): string {
		return $this->name;
	}
	public function getScopeAsArray(): array {
		return $this->scope;
	}
}

/** The private token provider, recording every token it minted and which ones were invalidated. */
class FakeTokenProvider implements IProvider {
	/** @var array<int, FakeToken> live tokens by id */
	public array $tokens = [];
	/** @var list<FakeToken> */
	public array $minted = [];
	/** @var list<int> */
	public array $invalidated = [];
	public ?\Throwable $failNextMint = null;
	private int $nextId = 1;

	public function generateToken(
		string $token,
		string $uid,
		string $loginName,
		?string $password,
		string $name,
		int $type = OCPIToken::TEMPORARY_TOKEN,
		int $remember = OCPIToken::DO_NOT_REMEMBER,
		?array $scope = null,
	): OCPIToken {
		if ($this->failNextMint !== null) {
			$e = $this->failNextMint;
			$this->failNextMint = null;
			throw $e;
		}
		$t = FakeToken::make($this->nextId++, $uid, $loginName, $password, $name, $type, $scope ?? [], $token);
		$this->minted[] = $t;
		return $this->tokens[$t->id] = $t;
	}
	public function getTokenByUser(string $uid): array {
		return array_values(array_filter($this->tokens, static fn (FakeToken $t) => $t->uid === $uid));
	}
	public function getTokenById(int $tokenId): OCPIToken {
		return $this->tokens[$tokenId] ?? throw new \RuntimeException('InvalidTokenException');
	}
	public function invalidateTokenById(string $uid, int $id) {
		if (isset($this->tokens[$id]) && $this->tokens[$id]->uid === $uid) {
			unset($this->tokens[$id]);
			$this->invalidated[] = $id;
		}
	}
	/** @return list<FakeToken> */
	public function liveTokensOf(string $uid): array {
		return $this->getTokenByUser($uid);
	}
}
