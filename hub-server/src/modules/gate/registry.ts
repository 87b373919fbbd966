import { HubError, laneSchema, vehicleInputSchema, type Lane, type LaneInput, type Vehicle } from '@cjp/contracts';
import type { Db, Sql } from '../../core/db.js';
import { fromMicro, toMicro } from '../../core/quantity.js';
import type { RegisteredVehicle } from './rules.js';

interface LaneRow {
  lane_id: string;
  name: string;
  direction: Lane['direction'];
  gate_no: number;
  edge_id: string;
  devices: Lane['devices'];
  enabled: boolean;
}
interface VehicleRow {
  vehicle_no: string;
  vehicle_ic_no: string | null;
  vehicle_wt: string;
  vehicle_frame_wt: string | null;
  vehicle_frame_no: string | null;
}

const laneDto = (r: LaneRow): Lane => ({
  id: r.lane_id,
  name: r.name,
  direction: r.direction,
  gateNo: r.gate_no === 2 ? 2 : 1,
  edgeId: r.edge_id,
  devices: r.devices,
  enabled: r.enabled,
});
const vehicleDto = (r: VehicleRow): Vehicle => ({
  vehicleNo: r.vehicle_no,
  vehicleIcNo: r.vehicle_ic_no,
  vehicleWt: fromMicro(toMicro(r.vehicle_wt)),
  vehicleFrameWt: r.vehicle_frame_wt === null ? null : fromMicro(toMicro(r.vehicle_frame_wt)),
  vehicleFrameNo: r.vehicle_frame_no,
});

/** The demo gate of `npm start`: the lanes the simulators' gate edge plays (simulators/src/launcher/gate.ts). */
export const DEMO_LANES: LaneInput[] = (['in', 'out'] as const).map((direction) => {
  const id = `gate-${direction}-1`;
  return {
    id,
    name: direction === 'in' ? '1号进口 In lane 1' : '1号出口 Out lane 1',
    direction,
    edgeId: 'gate-1',
    devices: { etag: [`rfid-${id}`], cameras: [`cam-${id}`], weighbridge: `wb-${id}`, barrier: `barrier-${id}`, led: `led-${id}` },
  };
});

/** Lanes (configured, not coded) and registered vehicles (SAS131). */
export class GateRegistry {
  constructor(
    private readonly db: Db,
    /** is there such an edge? (the devices module's) */
    private readonly edgeExists: (edgeId: string) => Promise<boolean>,
  ) {}

  async lanes(): Promise<Lane[]> {
    return (await this.db.query<LaneRow>('select * from gate_lanes order by lane_id')).rows.map(laneDto);
  }

  async putLane(raw: LaneInput): Promise<Lane> {
    const l = laneSchema.parse(raw);
    if (!(await this.edgeExists(l.edgeId))) throw new HubError('HUB_ERR_VALIDATION', `edgeId: no edge "${l.edgeId}"`);
    // A device plays a part on one lane only: its readings must join one passage.
    const others = (await this.lanes()).filter((o) => o.id !== l.id && o.edgeId === l.edgeId);
    const mine = laneDeviceIds(l);
    for (const o of others) {
      const clash = laneDeviceIds(o).filter((d) => mine.includes(d));
      if (clash.length) throw new HubError('HUB_ERR_CONFLICT', `device ${clash.join(', ')} of edge ${l.edgeId} already belongs to lane ${o.id}`);
    }
    await this.db.query(
      `insert into gate_lanes (lane_id, name, direction, gate_no, edge_id, devices, enabled) values ($1, $2, $3, $4, $5, $6::jsonb, $7)
       on conflict (lane_id) do update set name = excluded.name, direction = excluded.direction, gate_no = excluded.gate_no,
         edge_id = excluded.edge_id, devices = excluded.devices, enabled = excluded.enabled, updated_at = now()`,
      [l.id, l.name, l.direction, l.gateNo, l.edgeId, JSON.stringify(l.devices), l.enabled],
    );
    return l;
  }

  async vehicles(q: { vehicleNo?: string | undefined; limit: number }): Promise<Vehicle[]> {
    const r = q.vehicleNo
      ? await this.db.query<VehicleRow>('select * from gate_vehicles where vehicle_no = $1', [q.vehicleNo.toUpperCase()])
      : await this.db.query<VehicleRow>(`select * from gate_vehicles order by updated_at desc limit ${q.limit}`);
    return r.rows.map(vehicleDto);
  }

  async putVehicle(raw: unknown): Promise<Vehicle> {
    const v = vehicleInputSchema.parse(raw);
    if (toMicro(v.vehicleWt) <= 0n) throw new HubError('HUB_ERR_VALIDATION', 'vehicleWt: 车自重 must be > 0');
    try {
      await this.db.query(
        `insert into gate_vehicles (vehicle_no, vehicle_ic_no, vehicle_wt, vehicle_frame_wt, vehicle_frame_no) values ($1, $2, $3, $4, $5)
         on conflict (vehicle_no) do update set vehicle_ic_no = excluded.vehicle_ic_no, vehicle_wt = excluded.vehicle_wt,
           vehicle_frame_wt = excluded.vehicle_frame_wt, vehicle_frame_no = excluded.vehicle_frame_no, updated_at = now()`,
        [v.vehicleNo, v.vehicleIcNo, v.vehicleWt, v.vehicleFrameWt, v.vehicleFrameNo],
      );
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw new HubError('HUB_ERR_CONFLICT', `e-tag ${v.vehicleIcNo} is registered to another vehicle`);
      throw e;
    }
    return v;
  }

  /** Registered vehicles with one of these plates or e-tags. */
  async lookup(sql: Sql, plates: string[], epcs: string[]): Promise<RegisteredVehicle[]> {
    if (!plates.length && !epcs.length) return [];
    const r = await sql.query<VehicleRow>('select * from gate_vehicles where vehicle_no = any($1) or vehicle_ic_no = any($2)', [plates, epcs]);
    return r.rows.map((v) => ({ vehicleNo: v.vehicle_no, vehicleIcNo: v.vehicle_ic_no }));
  }

  async seedDemo(): Promise<void> {
    const have = new Set((await this.lanes()).map((l) => l.id));
    for (const l of DEMO_LANES) if (!have.has(l.id)) await this.putLane(l);
  }
}

export function laneDeviceIds(l: Lane): string[] {
  return [...l.devices.etag, ...l.devices.cameras, l.devices.weighbridge, l.devices.barrier, l.devices.led].filter((d): d is string => !!d);
}
