<?php

declare(strict_types=1);

namespace OCA\Exsync\Command;

use OCA\Exsync\Service\EnrollmentStore;
use OCA\Exsync\Service\ServiceClient;
use OCA\Exsync\Service\ServiceException;
use Symfony\Component\Console\Command\Command;
use Symfony\Component\Console\Input\InputArgument;
use Symfony\Component\Console\Input\InputInterface;
use Symfony\Component\Console\Output\OutputInterface;

/** occ exsync:status [user]: users per state, or one user's state, reason and last run. */
class Status extends Command {
	public function __construct(
		private ServiceClient $client,
		private EnrollmentStore $store,
	) {
		parent::__construct();
	}

	protected function configure(): void {
		$this->setName('exsync:status')
			->setDescription('Show how many enrolled users are in each sync state, or one user\'s sync state')
			->addArgument('user', InputArgument::OPTIONAL, 'A user ID');
	}

	protected function execute(InputInterface $input, OutputInterface $output): int {
		$uid = (string)($input->getArgument('user') ?? '');
		try {
			return $uid === '' ? $this->summary($output) : $this->one($uid, $output);
		} catch (ServiceException $e) {
			$output->writeln('<error>' . $e->getMessage() . '</error>');
			return 1;
		}
	}

	private function summary(OutputInterface $output): int {
		$counts = array_fill_keys(ServiceClient::USER_STATES, 0);
		$cursor = null;
		do {
			$page = $this->client->listUsers(null, $cursor, ServiceClient::BULK_LIMIT);
			foreach ($page['items'] as $user) {
				$state = (string)($user['state'] ?? '');
				if (isset($counts[$state])) {
					$counts[$state]++;
				}
			}
			$cursor = $page['nextCursor'];
		} while ($cursor !== null);
		foreach ($counts as $state => $count) {
			$output->writeln(sprintf('%-14s %d', $state, $count));
		}
		$output->writeln(sprintf('%-14s %d', 'total', array_sum($counts)));
		$output->writeln(sprintf('%-14s %d', 'push pending', count($this->store->pushPendingUids())));
		return 0;
	}

	private function one(string $uid, OutputInterface $output): int {
		$user = $this->client->getUser($uid);
		$output->writeln('user:       ' . $uid);
		$output->writeln('mailbox:    ' . (string)($user['mailbox'] ?? $user['email'] ?? '-'));
		$output->writeln('state:      ' . (string)($user['state'] ?? '?'));
		if (!empty($user['stateReason'])) {
			$output->writeln('reason:     ' . (string)$user['stateReason']);
		}
		$output->writeln('last success: ' . (string)($user['lastSuccessAt'] ?? 'never'));
		$output->writeln('last attempt: ' . (string)($user['lastAttemptAt'] ?? 'never'));
		$run = $user['lastRun'] ?? null;
		if (is_array($run)) {
			$output->writeln(sprintf('last run:   %s at %s%s', (string)$run['outcome'], (string)$run['startedAt'], empty($run['error']) ? '' : ' — ' . (string)$run['error']));
		}
		return 0;
	}
}
