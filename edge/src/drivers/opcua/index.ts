import type { OpcuaDeviceConfig } from '../../config.js';
import type { Device, DeviceContext } from '../../device.js';
import { OpcuaBarrierDevice } from './barrier.js';
import type { OpcuaDevice } from './opcua-device.js';
import { OpcuaLedDevice } from './led.js';
import { OpcuaPool, type OpcuaSlot } from './pool.js';
import { OpcuaRfidDevice } from './rfid.js';
import { OpcuaWeighbridgeDevice } from './weighbridge.js';

export { OpcuaBarrierDevice } from './barrier.js';
export { OpcuaLedDevice } from './led.js';
export { OpcuaPool } from './pool.js';
export { OpcuaRfidDevice } from './rfid.js';
export { OpcuaWeighbridgeDevice } from './weighbridge.js';

/**
 * The pool of each agent, found by the logger the agent hands every device it creates (one child
 * logger per agent): devices of one agent share sessions, two agents in one process never do. A
 * pool removes itself from here when its last device has closed.
 */
const pools = new WeakMap<object, OpcuaPool>();

function poolFor(ctx: DeviceContext): OpcuaPool {
  const key = ctx.logger;
  let pool = pools.get(key);
  if (!pool) {
    const created: OpcuaPool = new OpcuaPool(ctx.logger, () => {
      if (pools.get(key) === created) pools.delete(key);
    });
    pool = created;
    pools.set(key, pool);
  }
  return pool;
}

/**
 * Creates the device for an `opcua-*` driver. Devices on the same endpoint (url, security,
 * username) share one client, session and subscription, held by `pool` (default: the agent's
 * pool, see poolFor). Throws when two devices on one session disagree on its settings.
 * node-opcua itself is loaded only when the first device starts.
 */
export function createOpcuaDevice(config: OpcuaDeviceConfig, ctx: DeviceContext, pool: OpcuaPool = poolFor(ctx)): Device {
  const slot = pool.reserve(config.id, config.endpoint);
  try {
    return build(config, ctx, slot);
  } catch (err) {
    void slot.leave(null);
    throw err;
  }
}

function build(config: OpcuaDeviceConfig, ctx: DeviceContext, slot: OpcuaSlot): OpcuaDevice {
  switch (config.driver) {
    case 'opcua-weighbridge':
      return new OpcuaWeighbridgeDevice(config, ctx, slot);
    case 'opcua-barrier':
      return new OpcuaBarrierDevice(config, ctx, slot);
    case 'opcua-led':
      return new OpcuaLedDevice(config, ctx, slot);
    case 'opcua-rfid':
      return new OpcuaRfidDevice(config, ctx, slot);
  }
}
