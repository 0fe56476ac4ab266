import { MemoryPairLock, MemoryStatusStore } from './memory-status-store';
import { describeStatusStoreContract } from './testing/status-store-contract';

describeStatusStoreContract('in memory', async () => {
  let n = 0;
  return {
    store: new MemoryStatusStore(),
    lock: new MemoryPairLock(),
    newPair: async () => `pair-${++n}`,
    dispose: async () => {},
  };
});
