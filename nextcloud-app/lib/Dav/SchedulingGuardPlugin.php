<?php

declare(strict_types=1);

namespace OCA\Exsync\Dav;

use OCA\Exsync\Service\EnrollmentStore;
use OCP\IUserManager;
use Sabre\DAV\Server;
use Sabre\DAV\ServerPlugin;
use Sabre\VObject\ITip\Message;

/**
 * Scheduling has one owner, Exchange (DESIGN.md §4.6): for an enrolled user, Nextcloud must neither
 * mail invitations, replies or cancellations (IMipPlugin, 'schedule' listener at priority 120) nor
 * deliver them into other local calendars (Schedule\Plugin::scheduleLocalDelivery, priority 100) —
 * the same meeting reaches everyone through Exchange and comes back by sync, once.
 *
 * Sabre's Schedule\Plugin::deliver() emits 'schedule' for every iTIP message it generated; a listener
 * returning false stops the ones after it. This one runs first (priority 50) and stops messages whose
 * sender is an enrolled user.
 *
 * Limits: the guard knows users, not calendars — an enrolled user's meetings in a calendar the
 * service does not mirror are not scheduled by Nextcloud either. Messages from users who are not
 * enrolled to enrolled ones are still delivered (that is Nextcloud's own scheduling). The sync
 * service's own writes are meant to be silent without this plugin too (SCHEDULE-AGENT=CLIENT on the
 * attendees it writes, DESIGN.md §4.6); this guard covers what users do in Nextcloud clients.
 */
class SchedulingGuardPlugin extends ServerPlugin {
	public const PRIORITY = 50;
	public const STATUS = '1.1;Not delivered by Nextcloud: Exchange schedules this meeting (exsync)';

	/** @var array<string, bool> enrolled-ness per address, for the one request this plugin lives in */
	private array $cache = [];

	public function __construct(
		private IUserManager $userManager,
		private EnrollmentStore $store,
	) {
	}

	public function initialize(Server $server) {
		$server->on('schedule', [$this, 'schedule'], self::PRIORITY);
	}

	public function getPluginName() {
		return 'exsync-scheduling-guard';
	}

	/** @return bool|null false stops Nextcloud's delivery of this message */
	public function schedule(Message $message) {
		$address = self::addressOf($message->sender);
		if ($address === null || !$this->isEnrolledAddress($address)) {
			return null;
		}
		$message->scheduleStatus = self::STATUS;
		return false;
	}

	private function isEnrolledAddress(string $address): bool {
		if (!array_key_exists($address, $this->cache)) {
			$enrolled = false;
			foreach ($this->userManager->getByEmail($address) as $user) {
				if ($this->store->tokenId((string)$user->getUID()) !== null) {
					$enrolled = true;
					break;
				}
			}
			$this->cache[$address] = $enrolled;
		}
		return $this->cache[$address];
	}

	/** "mailto:Ann@Example.com" -> "ann@example.com"; principals and other URIs are not addresses. */
	private static function addressOf($sender): ?string {
		if (!is_string($sender) || stripos($sender, 'mailto:') !== 0) {
			return null;
		}
		$address = strtolower(rawurldecode(substr($sender, 7)));
		return $address === '' ? null : $address;
	}
}
