import { describeCollectionStoreContract } from './collection-store-contract';
import { MemoryStore } from './memory-store';

describeCollectionStoreContract('in-memory store', {
  createStore: () => ({ store: new MemoryStore({ pageSize: 2 }) }),
});
