import { fileURLToPath } from 'node:url';
import { GATE_EVENTS, NAMESPACES, type GateServerToClient, type NotePassedEvent, type Note } from '@cjp/contracts';
import { defineModule } from '../../core/module.js';
import type { DevicesService } from '../devices/index.js';
import type { IdentityService } from '../identity/index.js';
import { gateConfigSchema, type GateConfig } from './config.js';
import { NoteService } from './notes.js';
import { GateRegistry } from './registry.js';
import { gateRoutes } from './routes.js';
import { GateService } from './service.js';
import type { GateModuleService } from './types.js';

/** The event a passed release note publishes (the account book posts its check list from it). */
export const NOTE_PASSED = 'gate.notePassed';

export type { GateModuleService } from './types.js';

export const gateModule = defineModule({
  name: 'gate',
  summary: 'owns lanes, vehicles, release notes, passages; publishes gate.notePassed and /gate; consumes devices.events',
  config: gateConfigSchema,
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  publishes: [NOTE_PASSED, 'socket.io /gate'],
  consumes: ['devices.events'],
  uses: ['identity', 'devices'],
  async create(ctx, config: GateConfig, deps: { identity: IdentityService; devices: DevicesService }): Promise<GateModuleService> {
    const { devices } = deps;
    const logger = ctx.logger;
    const registry = new GateRegistry(ctx.db, (edgeId) => devices.edges.exists(edgeId));
    const notes = new NoteService(ctx.db, (tenantId) => deps.identity.tenantExists(tenantId));
    const onNote = (n: Note) => channel.emit(GATE_EVENTS.note, n);
    if (ctx.demo) await registry.seedDemo();
    const passages = new GateService(
      ctx.db,
      registry,
      notes,
      config,
      {
        queueCommand: (tx, edgeId, deviceId, req, by) => devices.commands.queue(tx, edgeId, deviceId, req, by),
        publishCommands: (ids) => devices.commands.publishQueued(ids),
        onPassage: (p) => channel.emit(GATE_EVENTS.passage, p),
        onNote,
        notePassed: (tx, e: NotePassedEvent) => ctx.events.append(tx, NOTE_PASSED, e, e.passportNo),
        onNotePassed: (e) => {
          ctx.events.committed(NOTE_PASSED);
          logger.info({ note: e.passportNo, vehicle: e.vehicleNo, complete: e.complete, rltNos: e.rltNos }, 'gate: release note passed');
        },
      },
      logger,
      ctx.lease('passages'),
      ctx.cursor({ feed: devices.feed, startAt: 'present' }),
      ctx.clock,
    );
    // Passages name vehicles and notes of every enterprise: center staff only (gate.read).
    const channel = ctx.realtime.channel<GateServerToClient>({
      namespace: NAMESPACES.gate,
      permission: 'gate.read',
      async onJoin(socket) {
        for (const p of await passages.current()) socket.emit(GATE_EVENTS.passage, p);
      },
    });
    // A gate lane's barrier and LED are the gate's: commands to them need gate.devices.command.
    devices.claims.register({ module: 'gate', permission: 'gate.devices.command', devices: () => passages.claimedDevices() });
    devices.feed.onAppend(() => passages.kick());
    return { passages, notes, registry, onNote, logger };
  },
  routes: (gate) => gateRoutes(gate),
  start: (gate) => gate.passages.start(),
  stop: (gate) => gate.passages.stop(),
  health: (gate) => ({
    gate: gate.passages.lastError ? `failing: ${gate.passages.lastError}` : gate.passages.isLeader ? 'ok' : 'standby: another hub replica runs the gate',
  }),
});
