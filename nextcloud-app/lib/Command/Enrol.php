<?php

declare(strict_types=1);

namespace OCA\Exsync\Command;

use OCA\Exsync\Service\EnrollmentService;
use OCA\Exsync\Settings\AppSettings;
use OCA\Exsync\Settings\InvalidSettingException;
use OCP\IGroupManager;
use Symfony\Component\Console\Command\Command;
use Symfony\Component\Console\Input\InputInterface;
use Symfony\Component\Console\Input\InputOption;
use Symfony\Component\Console\Output\OutputInterface;

/** occ exsync:enrol [--group=G …]: adds groups (if given) and enrols every member now, as the background job would. */
class Enrol extends Command {
	public function __construct(
		private AppSettings $settings,
		private IGroupManager $groupManager,
		private EnrollmentService $enrollment,
	) {
		parent::__construct();
	}

	protected function configure(): void {
		$this->setName('exsync:enrol')
			->setDescription('Enrol the members of the enrolled groups now (mints app passwords and pushes them to the sync service)')
			->addOption('group', 'g', InputOption::VALUE_REQUIRED | InputOption::VALUE_IS_ARRAY, 'Add this group to the enrolled groups first (repeatable)');
	}

	protected function execute(InputInterface $input, OutputInterface $output): int {
		$add = (array)$input->getOption('group');
		if ($add !== []) {
			foreach ($add as $gid) {
				if ($this->groupManager->get((string)$gid) === null) {
					$output->writeln(sprintf('<error>There is no group "%s".</error>', (string)$gid));
					return 1;
				}
			}
			try {
				$this->settings->setGroups(array_values(array_unique([...$this->settings->getGroups(), ...array_map('strval', $add)])));
			} catch (InvalidSettingException $e) {
				$output->writeln('<error>' . $e->getMessage() . '</error>');
				return 1;
			}
		}
		if ($this->settings->getGroups() === []) {
			$output->writeln('<error>No group is enrolled. Name one with --group.</error>');
			return 1;
		}
		if ($this->settings->getServiceUrl() === '' || !$this->settings->hasApiKey()) {
			$output->writeln('<error>The sync service is not configured yet: save its URL and the tenant API key in the admin settings first.</error>');
			return 1;
		}
		$output->writeln('Enrolled groups: ' . implode(', ', $this->settings->getGroups()));
		$result = $this->enrollment->reconcile();
		$output->writeln(sprintf('Enrolled %d, failed %d, removed %d.', $result['enrolled'], $result['failed'], $result['removed']));
		foreach (array_slice(array_unique($result['errors']), 0, 10) as $error) {
			$output->writeln('<comment>' . $error . '</comment>');
		}
		return $result['failed'] > 0 || $result['errors'] !== [] ? 1 : 0;
	}
}
