import type { DataValue } from 'node-opcua-data-value';
import type { INamespace, ISessionContext, UAObject, UAVariable } from 'node-opcua-address-space-base';
import { StatusCodes } from 'node-opcua-status-code';
import { DataType, type Variant } from 'node-opcua-variant';
import { BARRIER_STATE_CODES, type BarrierAction, type BarrierState } from './barrier.js';

/** A value and the time the PLC took it (the OPC UA SourceTimestamp). */
export interface Stamped<T> {
  value: T;
  at: Date;
}

/** The values a lane's tags show. */
export interface LaneValues {
  grossKg: number;
  stable: boolean;
  overload: boolean;
  barrier: BarrierState;
  ledText: string;
  rfidEpc: string;
  rfidAntenna: number;
  rfidRssi: number;
  rfidTimestamp: Date;
}

/** Everything a lane's tags show, with source timestamps; kept by the simulator across server restarts. */
export type LaneTags = { [K in keyof LaneValues]: Stamped<LaneValues[K]> };

export interface LaneHandlers {
  /** a client asked the barrier to move; false when the barrier is in fault */
  barrierCommand(action: BarrierAction, via: 'method' | 'tag'): boolean;
  /** a client wrote the LED text */
  ledWritten(text: string): void;
}

type TagName = keyof LaneTags;

const TYPES: Record<TagName, DataType> = {
  grossKg: DataType.Double,
  stable: DataType.Boolean,
  overload: DataType.Boolean,
  barrier: DataType.Int16,
  ledText: DataType.String,
  rfidEpc: DataType.String,
  rfidAntenna: DataType.Int32,
  rfidRssi: DataType.Double,
  rfidTimestamp: DataType.DateTime,
};

function wire(tag: TagName, value: LaneValues[TagName]): unknown {
  return tag === 'barrier' ? BARRIER_STATE_CODES[value as BarrierState] : value;
}

/** The OPC UA nodes of one lane; `set` pushes a tag's new value to subscribers. */
export interface LaneNodes {
  set<K extends TagName>(tag: K, v: LaneTags[K]): void;
}

/**
 * Adds Objects/PLC/<lane>/{Weighbridge,Barrier,Led,Rfid} with string node ids `<lane>.<Object>.<Tag>`
 * (see the address space comment in plc-simulator.ts).
 */
export function addLaneNodes(ns: INamespace, plcFolder: UAObject, lane: string, tags: LaneTags, handlers: LaneHandlers): LaneNodes {
  const laneFolder = ns.addFolder(plcFolder, { browseName: lane, nodeId: `s=${lane}` });
  const object = (name: string, description: string) =>
    ns.addObject({ componentOf: laneFolder, browseName: name, nodeId: `s=${lane}.${name}`, description });
  const variables = new Map<TagName, UAVariable>();
  // Set while the PLC itself changes a value, so that a value_changed seen then is not taken for a client's write.
  let internal = false;

  const variable = (parent: UAObject, tag: TagName, name: string, description: string, writable = false) => {
    const v = ns.addVariable({
      componentOf: parent,
      browseName: name,
      nodeId: `s=${lane}.${parent.browseName.name}.${name}`,
      description,
      dataType: DataType[TYPES[tag]],
      accessLevel: writable ? 'CurrentRead | CurrentWrite' : 'CurrentRead',
      userAccessLevel: writable ? 'CurrentRead | CurrentWrite' : 'CurrentRead',
      // 0 = exception-based: a client asking for samplingInterval 0 gets every change, as a PLC's
      // change-driven tags would deliver, instead of samples.
      minimumSamplingInterval: 0,
    });
    variables.set(tag, v);
    const s = tags[tag];
    internal = true;
    try {
      v.setValueFromSource({ dataType: TYPES[tag], value: wire(tag, s.value) }, StatusCodes.Good, s.at);
    } finally {
      internal = false;
    }
    return v;
  };
  const onClientWrite = (v: UAVariable, fn: (dv: DataValue) => void) =>
    v.on('value_changed', (dv: DataValue) => {
      if (!internal) fn(dv);
    });

  const wb = object('Weighbridge', 'truck scale indicator read by the PLC');
  variable(wb, 'grossKg', 'Gross', 'gross weight, kg');
  variable(wb, 'stable', 'Stable', 'true when the indicator reports no motion');
  variable(wb, 'overload', 'Overload', 'true when the load is over the scale capacity');

  const barrier = object('Barrier', 'boom barrier of the lane');
  variable(barrier, 'barrier', 'State', 'Int16: 0 closed, 1 opening, 2 open, 3 closing, 4 fault');
  const command = ns.addVariable({
    componentOf: barrier,
    browseName: 'Command',
    nodeId: `s=${lane}.Barrier.Command`,
    description: 'Int16 written by the client: 1 open, 2 close; the PLC resets it to 0 once taken',
    dataType: 'Int16',
    accessLevel: 'CurrentRead | CurrentWrite',
    userAccessLevel: 'CurrentRead | CurrentWrite',
    minimumSamplingInterval: 0,
  });
  const setCommand = (value: number) => {
    internal = true;
    try {
      command.setValueFromSource({ dataType: DataType.Int16, value }, StatusCodes.Good, new Date());
    } finally {
      internal = false;
    }
  };
  setCommand(0);
  onClientWrite(command, (dv) => {
    const code = Number(dv.value.value);
    // Like a PLC's scan cycle: the write is answered first, the command taken on the next tick.
    setImmediate(() => {
      if (code === 1 || code === 2) handlers.barrierCommand(code === 1 ? 'open' : 'close', 'tag');
      if (code !== 0) setCommand(0);
    });
  });
  for (const [name, action] of [
    ['Open', 'open'],
    ['Close', 'close'],
  ] as const) {
    const method = ns.addMethod(barrier, {
      nodeId: `s=${lane}.Barrier.${name}`,
      browseName: name,
      description: `${action} the barrier; BadInvalidState while the barrier is in fault`,
      inputArguments: [],
      outputArguments: [],
    });
    // node-opcua tells a promise-returning method from a callback one by its arity: keep both parameters.
    method.bindMethod(async (_inputArguments: Variant[], _context: ISessionContext) => ({
      statusCode: handlers.barrierCommand(action, 'method') ? StatusCodes.Good : StatusCodes.BadInvalidState,
    }));
  }

  const led = object('Led', 'LED display above the lane');
  onClientWrite(variable(led, 'ledText', 'Text', 'text shown on the LED display (written by the client)', true), (dv) =>
    handlers.ledWritten(String(dv.value.value ?? '')),
  );

  const rfid = object('Rfid', 'UHF RFID reader of the lane (simplified OPC 30010 RfidReaderDevice LastScan* variables)');
  variable(rfid, 'rfidAntenna', 'Antenna', 'antenna of the last read (OPC 30010 LastScanAntenna)');
  variable(rfid, 'rfidRssi', 'Rssi', 'signal strength of the last read, dBm (OPC 30010 LastScanRSSI is an Int32)');
  variable(rfid, 'rfidTimestamp', 'LastScanTimestamp', 'time of the last read; changes on every read');
  variable(rfid, 'rfidEpc', 'LastScanData', 'EPC of the last read, uppercase hex; its SourceTimestamp changes on every read');

  return {
    set(tag, s) {
      const v = variables.get(tag);
      if (!v) return;
      internal = true;
      try {
        v.setValueFromSource({ dataType: TYPES[tag], value: wire(tag, s.value) }, StatusCodes.Good, s.at);
      } finally {
        internal = false;
      }
    },
  };
}
