<?php

declare(strict_types=1);

namespace OCA\Exsync\Push;

use OCA\Exsync\AppInfo\Application;
use OCA\Exsync\Service\ServiceClient;
use OCA\Exsync\Service\ServiceException;
use OCA\Exsync\Settings\AppSettings;
use OCP\AppFramework\Utility\ITimeFactory;
use OCP\IAppConfig;
use Psr\Log\LoggerInterface;

/**
 * Collects "user X's kind K changed" during one Nextcloud request (one instance per request: the container shares
 * it) and sends them to the sync service ONCE, after the request's work (a PHP shutdown function), in one call for
 * every user the request touched. Fire-and-forget with a short timeout: a slow or absent service never fails the
 * user's write. What could not be sent goes to a bounded spool in app config that the FlushChanges background job
 * retries; while the service is failing, requests skip the direct call for a minute (spool only), so an outage
 * costs at most one short wait per minute. A change that is lost anyway (spool full) is still synced by the
 * service's scheduled sync: push only shortens the wait.
 */
class ChangeNotifier {
	/** Distinct users × kinds one request collects; more than that is a bulk import the scheduled sync handles. */
	public const MAX_PER_REQUEST = 1000;
	/** Entries the spool keeps while the service is unreachable. */
	public const MAX_SPOOL = 5000;
	/** Seconds the direct call is skipped after it failed. */
	public const BACKOFF_SECONDS = 60;
	/** Seconds between heartbeats the background job sends when it has nothing else to send. */
	public const HEARTBEAT_SECONDS = 15 * 60;
	public const TIMEOUT_SECONDS = 2;

	private const SPOOL = 'push_spool';
	private const BACKOFF_UNTIL = 'push_backoff_until';
	private const LAST_SENT = 'push_last_sent';

	/** @var array<string, true> "uid\tkind" */
	private array $pending = [];
	private bool $scheduled = false;
	private bool $overflowLogged = false;
	/** @var callable(callable): void */
	private $atShutdown;

	public function __construct(
		private ServiceClient $client,
		private AppSettings $settings,
		private IAppConfig $appConfig,
		private ITimeFactory $time,
		private LoggerInterface $logger,
		?callable $atShutdown = null,
	) {
		$this->atShutdown = $atShutdown ?? static function (callable $flush): void {
			register_shutdown_function($flush);
		};
	}

	public function add(string $uid, string $kind): void {
		$key = $uid . "\t" . $kind;
		if (isset($this->pending[$key])) {
			return;
		}
		if (count($this->pending) >= self::MAX_PER_REQUEST) {
			if (!$this->overflowLogged) {
				$this->overflowLogged = true;
				$this->logger->info('exsync: more changes in one request than are reported at once; the scheduled sync carries the rest');
			}
			return;
		}
		$this->pending[$key] = true;
		if (!$this->scheduled) {
			$this->scheduled = true;
			($this->atShutdown)(fn () => $this->flush());
		}
	}

	/** @return list<array{ncUserId: string, kind: string}> what this request collected so far */
	public function pending(): array {
		return self::decode(array_keys($this->pending));
	}

	/** Sends what this request collected (once); never throws. */
	public function flush(): void {
		$keys = array_keys($this->pending);
		$this->pending = [];
		$this->scheduled = false;
		if ($keys === [] || !$this->configured()) {
			return;
		}
		try {
			if ($this->backingOff()) {
				$this->spool($keys);
				return;
			}
			if (!$this->send($keys)) {
				$this->spool($keys);
			}
		} catch (\Throwable $e) {
			$this->logger->warning('exsync: change notification failed', ['exception_class' => get_class($e)]);
		}
	}

	/**
	 * The background job's part: sends the spool (in chunks the service accepts), or a heartbeat when there was
	 * nothing to send for a while, so the service can show that push from Nextcloud is on.
	 */
	public function flushSpool(): void {
		if (!$this->configured()) {
			return;
		}
		$spool = $this->spooled();
		if ($spool === []) {
			$last = (int)$this->appConfig->getValueString(Application::APP_ID, self::LAST_SENT, '0', lazy: true);
			if ($this->time->getTime() - $last >= self::HEARTBEAT_SECONDS) {
				$this->send([]);
			}
			return;
		}
		$sent = [];
		foreach (array_chunk($spool, ServiceClient::BULK_LIMIT) as $chunk) {
			if (!$this->send($chunk)) {
				break;
			}
			array_push($sent, ...$chunk);
		}
		// Entries spooled meanwhile by other requests stay.
		$this->writeSpool(array_values(array_diff($this->spooled(), $sent)));
	}

	/** @return list<string> */
	public function spooled(): array {
		return array_values(array_filter(
			$this->appConfig->getValueArray(Application::APP_ID, self::SPOOL, [], lazy: true),
			'is_string',
		));
	}

	/** @param list<string> $keys */
	private function send(array $keys): bool {
		try {
			$this->client->reportChanges(self::decode($keys), self::TIMEOUT_SECONDS);
			$this->appConfig->setValueString(Application::APP_ID, self::LAST_SENT, (string)$this->time->getTime(), lazy: true);
			if ($this->appConfig->getValueString(Application::APP_ID, self::BACKOFF_UNTIL, '', lazy: true) !== '') {
				$this->appConfig->deleteKey(Application::APP_ID, self::BACKOFF_UNTIL);
			}
			return true;
		} catch (ServiceException $e) {
			$this->appConfig->setValueString(Application::APP_ID, self::BACKOFF_UNTIL, (string)($this->time->getTime() + self::BACKOFF_SECONDS), lazy: true);
			$this->logger->warning('exsync: the sync service did not take a change notification; retried by the background job', ['code' => $e->getErrorCode()]);
			return false;
		}
	}

	private function backingOff(): bool {
		$until = $this->appConfig->getValueString(Application::APP_ID, self::BACKOFF_UNTIL, '', lazy: true);
		return $until !== '' && $this->time->getTime() < (int)$until;
	}

	/** @param list<string> $keys */
	private function spool(array $keys): void {
		$spool = array_values(array_unique(array_merge($this->spooled(), $keys)));
		if (count($spool) > self::MAX_SPOOL) {
			$this->logger->warning('exsync: change spool full; the scheduled sync carries the changes left out', ['dropped' => count($spool) - self::MAX_SPOOL]);
			$spool = array_slice($spool, 0, self::MAX_SPOOL);
		}
		$this->writeSpool($spool);
	}

	/** @param list<string> $spool */
	private function writeSpool(array $spool): void {
		if ($spool === []) {
			$this->appConfig->deleteKey(Application::APP_ID, self::SPOOL);
			return;
		}
		$this->appConfig->setValueArray(Application::APP_ID, self::SPOOL, $spool, lazy: true);
	}

	private function configured(): bool {
		return $this->settings->getServiceUrl() !== '' && $this->settings->hasApiKey();
	}

	/**
	 * @param list<string> $keys
	 * @return list<array{ncUserId: string, kind: string}>
	 */
	private static function decode(array $keys): array {
		$out = [];
		foreach ($keys as $key) {
			[$uid, $kind] = explode("\t", $key, 2) + [1 => ''];
			$out[] = ['ncUserId' => $uid, 'kind' => $kind];
		}
		return $out;
	}
}
