/** English texts, assembled from the features' messages; the type makes a missing key an error. */
import * as auth from '../features/auth/messages.js';
import * as devices from '../features/devices/messages.js';
import * as gate from '../features/gate/messages.js';
import * as live from '../features/live/messages.js';
import * as map from '../features/map/messages.js';
import * as shared from '../shared/messages.js';
import type { Messages } from './zh-CN.js';

const en: Messages = { ...shared.en, ...auth.en, ...live.en, ...devices.en, ...gate.en, ...map.en };

export default en;
