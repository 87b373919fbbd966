import path from 'node:path';
import type { Logger } from 'pino';
import type { PlcSimulator } from '../plc/plc-simulator.js';
import { startCameraSimulator, type CameraSimulator } from '../camera/camera-simulator.js';
import { startDeviceBroker, type DeviceBroker } from '../device-broker.js';
import { startRfidReaderSimulator, type RfidReaderSimulator } from '../rfid/rfid-reader-simulator.js';
import type { Scenario, ScenarioLane, ScenarioPlc } from '../scenario/scenario.js';
import { startWeighbridgeSimulator, type WeighbridgeSimulator } from '../weighbridge/weighbridge-simulator.js';
import type { WeighbridgeFormat } from '../weighbridge/frames.js';

export const GATE_EDGE_ID = 'gate-1';
/** What the hub's demo seed registers for edge gate-1. */
export const GATE_EDGE_PASSWORD = 'demo-edge-gate-1';

/** Per lane: which indicator and reader format plays it (alternating, so both kinds run). */
const LANE_KINDS: Array<{ weighbridge: WeighbridgeFormat; rfid: 'zebra' | 'impinj' }> = [
  { weighbridge: 'toledo', rfid: 'zebra' },
  { weighbridge: 'yaohua-xk3190', rfid: 'impinj' },
];

export interface GateLaneDevices {
  id: string;
  weighbridge: WeighbridgeSimulator;
  weighbridgeFormat: WeighbridgeFormat;
  rfid: RfidReaderSimulator;
  rfidFormat: 'zebra' | 'impinj';
  rfidTopic: string;
  camera: CameraSimulator;
  cameraToken: string;
}

export interface GateDevices {
  deviceBroker: DeviceBroker;
  /** `simulator`: its barrier-command and led events (latency figures, tests) */
  plc: ScenarioPlc & { endpointUrl: string; simulator: PlcSimulator; close(): Promise<void> };
  lanes: GateLaneDevices[];
  /** the scenario's view of the devices */
  scenarioLanes: Record<string, ScenarioLane>;
  close(): Promise<void>;
}

export interface GateDevicesOptions {
  scenario: Scenario;
  dataDir: string;
  edgeHttpPort: number;
  logger: Logger;
  /** every lane's indicator (default: Toledo and Yaohua XK3190 alternating, so both kinds run) */
  weighbridgeFormat?: WeighbridgeFormat;
  /** indicator frames per second (default 7, a Toledo's rate) */
  framesPerSec?: number;
  /** the barrier's travel time (default 1500 ms) and when it closes by itself after opening (default 20 s) */
  barrier?: { travelMs?: number; autoCloseMs?: number };
}

/**
 * The simulated devices of the gate's lanes, in-process: a PLC (barrier, LED) on OPC UA, one
 * weighbridge indicator per lane on TCP, one RFID reader per lane on the site's device broker,
 * one plate/container camera per lane posting to the gate edge's HTTP port.
 */
