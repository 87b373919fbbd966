import { startTestHub } from '../../test-support/hub.js';
import { describePipeline } from './pipeline-scenario.js';

describePipeline('a scan travels from the device to the screen (PGlite, aedes)', () => startTestHub());
