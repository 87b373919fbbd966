import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isValidContainerNumber } from '../src/codes.js';
import { loadScenario, parseDuration, runScenario, scenarioSchema, SimClock, type ScenarioLane, type TruckEvent } from '../src/index.js';
import type { TruckPass } from '../src/weighbridge/truck-profile.js';

/** Records what the runner asks of each device (the simulators themselves are tested on their own). */
function recordingLane() {
  const calls: string[] = [];
  const trucks: TruckPass[] = [];
  const lane: ScenarioLane = {
    weighbridge: {
      framesPerSec: 7,
      playTruck: (p) => void trucks.push(p),
      disconnect: (o) => (calls.push(`wb.disconnect ${o?.forMs}`), 1),
      slow: (on) => void calls.push(`wb.slow ${on}`),
      corrupt: (on) => void calls.push(`wb.corrupt ${on}`),
    },
    rfid: {
      tagEnters: async (epc) => (calls.push(`rfid ${epc}`), { pass: 1, epc, reads: [] }),
      faults: { disconnect: async () => void calls.push('rfid.disconnect'), slow: () => undefined, corrupt: () => undefined },
    },
    camera: {
      readPlate: async (plate) => (calls.push(`plate ${plate}`), { status: 202, body: null, attempts: 1, ok: true }),
      readContainers: async (cs) => (calls.push(`containers ${cs.map((c) => c.number).join(',')}`), { status: 202, body: null, attempts: 1, ok: true }),
      faults: { miss: (r) => void calls.push(`cam.miss ${r}`), corrupt: () => undefined, slow: () => undefined },
    },
  };
  return { lane, calls, trucks };
}

const base = {
  seed: 42,
  speed: 600,
  duration: '30m',
  lanes: [
    { id: 'gate-in-1', direction: 'in' },
    { id: 'gate-out-1', direction: 'out' },
  ],
  trucks: { every: '2m' },
} as const;

async function play(input: object) {
  const s = scenarioSchema.parse(input);
  const a = recordingLane();
  const b = recordingLane();
  const run = runScenario(s, { lanes: { 'gate-in-1': a.lane, 'gate-out-1': b.lane } }, { startAt: Date.parse('2026-11-28T08:00:00Z') });
  const faults: string[] = [];
  run.on('fault', (f) => faults.push(`${f.device} ${f.fault}`));
  await run.finished;
  return { run, a, b, faults };
}

describe('scenario', () => {
  it('parses durations and refuses bad ones', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration(90)).toBe(90_000);
    expect(() => parseDuration('5 minutes')).toThrow(/invalid duration/);
    expect(scenarioSchema.safeParse({ ...base, faults: [{ at: '1m', device: 'gate-in-1.printer', fault: 'disconnect' }] }).success).toBe(false);
  });

  it('plays half an hour of two lanes in seconds: trucks with e-tag, plate, containers and a weighing each', async () => {
    const { run, a, b } = await play(base);
    const trucks = run.trucks;
    // 30 min at one truck per 2 min per lane: about 30 trucks in all.
    expect(trucks.length).toBeGreaterThan(10);
    expect(trucks.length).toBeLessThan(60);
    for (const t of trucks) {
      expect(t.epc).toMatch(/^[0-9A-F]{24}$/);
      expect(t.containers.every((c) => isValidContainerNumber(c.number))).toBe(true);
      const lane = t.lane === 'gate-in-1' ? a : b;
      expect(lane.calls).toContain(`rfid ${t.epc}`);
      if (t.plateRead) expect(lane.calls).toContain(`plate ${t.plate}`);
    }
    expect(a.trucks.length + b.trucks.length).toBe(trucks.length);
    expect(a.trucks.every((p) => p.riseFrames >= 2 && p.stableFrames >= 2)).toBe(true);
    // Truck arrival times are simulated times within the scenario's half hour.
    const first = Date.parse('2026-11-28T08:00:00Z');
    expect(trucks.every((t) => Date.parse(t.at) >= first && Date.parse(t.at) <= first + 30 * 60_000 + 60_000)).toBe(true);
  });

  it('repeats the same trucks for the same seed, and others for another', async () => {
    const key = (ts: TruckEvent[]) =>
      ts.map((t) => `${t.lane} ${t.plate} ${t.epc} ${t.grossKg} ${t.containers.map((c) => c.number).join('+')} ${t.case} ${t.expected} ${t.passportNo} ${t.declared?.totalWt}`);
    const one = await play({ ...base, duration: '10m' });
    const two = await play({ ...base, duration: '10m' });
    const other = await play({ ...base, duration: '10m', seed: 43 });
    const n = Math.min(one.run.trucks.length, two.run.trucks.length);
    expect(n).toBeGreaterThan(1);
    // Arrivals are timed by the wall clock, so the count may differ by the last truck; their content may not.
    const byLane = (ts: TruckEvent[], lane: string) => key(ts.filter((t) => t.lane === lane));
    for (const lane of ['gate-in-1', 'gate-out-1']) {
      const x = byLane(one.run.trucks, lane);
      const y = byLane(two.run.trucks, lane);
      const m = Math.min(x.length, y.length);
      expect(x.slice(0, m)).toEqual(y.slice(0, m));
      expect(byLane(other.run.trucks, lane).slice(0, 1)).not.toEqual(x.slice(0, 1));
    }
  });

  it('fires faults at their simulated time and undoes the lasting ones', async () => {
    const { a, b, faults } = await play({
      ...base,
      duration: '10m',
      faults: [
        { at: '1m', device: 'gate-in-1.weighbridge', fault: 'disconnect', for: '30s' },
        { at: '2m', device: 'gate-out-1.weighbridge', fault: 'corrupt', for: '1m' },
        { at: '3m', device: 'gate-in-1.camera', fault: 'miss', for: '1m' },
      ],
    });
    expect(faults).toEqual(['gate-in-1.weighbridge disconnect', 'gate-out-1.weighbridge corrupt', 'gate-in-1.camera miss']);
    expect(a.calls).toContain(`wb.disconnect ${30_000 / 600}`);
    expect(b.calls.filter((c) => c.startsWith('wb.corrupt'))).toEqual(['wb.corrupt true', 'wb.corrupt false']);
    expect(a.calls.filter((c) => c.startsWith('cam.miss'))).toEqual(['cam.miss 1', 'cam.miss 0']);
  });

  it('loads a scenario file, naming every bad field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cjp-scenario-'));
    try {
      const good = join(dir, 'good.yaml');
      writeFileSync(good, 'seed: 7\nspeed: 10\nlanes:\n  - { id: gate-in-1, direction: in }\n');
      expect(loadScenario(good)).toMatchObject({ seed: 7, speed: 10, lanes: [{ id: 'gate-in-1', direction: 'in' }], faults: [] });
      const bad = join(dir, 'bad.yaml');
      writeFileSync(bad, 'speed: -1\nlanes: []\n');
      expect(() => loadScenario(bad)).toThrow(/speed[\s\S]*lanes/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SimClock runs simulated time `speed` times faster than the wall clock', async () => {
    let real = 1000;
    const clock = new SimClock(100, Date.parse('2026-11-28T08:00:00Z'), () => real);
    real += 50; // 50 ms of wall time
    expect(clock.elapsed()).toBe(5_000);
    expect(clock.now().toISOString()).toBe('2026-11-28T08:00:05.000Z');
    expect(clock.real(60_000)).toBe(600);
    clock.stop();
    await clock.sleep(1_000_000); // resolves at once once stopped
  });
});
