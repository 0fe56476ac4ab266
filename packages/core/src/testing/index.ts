export type { CollectionStoreContractOptions, ContractFixture } from './collection-store-contract';
export { CONTRACT_WINDOW, describeCollectionStoreContract } from './collection-store-contract';
export { instantOf, isInWindow } from './in-window';
export type { MemoryCodec } from './json-codec';
export { canonicalJson, fnv1a64, jsonCodec } from './json-codec';
export type { MemoryEntry, MemoryOperation, MemoryStoreOptions } from './memory-store';
export { hrefName, MemoryStore } from './memory-store';
export { sampleContact, sampleEvent, sampleTask, utc } from './sample-items';
