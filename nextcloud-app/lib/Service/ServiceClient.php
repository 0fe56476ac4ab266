<?php

declare(strict_types=1);

namespace OCA\Exsync\Service;

use OCA\Exsync\Settings\AppSettings;
use OCP\Http\Client\IClientService;
use OCP\Http\Client\IResponse;
use Psr\Log\LoggerInterface;

/**
 * The sync service's REST API (/v1, bearer tenant API key), as the app uses it. Every failure becomes
 * a ServiceException whose message an admin can act on; request bodies (they carry app passwords) are
 * never logged.
 */
class ServiceClient {
	public const BULK_LIMIT = 1000;
	public const USER_ACTIONS = ['sync', 'resync', 'pause', 'resume'];
	public const USER_STATES = ['active', 'paused', 'auth_required', 'throttled', 'error', 'needs_review'];
	/**
	 * The orders of the user list (ties by ncUserId), as the service's GET /v1/users?sort= names them; lastSuccessAt:
	 * by the end of the last successful sync, lastAttemptAt: by the last sync tried, whatever its outcome.
	 */
	public const USER_SORTS = ['ncUserId', 'displayName', 'state', 'lastSuccessAt', 'lastAttemptAt'];

	private const TIMEOUT_SECONDS = 30;

	/** Service error codes whose own message is not the most useful thing to tell a Nextcloud admin. */
	private const READABLE = [
		'EXSYNC_UNAUTHENTICATED' => 'The sync service refused the API key. Ask the operator for a current tenant API key and save it in the exsync settings.',
		'EXSYNC_TOO_MANY_AUTH_FAILURES' => 'The sync service is refusing this server for a minute after repeated failed API keys. Check the API key, then try again in a minute.',
		'EXSYNC_ADMIN_REQUIRED' => 'The saved key is not a tenant API key. Save the tenant key the operator issued for this Nextcloud.',
		'EXSYNC_TENANT_REQUIRED' => 'The saved key is the operator\'s admin key. Save the tenant API key issued for this Nextcloud instead.',
		'EXSYNC_ROUTE_NOT_FOUND' => 'The sync service does not offer this action. Check the service URL, or update the sync service.',
		'EXSYNC_USER_NOT_FOUND' => 'This user is not enrolled at the sync service. Enrol them by adding them to an enrolled group.',
		// Sync now / resync for a user whose app password stopped working: the fix is new credentials, not a retry.
		'EXSYNC_USER_NOT_SYNCABLE' => 'This user cannot be synced until they have working credentials: choose "Re-issue credentials" (or "Resume" if the user is paused).',
		'EXSYNC_CONNECTION_NOT_FOUND' => 'No Exchange connection is configured yet. Fill in the Exchange connection section and save it.',
	];

	public function __construct(
		private IClientService $clientService,
		private AppSettings $settings,
		private LoggerInterface $logger,
	) {
	}

	/**
	 * @param array{loginName: string, appPassword: string, email?: ?string, mailbox?: ?string, displayName?: ?string} $user
	 * @return bool true when the user was created, false when updated
	 */
	public function upsertUser(string $ncUserId, array $user): bool {
		$response = $this->request('PUT', '/v1/users/' . rawurlencode($ncUserId), $user);
		return $response['status'] === 201;
	}

	/**
	 * All or nothing at the service: if it refuses one entry, none is written.
	 *
	 * @param list<array{ncUserId: string, loginName: string, appPassword: string, email?: ?string, mailbox?: ?string, displayName?: ?string}> $users
	 * @return array{created: int, updated: int}
	 */
	public function bulkUpsert(array $users): array {
		if ($users === [] || count($users) > self::BULK_LIMIT) {
			throw new \InvalidArgumentException(sprintf('A bulk upsert takes 1 to %d users, got %d.', self::BULK_LIMIT, count($users)));
		}
		$body = $this->request('POST', '/v1/users/bulk', ['users' => $users])['body'];
		return ['created' => (int)($body['created'] ?? 0), 'updated' => (int)($body['updated'] ?? 0)];
	}

