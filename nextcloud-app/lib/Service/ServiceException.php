<?php

declare(strict_types=1);

namespace OCA\Exsync\Service;

/**
 * A failed call to the sync service. getMessage() is written for the admin (safe to show: it never
 * holds the API key or an app password); getErrorCode() is the service's stable code, or one of the
 * EXSYNC_APP_* codes for failures that happen before the service answers.
 */
class ServiceException extends \RuntimeException {
	public const NOT_CONFIGURED = 'EXSYNC_APP_NOT_CONFIGURED';
	public const UNREACHABLE = 'EXSYNC_APP_UNREACHABLE';
	public const BAD_RESPONSE = 'EXSYNC_APP_BAD_RESPONSE';

	public function __construct(
		string $message,
		private string $errorCode,
		private int $httpStatus = 0,
	) {
		parent::__construct($message);
	}

	public function getErrorCode(): string {
		return $this->errorCode;
	}

	/** 0 when the service never answered. */
	public function getHttpStatus(): int {
		return $this->httpStatus;
	}

	/** Worth trying again later (network, throttling, service trouble) rather than fixing input. */
	public function isTransient(): bool {
		return $this->httpStatus === 0 && $this->errorCode === self::UNREACHABLE
			|| $this->httpStatus === 429 || $this->httpStatus >= 500;
	}
}
