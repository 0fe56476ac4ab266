<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Fakes;

use OCP\Accounts\IAccount;
use OCP\Accounts\IAccountManager;
use OCP\Accounts\IAccountProperty;
use OCP\Accounts\PropertyDoesNotExistException;
use OCP\IUser;

/** Account properties per user (what LDAP or the user filled into their profile), by property name. */
abstract class FakeAccountManager implements IAccountManager {
	use Fake;

	/** @var array<string, array<string, string>> uid => property => value */
	public array $properties = [];

	public function getAccount(IUser $user): IAccount {
		return FakeAccount::make($this->properties[$user->getUID()] ?? []);
	}
}

abstract class FakeAccount implements IAccount {
	use Fake;

	/** @param array<string, string> $values */
	public function __construct(private array $values) {
	}
	public function getProperty(string $property): IAccountProperty {
		if (!array_key_exists($property, $this->values)) {
			throw new PropertyDoesNotExistException($property);
		}
		return FakeAccountProperty::make($this->values[$property]);
	}
}

abstract class FakeAccountProperty implements IAccountProperty {
	use Fake;

	public function __construct(private string $value) {
	}
	public function getValue(): string {
		return $this->value;
	}
}
