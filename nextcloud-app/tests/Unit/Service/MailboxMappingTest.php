<?php

declare(strict_types=1);

namespace OCA\Exsync\Tests\Unit\Service;

use OCA\Exsync\Tests\Fakes\FakeUser;
use OCA\Exsync\Tests\Unit\Harness;
use PHPUnit\Framework\TestCase;

/** What the enrolment sends as each user's Exchange mailbox, per mapping rule. */
class MailboxMappingTest extends TestCase {
	private Harness $h;

	protected function setUp(): void {
		$this->h = new Harness();
		$this->h->settings->setGroups(['sales']);
	}

	/** @return array<string, array<string, mixed>> bulk entries by uid */
	private function enrolledEntries(FakeUser ...$users): array {
		$this->h->directory->addGroup('sales', ...$users);
		$this->h->enrollment->reconcile();
		$out = [];
		foreach ($this->h->bulkBodies() as $body) {
			foreach ($body['users'] as $entry) {
				$out[$entry['ncUserId']] = $entry;
			}
		}
		return $out;
	}

	public function testByDefaultNoMailboxIsSentSoTheServiceUsesTheEmail(): void {
		$entries = $this->enrolledEntries(FakeUser::make('ann', 'ann@cloud.example'));

		self::assertSame('ann@cloud.example', $entries['ann']['email']);
		self::assertArrayNotHasKey('mailbox', $entries['ann']);
	}

	public function testATemplateBuildsTheMailboxFromTheUser(): void {
		$this->h->settings->update(['mailbox_rule' => 'template', 'mailbox_template' => '{email_local}.x@corp.example']);

		$entries = $this->enrolledEntries(FakeUser::make('ann', 'ann.lee@cloud.example'), FakeUser::make('bob', 'bob@cloud.example'));

		self::assertSame('ann.lee.x@corp.example', $entries['ann']['mailbox']);
		self::assertSame('bob.x@corp.example', $entries['bob']['mailbox']);
		self::assertSame('ann.lee@cloud.example', $entries['ann']['email'], 'the Nextcloud address is still sent as e-mail');
	}

	public function testAnAccountPropertyGivesTheMailbox(): void {
		$this->h->settings->update(['mailbox_rule' => 'attribute', 'mailbox_attribute' => 'role']);
		$this->h->accounts->properties['ann'] = ['role' => 'a.lee@exchange.example'];

		$entries = $this->enrolledEntries(FakeUser::make('ann', 'ann@cloud.example'));

		self::assertSame('a.lee@exchange.example', $entries['ann']['mailbox']);
	}

	/** A wrong mailbox would sync someone else's calendar or fail forever: no app password until it is fixed. */
	public function testAUserTheRuleGivesNoAddressForIsNotEnrolledAndTheErrorNamesThem(): void {
		$this->h->settings->update(['mailbox_rule' => 'template', 'mailbox_template' => '{email_local}@corp.example']);

		$this->h->directory->addGroup('sales', FakeUser::make('ann', 'ann@cloud.example'), FakeUser::make('nomail'));
		$result = $this->h->enrollment->reconcile();

		self::assertSame(1, $result['enrolled']);
		self::assertSame(1, $result['failed']);
		self::assertStringContainsString('nomail', $result['errors'][0]);
		self::assertSame([], $this->h->tokens->liveTokensOf('nomail'), 'no app password was minted for them');
		self::assertContains('nomail', $this->h->store->pushPendingUids(), 'retried once the mapping is fixed');
	}
}