	/** @return bool false when the service did not know the user (already removed: fine) */
	public function deleteUser(string $ncUserId): bool {
		try {
			$this->request('DELETE', '/v1/users/' . rawurlencode($ncUserId));
			return true;
		} catch (ServiceException $e) {
			if ($e->getErrorCode() === 'EXSYNC_USER_NOT_FOUND') {
				return false;
			}
			throw $e;
		}
	}

	/**
	 * One page of enrolled users. $search: part of the uid, display name, e-mail or mailbox, matched by the service
	 * (case-insensitive) so a search never walks the whole list; $sort/$order: one of USER_SORTS, asc or desc.
	 *
	 * @return array{items: list<array<string, mixed>>, nextCursor: ?string}
	 */
	public function listUsers(?string $state = null, ?string $cursor = null, int $limit = 100, ?string $search = null, ?string $sort = null, ?string $order = null): array {
		if ($state !== null && !in_array($state, self::USER_STATES, true)) {
			throw new \InvalidArgumentException('Unknown user state "' . $state . '".');
		}
		if ($sort !== null && !in_array($sort, self::USER_SORTS, true)) {
			throw new \InvalidArgumentException('Sort by one of: ' . implode(', ', self::USER_SORTS) . '.');
		}
		if ($order !== null && $order !== 'asc' && $order !== 'desc') {
			throw new \InvalidArgumentException('Sort ascending (asc) or descending (desc).');
		}
		$search = $search === null ? null : trim(mb_substr($search, 0, 100));
		$query = array_filter(
			['state' => $state, 'q' => $search, 'sort' => $sort, 'order' => $order, 'cursor' => $cursor, 'limit' => (string)max(1, min(self::BULK_LIMIT, $limit))],
			static fn ($v) => $v !== null && $v !== '',
		);
		$body = $this->request('GET', '/v1/users?' . http_build_query($query))['body'];
		$items = is_array($body['items'] ?? null) ? array_values($body['items']) : [];
		// The service never returns app passwords; drop anything password-like anyway before it reaches a browser.
		$items = array_map(static fn ($item) => is_array($item) ? array_diff_key($item, ['appPassword' => true]) : [], $items);
		$next = $body['nextCursor'] ?? null;
		return ['items' => $items, 'nextCursor' => is_string($next) ? $next : null];
	}

	/**
	 * Users per state in one request. An older service without GET /v1/user-counts answers EXSYNC_ROUTE_NOT_FOUND.
	 *
	 * @return array<string, int> every state of USER_STATES
	 */
	public function countUsers(): array {
		$body = $this->request('GET', '/v1/user-counts')['body'];
		$counts = [];
		foreach (self::USER_STATES as $state) {
			$counts[$state] = (int)($body['counts'][$state] ?? 0);
		}
		return $counts;
	}

	/** @return array<string, mixed> */
	public function getUser(string $ncUserId): array {
		return array_diff_key($this->request('GET', '/v1/users/' . rawurlencode($ncUserId))['body'], ['appPassword' => true]);
	}

	/**
	 * sync now / resync from scratch / pause / resume one user.
	 * NOTE: the service (apps/sync-service) does not have these routes yet; the paths are this app's
	 * proposal. Until it does, the service answers EXSYNC_ROUTE_NOT_FOUND and the admin sees that.
	 *
	 * @return array<string, mixed>
	 */
	public function userAction(string $ncUserId, string $action): array {
		if (!in_array($action, self::USER_ACTIONS, true)) {
			throw new \InvalidArgumentException('Unknown action "' . $action . '".');
		}
		return $this->request('POST', '/v1/users/' . rawurlencode($ncUserId) . '/' . $action, new \stdClass())['body'];
	}

	/**
	 * The user's sync runs, newest first (one per collection pair and run).
	 *
	 * @return array{items: list<array<string, mixed>>, nextCursor: ?string}
	 */
	public function listRuns(string $ncUserId, ?string $cursor = null, int $limit = 20): array {
		$query = array_filter(['cursor' => $cursor, 'limit' => (string)max(1, min(100, $limit))], static fn ($v) => $v !== null && $v !== '');
		$body = $this->request('GET', '/v1/users/' . rawurlencode($ncUserId) . '/runs?' . http_build_query($query))['body'];
		$next = $body['nextCursor'] ?? null;
		return ['items' => is_array($body['items'] ?? null) ? array_values($body['items']) : [], 'nextCursor' => is_string($next) ? $next : null];
	}

