<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Unit\BackgroundJob;

use OCA\Exsync\BackgroundJob\ReconcileEnrollment;
use OCA\Exsync\Tests\Fakes\FakeUser;
use OCA\Exsync\Tests\Unit\Harness;
use OCA\Exsync\Tests\Fakes\FixedTime;
use OCP\BackgroundJob\TimedJob;
use PHPUnit\Framework\TestCase;

class ReconcileEnrollmentTest extends TestCase {
	public function testRunsEveryQuarterHourEnrolsMembersAndLogsCountsOnly(): void {
		$h = new Harness();
		$h->settings->setGroups(['sales']);
		$h->directory->addGroup('sales', FakeUser::make('ann'));
		$job = new ReconcileEnrollment(FixedTime::make(0), $h->enrollment, $h->logger);

		// Nextcloud calls run() from start() (which needs the server); getInterval() exists only from NC 32,
		// so the interval is read where every release keeps it: TimedJob's protected $interval.
		(new \ReflectionMethod($job, 'run'))->invoke($job, null);

		self::assertSame(900, (new \ReflectionProperty(TimedJob::class, 'interval'))->getValue($job));
		self::assertFalse($job->isTimeSensitive(), 'reconciling may wait for a quiet moment');
		self::assertSame(['ann'], $h->store->enrolledUids());
		$last = end($h->logger->records);
		self::assertSame(1, $last['context']['enrolled']);
		self::assertStringNotContainsString($h->tokens->minted[0]->plaintext, $h->logger->dump());
	}
}
