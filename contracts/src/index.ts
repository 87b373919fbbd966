export * from './ids.js';
export * from './envelope.js';
export * from './identity.js';
export * from './errors.js';
export * from './mqtt/topics.js';
export * from './mqtt/messages.js';
export * from './http/events.js';
export * from './realtime/events.js';