	/** @return list<array<string, mixed>> the user's deletions held for review (decided ones wait for the next run) */
	public function heldDeletions(string $ncUserId): array {
		$body = $this->request('GET', '/v1/users/' . rawurlencode($ncUserId) . '/held-deletions')['body'];
		return is_array($body['items'] ?? null) ? array_values($body['items']) : [];
	}

	/**
	 * apply: the deletion was meant; restore: bring the item back. $ids null = every held deletion of the user.
	 *
	 * @param ?list<string> $ids
	 * @return array<string, mixed>
	 */
	public function decideHeldDeletions(string $ncUserId, string $decision, ?array $ids): array {
		if (!in_array($decision, ['apply', 'restore'], true)) {
			throw new \InvalidArgumentException('A held deletion is either applied or restored.');
		}
		$body = $ids === null ? ['decision' => $decision, 'all' => true] : ['decision' => $decision, 'ids' => array_values($ids)];
		return $this->request('POST', '/v1/users/' . rawurlencode($ncUserId) . '/held-deletions/decision', $body)['body'];
	}

	/** @return array{items: list<array<string, mixed>>, nextCursor: ?string} the user's conflicts, newest first */
	public function conflicts(string $ncUserId, ?string $cursor = null): array {
		$query = array_filter(['cursor' => $cursor, 'limit' => '20'], static fn ($v) => $v !== null && $v !== '');
		$body = $this->request('GET', '/v1/users/' . rawurlencode($ncUserId) . '/conflicts?' . http_build_query($query))['body'];
		$next = $body['nextCursor'] ?? null;
		return ['items' => is_array($body['items'] ?? null) ? array_values($body['items']) : [], 'nextCursor' => is_string($next) ? $next : null];
	}

	/** @return ?array<string, mixed> the connection without its secrets (the service never returns them), null if none */
	public function getExchangeConnection(): ?array {
		try {
			return $this->request('GET', '/v1/exchange-connection')['body'];
		} catch (ServiceException $e) {
			if ($e->getErrorCode() === 'EXSYNC_CONNECTION_NOT_FOUND') {
				return null;
			}
			throw $e;
		}
	}

	/**
	 * @param array<string, mixed> $connection as the service's PUT /v1/exchange-connection takes it; a secret left out keeps the stored one
	 * @return array<string, mixed>
	 */
	public function putExchangeConnection(array $connection): array {
		return $this->request('PUT', '/v1/exchange-connection', (object)$connection)['body'];
	}

	/**
	 * Tries one mailbox (an address, or an enrolled user's) with the saved Exchange connection; the service opens its
	 * folders and answers { ok, mailbox, stateCode, message, folders } — a failure is an answer, not an exception.
	 *
	 * @return array<string, mixed>
	 */
	public function testMailbox(?string $mailbox, ?string $ncUserId): array {
		if (($mailbox === null) === ($ncUserId === null)) {
			throw new \InvalidArgumentException('Name either a mailbox or a user to test.');
		}
		return $this->request('POST', '/v1/exchange-connection/test', $mailbox !== null ? ['mailbox' => $mailbox] : ['ncUserId' => $ncUserId])['body'];
	}

	/** @return array<string, mixed> */
	public function getSyncSettings(): array {
		return $this->request('GET', '/v1/settings')['body'];
	}

	/**
	 * @param array<string, mixed> $settings the complete settings (PUT replaces them)
	 * @return array<string, mixed>
	 */
	public function putSyncSettings(array $settings): array {
		return $this->request('PUT', '/v1/settings', (object)$settings)['body'];
	}

