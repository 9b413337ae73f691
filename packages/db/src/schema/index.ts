export * from './audit';
export * from './engagement';
export * from './enums';
export * from './identity';
export * from './players';
export * from './races';
export * from './sync';
export * from './users';
