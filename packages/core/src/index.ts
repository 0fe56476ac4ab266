export * from './engine';
export * from './model';
export * from './ports';
