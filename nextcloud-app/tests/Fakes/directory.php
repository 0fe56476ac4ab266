<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Fakes;

use OCP\IGroup;
use OCP\IGroupManager;
use OCP\IUser;
use OCP\IUserManager;

abstract class FakeUser implements IUser {
	use Fake;

	/** @param array<string, string> $attributes profile fields a mailbox rule may read (e.g. an LDAP attribute) */
	public function __construct(
		public string $uid,
		public ?string $email = null,
		public string $displayName = '',
		public bool $enabled = true,
		public array $attributes = [],
	) {
	}
	public function getUID(): string {
		return $this->uid;
	}
	public function getDisplayName(): string {
		return $this->displayName;
	}
	public function getEMailAddress(): ?string {
		return $this->email;
	}
	public function getPrimaryEMailAddress(): ?string {
		return $this->email;
	}
	public function isEnabled(): bool {
		return $this->enabled;
	}
}

abstract class FakeGroup implements IGroup {
	use Fake;

	/** @param list<IUser> $users */
	public function __construct(public string $gid, public array $users = []) {
	}
	public function getGID(): string {
		return $this->gid;
	}
	public function getDisplayName(): string {
		return ucfirst($this->gid);
	}
	public function getUsers(): array {
		return $this->users;
	}
	public function searchUsers(string $search, ?int $limit = null, ?int $offset = null): array {
		return array_slice($this->users, $offset ?? 0, $limit);
	}
	public function count($search = ''): int|bool {
		return count($this->users);
	}
}

/** Groups and users in one place, so membership questions agree with each other. */
abstract class FakeDirectory implements IGroupManager {
	use Fake;

	/** @var array<string, FakeGroup> */
	public array $groups = [];
	/** @var array<string, FakeUser> */
	public array $users = [];

	public function addGroup(string $gid, FakeUser ...$members): FakeGroup {
		foreach ($members as $user) {
			$this->users[$user->uid] = $user;
		}
		return $this->groups[$gid] = FakeGroup::make($gid, $members);
	}
	public function get($gid) {
		return $this->groups[$gid] ?? null;
	}
	public function search(string $search, ?int $limit = null, ?int $offset = 0) {
		return array_values(array_filter($this->groups, static fn (FakeGroup $g) => $search === '' || str_contains($g->gid, $search)));
	}
	public function isInGroup($userId, $group) {
		foreach (($this->groups[$group] ?? null)?->users ?? [] as $user) {
			if ($user->getUID() === $userId) {
				return true;
			}
		}
		return false;
	}
	public function getUserGroupIds(IUser $user): array {
		return array_values(array_filter(array_map('strval', array_keys($this->groups)), fn (string $gid) => $this->isInGroup($user->getUID(), $gid)));
	}
	/** @return list<FakeUser> */
	public function usersByEmail($email): array {
		return array_values(array_filter($this->users, static fn (FakeUser $u) => $u->email !== null && strtolower($u->email) === strtolower((string)$email)));
	}
}

abstract class FakeUserManager implements IUserManager {
	use Fake;

	public function __construct(private FakeDirectory $directory) {
	}
	public function get($uid): ?IUser {
		return $this->directory->users[$uid] ?? null;
	}
	public function getByEmail($email) {
		return $this->directory->usersByEmail($email);
	}
	/** uid contains the pattern, case-insensitively, as the database backend does */
	public function search($pattern, $limit = null, $offset = null) {
		$out = array_filter($this->directory->users, static fn (FakeUser $u) => stripos($u->uid, (string)$pattern) !== false);
		return array_slice($out, (int)$offset, $limit, true);
	}
	public function searchDisplayName($pattern, $limit = null, $offset = null) {
		$out = array_filter($this->directory->users, static fn (FakeUser $u) => stripos($u->displayName, (string)$pattern) !== false);
		return array_values(array_slice($out, (int)$offset, $limit));
	}
}
