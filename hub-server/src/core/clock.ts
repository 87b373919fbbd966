/**
 * The one clock of the hub. Domain code asks it for the time instead of calling `new Date()`, so
 * tests and the simulators' accelerated scenarios can run the hub on their own time.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
