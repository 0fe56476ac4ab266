<?php

declare(strict_types=1);

namespace OCA\Exsync\Settings;

/** A setting the admin page sent that is unknown or out of range; the message is safe to show. */
class InvalidSettingException extends \InvalidArgumentException {
}
