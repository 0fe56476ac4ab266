export type { StatusStoreFixture } from './status-store-contract';
export { describeStatusStoreContract } from './status-store-contract';
