<?php

declare(strict_types=1);

namespace OCA\Exsync\Command;

use OCA\Exsync\Service\EnrollmentService;
use OCP\IGroupManager;
use OCP\IUserManager;
use Symfony\Component\Console\Command\Command;
use Symfony\Component\Console\Input\InputArgument;
use Symfony\Component\Console\Input\InputInterface;
use Symfony\Component\Console\Output\OutputInterface;

/** occ exsync:unenrol user: stops the user's sync at the service and revokes this app's app passwords. */
class Unenrol extends Command {
	public function __construct(
		private EnrollmentService $enrollment,
		private IUserManager $userManager,
		private IGroupManager $groupManager,
	) {
		parent::__construct();
	}

	protected function configure(): void {
		$this->setName('exsync:unenrol')
			->setDescription('Stop syncing one user: removes them at the sync service and revokes the app password')
			->addArgument('user', InputArgument::REQUIRED, 'A user ID');
	}

	protected function execute(InputInterface $input, OutputInterface $output): int {
		$uid = (string)$input->getArgument('user');
		$confirmed = $this->enrollment->remove($uid);
		$output->writeln($confirmed
			? sprintf('%s is no longer synced; their exsync app password is revoked.', $uid)
			: sprintf('<comment>The app password of %s is revoked, but the sync service did not confirm the removal; the background job retries it.</comment>', $uid));
		$user = $this->userManager->get($uid);
		if ($user !== null) {
			foreach ($this->groupManager->getUserGroupIds($user) as $gid) {
				if ($this->enrollment->isEnrolledGroup((string)$gid)) {
					$output->writeln(sprintf('<comment>%s is still in the enrolled group "%s": the background job will enrol them again. Remove them from the group to keep them out.</comment>', $uid, (string)$gid));
					break;
				}
			}
		}
		return $confirmed ? 0 : 1;
	}
}
