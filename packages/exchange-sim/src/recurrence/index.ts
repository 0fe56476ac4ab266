export * from './expand';
export * from './types';
export * from './weekly-series';
export * from './windows-zones';
export * from './zoned-time';
