/**
 * Chinese (Simplified) texts, the reference locale, assembled from the features' messages (each
 * feature's messages.ts holds its zh-CN and English texts side by side).
 * vue-i18n message syntax: `{name}` is a parameter; `|`, `@`, `{`, `}` and `$` are special.
 */
import * as auth from '../features/auth/messages.js';
import * as devices from '../features/devices/messages.js';
import * as gate from '../features/gate/messages.js';
import * as live from '../features/live/messages.js';
import * as map from '../features/map/messages.js';
import * as shared from '../shared/messages.js';
import type { Widen } from './types.js';

const zhCN = { ...shared.zhCN, ...auth.zhCN, ...live.zhCN, ...devices.zhCN, ...gate.zhCN, ...map.zhCN };

export type Messages = Widen<typeof zhCN>;

export default zhCN as Messages;
