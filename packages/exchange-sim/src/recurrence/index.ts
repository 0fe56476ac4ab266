export * from './expand';
export * from './types';
export * from './windows-zones';
export * from './zoned-time';
