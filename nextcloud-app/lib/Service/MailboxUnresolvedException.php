<?php

declare(strict_types=1);

namespace OCA\Exsync\Service;

/** The mailbox mapping gives no address for a user; the message says which user and what to fix. */
class MailboxUnresolvedException extends \RuntimeException {
}
