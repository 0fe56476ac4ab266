<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Fakes;

use OCP\IGroup;
use OCP\IGroupManager;
use OCP\IUser;
use OCP\IUserManager;

class FakeUser implements IUser {
	public function __construct(
		public string $uid,
		public ?string $email = null,
		public string $displayName = '',
		public bool $enabled = true,
	) {
	}
	public function getUID() {
		return $this->uid;
	}
	public function getDisplayName() {
		return $this->displayName;
	}
	public function getEMailAddress() {
		return $this->email;
	}
	public function isEnabled() {
		return $this->enabled;
	}
}

class FakeGroup implements IGroup {
	/** @param list<IUser> $users */
	public function __construct(public string $gid, public array $users = []) {
	}
	public function getGID() {
		return $this->gid;
	}
	public function getDisplayName() {
		return ucfirst($this->gid);
	}
	public function getUsers() {
		return $this->users;
	}
	public function searchUsers(string $search, ?int $limit = null, ?int $offset = null): array {
		return array_slice($this->users, $offset ?? 0, $limit);
	}
}

/** Groups and users in one place, so membership questions agree with each other. */
class FakeDirectory implements IGroupManager {
	/** @var array<string, FakeGroup> */
	public array $groups = [];
	/** @var array<string, FakeUser> */
	public array $users = [];

	public function addGroup(string $gid, FakeUser ...$members): FakeGroup {
		foreach ($members as $user) {
			$this->users[$user->uid] = $user;
		}
		return $this->groups[$gid] = new FakeGroup($gid, $members);
	}
	public function get($gid) {
		return $this->groups[$gid] ?? null;
	}
	public function search(string $search, ?int $limit = null, ?int $offset = null) {
		return array_values(array_filter($this->groups, static fn (FakeGroup $g) => $search === '' || str_contains($g->gid, $search)));
	}
	public function isInGroup($userId, $group) {
		foreach (($this->groups[$group] ?? new FakeGroup($group))->users as $user) {
			if ($user->getUID() === $userId) {
				return true;
			}
		}
		return false;
	}
	public function getUserGroupIds(IUser $user) {
		return array_values(array_filter(array_keys($this->groups), fn ($gid) => $this->isInGroup($user->getUID(), (string)$gid)));
	}
	public function getByEmail($email) {
		return array_values(array_filter($this->users, static fn (FakeUser $u) => $u->email !== null && strtolower($u->email) === strtolower((string)$email)));
	}
}

class FakeUserManager implements IUserManager {
	public function __construct(private FakeDirectory $directory) {
	}
	public function get($uid) {
		return $this->directory->users[$uid] ?? null;
	}
	public function getByEmail($email) {
		return $this->directory->getByEmail($email);
	}
}
