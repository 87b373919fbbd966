export * from './aim.js';
export * from './gs1.js';
export * from './iso6346.js';
