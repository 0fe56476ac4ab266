<?php

declare(strict_types=1);

namespace OCA\Exsync\Service;

use OCP\IConfig;
use Psr\Container\ContainerInterface;

/**
 * Per-user preference values of this app, over whichever API the running Nextcloud offers: IUserConfig
 * (Nextcloud ≥ 32; IConfig's user-value methods are deprecated from 33) or IConfig (30–31). The app type-hints
 * this class, never IUserConfig, because the DI container of Nextcloud 30 cannot resolve a class it lacks.
 */
class UserPreferences {
	private function __construct(
		private ?object $userConfig,
		private ?IConfig $config,
	) {
	}

	/** @param \OCP\Config\IUserConfig $userConfig */
	public static function overUserConfig(object $userConfig): self {
		return new self($userConfig, null);
	}

	public static function overConfig(IConfig $config): self {
		return new self(null, $config);
	}

	/** What Application registers: IUserConfig when the server has it, IConfig otherwise. */
	public static function fromContainer(ContainerInterface $container): self {
		$userConfig = 'OCP\\Config\\IUserConfig';
		if (interface_exists($userConfig)) {
			return self::overUserConfig($container->get($userConfig));
		}
		return self::overConfig($container->get(IConfig::class));
	}

	public function get(string $uid, string $app, string $key): string {
		if ($this->userConfig !== null) {
			return $this->userConfig->getValueString($uid, $app, $key, '');
		}
		return (string)$this->config?->getUserValue($uid, $app, $key, '');
	}

	public function set(string $uid, string $app, string $key, string $value): void {
		if ($this->userConfig !== null) {
			$this->userConfig->setValueString($uid, $app, $key, $value);
			return;
		}
		$this->config?->setUserValue($uid, $app, $key, $value);
	}

	public function delete(string $uid, string $app, string $key): void {
		if ($this->userConfig !== null) {
			$this->userConfig->deleteUserConfig($uid, $app, $key);
			return;
		}
		$this->config?->deleteUserValue($uid, $app, $key);
	}

	/** @return list<string> users whose $key is exactly $value */
	public function usersWith(string $app, string $key, string $value): array {
		if ($this->userConfig !== null) {
			return array_values(array_map('strval', iterator_to_array($this->userConfig->searchUsersByValueString($app, $key, $value), false)));
		}
		return array_values(array_map('strval', (array)$this->config?->getUsersForUserValue($app, $key, $value)));
	}
}