export async function startGateDevices(opts: GateDevicesOptions): Promise<GateDevices> {
  const { scenario, logger } = opts;
  const closers: Array<() => Promise<void> | void> = [];
  const closeAll = async () => {
    for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  try {
    const deviceBroker = await startDeviceBroker();
    closers.push(() => deviceBroker.close());
    // node-opcua is heavy: loaded only when the gate runs.
    const { startPlcSimulator } = await import('../plc/plc-simulator.js');
    const plcSim = await startPlcSimulator({
      port: 0,
      lanes: scenario.lanes.map((l) => l.id),
      pkiDir: path.join(opts.dataDir, 'plc-pki'),
      barrierTravelMs: opts.barrier?.travelMs ?? 1500,
      autoCloseMs: opts.barrier?.autoCloseMs ?? 20_000,
      logger: logger.child({ device: 'plc' }),
    });
    closers.push(() => plcSim.stop());
    const lanes: GateLaneDevices[] = [];
    for (const [i, lane] of scenario.lanes.entries()) {
      const laneKind = LANE_KINDS[i % LANE_KINDS.length]!;
      const kind = { ...laneKind, weighbridge: opts.weighbridgeFormat ?? laneKind.weighbridge };
      const weighbridge = await startWeighbridgeSimulator({
        format: kind.weighbridge,
        port: 0,
        ...(opts.framesPerSec !== undefined ? { framesPerSec: opts.framesPerSec } : {}),
        trucks: [],
        seed: scenario.seed + i,
        limits: { capacity: 60_000, division: 20 },
        garbageRatio: 0.01,
        splitWrites: true,
      });
      closers.push(() => weighbridge.close());
      const rfidTopic = `readers/${lane.id}`;
      const rfid = await startRfidReaderSimulator({
        brokerUrl: deviceBroker.url,
        topic: rfidTopic,
        format: kind.rfid,
        readerName: `reader-${lane.id}`,
        seed: scenario.seed + 100 + i,
        logger: logger.child({ device: `rfid-${lane.id}` }),
      });
      closers.push(() => rfid.close());
      const cameraToken = `demo-camera-token-${lane.id}`;
      const camera = startCameraSimulator({
        url: `http://127.0.0.1:${opts.edgeHttpPort}/cameras/cam-${lane.id}/reads`,
        token: cameraToken,
        seed: scenario.seed + 200 + i,
        // the edge may still be starting when the first truck comes
        retry: { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 5000 },
        logger: logger.child({ device: `cam-${lane.id}` }),
      });
      closers.push(() => camera.close());
      lanes.push({ id: lane.id, weighbridge, weighbridgeFormat: kind.weighbridge, rfid, rfidFormat: kind.rfid, rfidTopic, camera, cameraToken });
    }
    return {
      deviceBroker,
      plc: { endpointUrl: plcSim.endpointUrl, simulator: plcSim, start: () => plcSim.start(), stop: () => plcSim.stop(), close: () => plcSim.stop() },
      lanes,
      scenarioLanes: Object.fromEntries(lanes.map((l) => [l.id, { weighbridge: l.weighbridge, rfid: l.rfid, camera: l.camera }])),
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

const q = (value: string) => JSON.stringify(value);

/** The gate edge's YAML: every lane's weighbridge, RFID reader, camera, barrier and LED. */
export function gateEdgeConfigYaml(c: {
  site: string;
  broker: { url: string; username: string; password: string; topicPrefix: string };
  outboxPath: string;
  httpPort: number;
  pkiDir: string;
  gate: GateDevices;
  /** the edge's log level (default: the edge's own, info) */
  logLevel?: string;
}): string {
  const lines = [
    '# Written by the launcher (simulators/src/launch.ts) at every start; edits are overwritten.',
    `site: ${q(c.site)}`,
    `edgeId: ${q(GATE_EDGE_ID)}`,
    ...(c.logLevel ? [`logLevel: ${q(c.logLevel)}`] : []),
    `broker: { url: ${q(c.broker.url)}, username: ${q(c.broker.username)}, password: ${q(c.broker.password)}, topicPrefix: ${q(c.broker.topicPrefix)} }`,
    `outbox: { path: ${q(c.outboxPath)} }`,
    `http: { host: "127.0.0.1", port: ${c.httpPort} }`,
    'devices:',
  ];
  // The demo PLC offers None; a real gate should use SignAndEncrypt (see edge/README.md, OPC UA).
  const endpoint = `{ url: ${q(c.gate.plc.endpointUrl)}, securityMode: None, securityPolicy: None, pkiDir: ${q(c.pkiDir)} }`;
  for (const l of c.gate.lanes) {
    lines.push(
      `  - { id: ${q(`wb-${l.id}`)}, driver: weighbridge, format: ${l.weighbridgeFormat}, transport: ${q(`tcp://127.0.0.1:${l.weighbridge.port}`)}, zeroBandKg: "60"` +
        (l.weighbridgeFormat === 'toledo' ? ' }' : ', stability: { division: "20", minReadings: 5, minDurationMs: 1000 } }'),
      `  - { id: ${q(`rfid-${l.id}`)}, driver: rfid-mqtt, broker: { url: ${q(c.gate.deviceBroker.url)} }, topic: ${q(l.rfidTopic)}, format: ${l.rfidFormat}, role: vehicle }`,
      `  - { id: ${q(`cam-${l.id}`)}, driver: camera-http, reads: both, token: ${q(l.cameraToken)} }`,
      `  - { id: ${q(`barrier-${l.id}`)}, driver: opcua-barrier, endpoint: ${endpoint}, state: ${q(`ns=1;s=${l.id}.Barrier.State`)}, objectId: ${q(`ns=1;s=${l.id}.Barrier`)}, openMethod: ${q(`ns=1;s=${l.id}.Barrier.Open`)}, closeMethod: ${q(`ns=1;s=${l.id}.Barrier.Close`)} }`,
      `  - { id: ${q(`led-${l.id}`)}, driver: opcua-led, endpoint: ${endpoint}, textNode: ${q(`ns=1;s=${l.id}.Led.Text`)} }`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
