/**
 * The busy flag and status line every section of the admin page shows while it saves or loads: one place for "clear
 * the old message, run, show what happened (the server's readable message on failure)".
 */
import { ref } from 'vue';

export type NoticeKind = 'error' | 'success' | '';

export function useNotice() {
  const busy = ref(false);
  const status = ref('');
  const statusKind = ref<NoticeKind>('');

  function fail(error: unknown) {
    status.value = error instanceof Error ? error.message : String(error);
    statusKind.value = 'error';
  }

  /** Runs `action` with `busy` set; a returned text is shown as success, a thrown error as the error. */
  async function run(action: () => Promise<string | undefined>): Promise<void> {
    busy.value = true;
    status.value = '';
    statusKind.value = '';
    try {
      const text = await action();
      if (text) {
        status.value = text;
        statusKind.value = 'success';
      }
    } catch (error) {
      fail(error);
    } finally {
      busy.value = false;
    }
  }

  return { busy, status, statusKind, run, fail };
}
