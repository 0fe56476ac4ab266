import { describeCollectionStoreContract } from '@exsync/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { type GraphTestBed, startGraphTestBed } from './test-support';

let bed: GraphTestBed;
beforeAll(async () => {
  bed = await startGraphTestBed();
});
afterAll(() => bed.close());

describeCollectionStoreContract('Graph on the Exchange simulator', {
  createStore: async (kind) => ({ store: (await bed.freshStore(kind)).store }),
});