	/**
	 * Tells the service these users' synced collections changed in Nextcloud (push); an empty list is the
	 * heartbeat. Short timeout: the caller runs at the end of a user's request.
	 *
	 * @param list<array{ncUserId: string, kind: string}> $changes
	 */
	public function reportChanges(array $changes, int $timeoutSeconds): void {
		if (count($changes) > self::BULK_LIMIT) {
			throw new \InvalidArgumentException(sprintf('At most %d changes per call, got %d.', self::BULK_LIMIT, count($changes)));
		}
		$this->request('POST', '/v1/nextcloud-changes', ['changes' => $changes], $timeoutSeconds);
	}

	/**
	 * @param array<mixed>|object|null $json
	 * @return array{status: int, body: array<string, mixed>}
	 */
	private function request(string $method, string $path, array|object|null $json = null, int $timeoutSeconds = self::TIMEOUT_SECONDS): array {
		$baseUrl = $this->settings->getServiceUrl();
		$apiKey = $this->settings->getApiKey();
		if ($baseUrl === '' || $apiKey === '') {
			throw new ServiceException('The sync service is not configured yet: save its URL and the tenant API key in the exsync settings.', ServiceException::NOT_CONFIGURED);
		}
		$options = [
			'headers' => ['Authorization' => 'Bearer ' . $apiKey, 'Accept' => 'application/json'],
			'timeout' => $timeoutSeconds,
			'connect_timeout' => min($timeoutSeconds, 5),
			// Read every status ourselves instead of catching Guzzle exceptions (whose text can hold the request).
			'http_errors' => false,
			'nextcloud' => ['allow_local_address' => $this->settings->allowLocalAddress()],
		];
		if ($json !== null) {
			$options['json'] = $json;
		}
		$url = $baseUrl . $path;
		try {
			$client = $this->clientService->newClient();
			$response = match ($method) {
				'GET' => $client->get($url, $options),
				'POST' => $client->post($url, $options),
				'PUT' => $client->put($url, $options),
				'DELETE' => $client->delete($url, $options),
			};
		} catch (\Throwable $e) {
			// Only the class and the URL: the exception text of an HTTP client may quote request options.
			$this->logger->warning('exsync: the sync service could not be reached', ['url' => $url, 'exception_class' => get_class($e)]);
			if (str_contains($e->getMessage(), 'local access rules')) {
				throw new ServiceException('Nextcloud refuses to connect to a local address. Tick "Sync service is on the local network" in the exsync settings.', ServiceException::UNREACHABLE);
			}
			throw new ServiceException('The sync service at ' . $baseUrl . ' could not be reached. Check the URL and that the service is running.', ServiceException::UNREACHABLE);
		}
		return $this->decode($response, $method, $path);
	}

	/** @return array{status: int, body: array<string, mixed>} */
	private function decode(IResponse $response, string $method, string $path): array {
		$status = $response->getStatusCode();
		$raw = $response->getBody();
		$raw = is_resource($raw) ? (string)stream_get_contents($raw) : (string)$raw;
		$body = $raw === '' ? [] : json_decode($raw, true);
		if ($status >= 200 && $status < 300) {
			if (!is_array($body)) {
				throw new ServiceException('The sync service sent an answer this app cannot read. Check that the service URL points at the exsync sync service.', ServiceException::BAD_RESPONSE, $status);
			}
			return ['status' => $status, 'body' => $body];
		}
		$code = is_array($body) && is_string($body['code'] ?? null) ? $body['code'] : null;
		$serviceMessage = is_array($body) && is_string($body['message'] ?? null) ? $body['message'] : null;
		$this->logger->info('exsync: the sync service refused a request', ['method' => $method, 'path' => $path, 'status' => $status, 'code' => $code]);
		if ($code === null) {
			throw new ServiceException(sprintf('The sync service answered HTTP %d without an explanation. Check that the service URL points at the exsync sync service.', $status), ServiceException::BAD_RESPONSE, $status);
		}
		$message = self::READABLE[$code] ?? $serviceMessage ?? sprintf('The sync service refused the request (%s).', $code);
		if ($status >= 500 && !isset(self::READABLE[$code])) {
			$message = 'The sync service had a problem: ' . ($serviceMessage ?? $code) . ' Try again later; the service log has the details.';
		}
		throw new ServiceException($message, $code, $status);
	}
}
