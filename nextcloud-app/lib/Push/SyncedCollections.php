<?php

declare(strict_types=1);

namespace OCA\Exsync\Push;

/**
 * Which Nextcloud collections the sync service mirrors, and for whom. The service creates them in the user's
 * home under fixed names (apps/sync-service/src/sync/kinds.ts, `slug`; a test keeps the two in step), so a
 * collection is synced exactly when its URI is one of these and its owner is a user (principals/users/{uid}).
 */
final class SyncedCollections {
	public const CALENDARS = ['exchange-calendar' => 'events', 'exchange-tasks' => 'tasks'];
	public const ADDRESS_BOOKS = ['exchange-contacts' => 'contacts'];

	/**
	 * @param array<string, mixed> $collection a calendar's or address book's row as the DAV events carry it
	 * @return ?array{uid: string, kind: string} the owner and item kind, or null for a collection the service does not sync
	 */
	public static function of(array $collection, bool $addressBook): ?array {
		$uri = $collection['uri'] ?? null;
		$principal = $collection['principaluri'] ?? null;
		$kinds = $addressBook ? self::ADDRESS_BOOKS : self::CALENDARS;
		if (!is_string($uri) || !is_string($principal) || !isset($kinds[$uri])) {
			return null;
		}
		$prefix = 'principals/users/';
		if (!str_starts_with($principal, $prefix) || strlen($principal) === strlen($prefix)) {
			return null;
		}
		return ['uid' => substr($principal, strlen($prefix)), 'kind' => $kinds[$uri]];
	}
}
