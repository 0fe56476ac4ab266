import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { simNodeFlags } from './sim-server-flags';

export interface SimMailboxes {
  readonly users: number;
  readonly events: number;
  readonly contacts?: number;
  readonly tasks?: number;
}

/** What one mailbox holds: event UIDs, contact display names, task titles. */
export interface MailboxItems {
  readonly event: string[];
  readonly contact: string[];
  readonly task: string[];
}

export interface SimProcess {
  readonly ews: string;
  /** Graph's base (the authority host as well) and the simulated Entra tenant. */
  readonly base: string;
  readonly tenantId: string;
  /** The simulator's own CPU since it listened. */
  cpuMs(): Promise<number>;
  items(user: number): Promise<MailboxItems>;
  stop(): void;
}

/** Starts `mailbox-server.ts` in a process of its own, so its CPU is told apart from the client's. */
export async function startSimProcess(mailboxes: SimMailboxes): Promise<SimProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [...simNodeFlags(), '--import', 'tsx', join(import.meta.dirname, 'mailbox-server.ts')],
    {
      env: {
        ...process.env,
        USERS: String(mailboxes.users),
        EVENTS: String(mailboxes.events),
        CONTACTS: String(mailboxes.contacts ?? 0),
        TASKS: String(mailboxes.tasks ?? 0),
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  // One question at a time: answers come back in order on one stream.
  let queue: Promise<unknown> = Promise.resolve();
  const ask = <T>(question: string | null): Promise<T> => {
    const answer = queue.then(async () => {
      if (question !== null) child.stdin!.write(`${question}\n`);
      const line = (await lines.next()).value as string | undefined;
      if (line === undefined) throw new Error(`the simulator process ended (exit ${child.exitCode})`);
      return JSON.parse(line) as T;
    });
    queue = answer.catch(() => undefined);
    return answer;
  };
  const { ews, base, tenantId } = await ask<{ ews: string; base: string; tenantId: string }>(null);
  return {
    ews,
    base,
    tenantId,
    cpuMs: async () => (await ask<{ cpuMs: number }>('cpu')).cpuMs,
    items: (user) => ask<MailboxItems>(`items ${user}`),
    stop() {
      child.stdin?.end();
      if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}
