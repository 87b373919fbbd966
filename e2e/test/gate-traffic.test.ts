import { startTestHub } from '../../test-support/hub.js';
import { describeGateTraffic } from './gate-traffic-scenario.js';

describeGateTraffic('customs gate end to end: trucks, edge, hub decision, PLC barrier, release notes (PGlite, embedded broker)', () => startTestHub());
