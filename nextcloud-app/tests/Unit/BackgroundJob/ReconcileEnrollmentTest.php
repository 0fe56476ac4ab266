<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Unit\BackgroundJob;

use OCA\Exsync\BackgroundJob\ReconcileEnrollment;
use OCA\Exsync\Tests\Fakes\FakeUser;
use OCA\Exsync\Tests\Unit\Harness;
use OCP\AppFramework\Utility\ITimeFactory;
use PHPUnit\Framework\TestCase;

class ReconcileEnrollmentTest extends TestCase {
	public function testRunsEveryQuarterHourEnrolsMembersAndLogsCountsOnly(): void {
		$h = new Harness();
		$h->settings->setGroups(['sales']);
		$h->directory->addGroup('sales', new FakeUser('ann'));
		$time = new class implements ITimeFactory {
			public function getTime(): int {
				return 0;
			}
		};
		$job = new ReconcileEnrollment($time, $h->enrollment, $h->logger);

		$job->runForTest(null);

		self::assertSame(900, $job->getInterval());
		self::assertSame(['ann'], $h->store->enrolledUids());
		$last = end($h->logger->records);
		self::assertSame(1, $last['context']['enrolled']);
		self::assertStringNotContainsString($h->tokens->minted[0]->plaintext, $h->logger->dump());
	}
}
