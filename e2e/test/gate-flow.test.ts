import { startTestHub } from '../../test-support/hub.js';
import { describeGateFlow } from './gate-flow-scenario.js';

describeGateFlow('customs gate flow: scenario trucks → edge → hub decision → PLC barrier → note passed (PGlite, embedded broker)', () => startTestHub());
