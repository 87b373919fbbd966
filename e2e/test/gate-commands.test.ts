import { startTestHub } from '../../test-support/hub.js';
import { describeGateCommands } from './gate-commands-scenario.js';

describeGateCommands('barrier and LED commands through the hub to the simulated PLC (PGlite, aedes)', () => startTestHub());
