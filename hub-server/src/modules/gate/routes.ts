import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  HubError,
  checklistGateStateSchema,
  gateSettingsSchema,
  laneListSchema,
  laneSchema,
  noteActionSchema,
  noteCreateSchema,
  noteListQuerySchema,
  noteListSchema,
  noteSchema,
  passageListQuerySchema,
  passageListSchema,
  passageSchema,
  resolveRequestSchema,
  segmentIdSchema,
  vehicleListSchema,
  vehicleInputSchema,
  vehicleSchema,
  type Passage,
} from '@cjp/contracts';
import type { GateModuleService } from './types.js';

const passportNoParam = z.object({ passportNo: z.string().max(32) });

// Center staff watch the gate (gate.read); enterprises see their own release notes, never passages.
export const gateRoutes =
  (deps: GateModuleService): FastifyPluginAsyncZod =>
  async (app) => {
    const { passages: gate, notes, registry: gateRegistry } = deps;
    const tags = ['gate'];

    app.get('/gate/lanes', { config: { permission: 'gate.read' }, schema: { tags, summary: 'Gate lanes and their devices', response: { 200: laneListSchema } } }, async () => ({
      items: await gateRegistry.lanes(),
    }));

    app.put(
      '/gate/lanes/:id',
      {
        config: { permission: 'gate.lanes.write' },
        schema: { tags, summary: 'Configure a lane (direction, edge, which device plays which part)', params: z.object({ id: segmentIdSchema }), body: laneSchema, response: { 200: laneSchema } },
      },
      async (req) => {
        if (req.body.id !== req.params.id) throw new HubError('HUB_ERR_VALIDATION', `body id "${req.body.id}" differs from the path's "${req.params.id}"`);
        const lane = await gateRegistry.putLane(req.body);
        await gate.reloadLanes();
        deps.logger.info({ lane: lane.id, by: req.user!.username }, 'gate lane configured');
        return lane;
      },
    );

    app.get('/gate/settings', { config: { permission: 'gate.read' }, schema: { tags, summary: 'The rules in force: weight tolerances, waits, timeouts', response: { 200: gateSettingsSchema } } }, async () =>
      gate.gateSettings,
    );

    app.get(
      '/gate/vehicles',
      {
        config: { permission: 'gate.read' },
        schema: { tags, summary: 'Registered vehicles (SAS131)', querystring: z.object({ vehicleNo: z.string().max(16).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }), response: { 200: vehicleListSchema } },
      },
      async (req) => ({ items: await gateRegistry.vehicles(req.query) }),
    );

    app.put(
      '/gate/vehicles',
      { config: { permission: 'gate.vehicles.write' }, schema: { tags, summary: 'Register or update a vehicle: plate, e-tag, tare', body: vehicleInputSchema, response: { 200: vehicleSchema } } },
      async (req) => gateRegistry.putVehicle(req.body),
    );

    app.post(
      '/gate/release-notes',
      {
        config: { permission: 'gate.notes.write' },
        schema: { tags, summary: 'Declare a release note (核放单, SAS121); it starts as "applied"', body: noteCreateSchema, response: { 201: noteSchema } },
      },
      async (req, reply) => {
        const note = await notes.create(req.user!, req.body);
        deps.onNote(note);
        return reply.status(201).send(note);
      },
    );

    app.get(
      '/gate/release-notes',
      { config: { permission: 'gate.notes.read' }, schema: { tags, summary: 'Release notes, newest first (an enterprise sees its own)', querystring: noteListQuerySchema, response: { 200: noteListSchema } } },
      async (req) => ({ items: await notes.list(req.user!, req.query) }),
    );

    app.get(
      '/gate/release-notes/:passportNo',
      { config: { permission: 'gate.notes.read' }, schema: { tags, summary: 'One release note with its vehicles and every status transition', params: passportNoParam, response: { 200: noteSchema } } },
      async (req) => {
        const n = await notes.get(req.user!, req.params.passportNo);
        if (!n) throw new HubError('HUB_ERR_NOT_FOUND', `release note ${req.params.passportNo} does not exist`);
        return n;
      },
    );

    for (const action of ['approve', 'cancel'] as const) {
      app.post(
        `/gate/release-notes/:passportNo/${action}`,
        {
          config: { permission: action === 'approve' ? 'gate.notes.approve' : 'gate.notes.write' },
          schema: {
            tags,
            summary: action === 'approve' ? 'Customs approves the note (SAS221), or clears its inspection hold' : 'Cancel the note (作废)',
            params: passportNoParam,
            body: noteActionSchema,
            response: { 200: noteSchema },
          },
        },
        async (req) => {
          const n = action === 'approve' ? await notes.approve(req.user!, req.params.passportNo, req.body.reason) : await notes.cancel(req.user!, req.params.passportNo, req.body.reason);
          deps.onNote(n);
          return n;
        },
      );
    }

    app.get(
      '/gate/checklists/:rltNo/gate-state',
      {
        config: { permission: 'gate.notes.read' },
        schema: { tags, summary: 'Gate state of a related document (核注清单): have all its vehicles passed?', params: z.object({ rltNo: z.string().max(64) }), response: { 200: checklistGateStateSchema } },
      },
      async (req) => notes.checklistState(req.user!, req.params.rltNo),
    );

    app.get(
      '/gate/passages',
      { config: { permission: 'gate.read' }, schema: { tags, summary: 'Passages, newest first', querystring: passageListQuerySchema, response: { 200: passageListSchema } } },
      async (req) => ({ items: await gate.list(req.query) }),
    );

    app.get(
      '/gate/passages.csv',
      { config: { permission: 'gate.read' }, schema: { tags, summary: 'Passages as CSV (UTF-8 with BOM, opens in Excel)', querystring: passageListQuerySchema } },
      async (req, reply) => {
        const items = await gate.list(req.query);
        const stamp = new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '');
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="gate-passages-${stamp}.csv"`)
          .send(passagesCsv(items));
      },
    );

    app.get(
      '/gate/passages/:id',
      { config: { permission: 'gate.read' }, schema: { tags, summary: 'One passage with its readings, decisions (each rule\'s outcome) and resolutions', params: z.object({ id: z.string().max(64) }), response: { 200: passageSchema } } },
      async (req) => {
        const p = await gate.get(req.params.id);
        if (!p) throw new HubError('HUB_ERR_NOT_FOUND', `passage ${req.params.id} does not exist`);
        return p;
      },
    );

    app.post(
      '/gate/passages/:id/resolve',
      {
        config: { permission: 'gate.resolve' },
        schema: {
          tags,
          summary: 'Resolve a held passage: re-collect, release manually, send to inspection, turn back (a reason is required)',
          params: z.object({ id: z.string().max(64) }),
          body: resolveRequestSchema,
          response: { 200: passageSchema },
        },
      },
      async (req) => {
        const p = await gate.resolve(req.user!, req.params.id, req.body.action, req.body.reason);
        deps.logger.info({ passage: p.id, action: req.body.action, by: req.user!.username, reason: req.body.reason }, 'gate: passage resolved');
        return p;
      },
    );
  };

const CSV_COLUMNS = ['openedAt', 'laneId', 'direction', 'state', 'vehicleNo', 'vehicleIcNo', 'containers', 'weighedKg', 'passportNo', 'holdReasons', 'decidedAt', 'resolvedBy', 'resolution'] as const;

/** RFC 4180 quoting; a leading =,+,-,@ is neutralised so a spreadsheet never runs a read value as a formula. */
function cell(v: string | null | undefined): string {
  let s = v ?? '';
  if (/^[=+\-@]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function passagesCsv(items: Passage[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const p of items) {
    const last = p.resolutions[p.resolutions.length - 1];
    lines.push(
      [
        p.openedAt,
        p.laneId,
        p.direction,
        p.state,
        p.vehicleNo,
        p.vehicleIcNo,
        [...new Set(p.readings.containers.filter((c) => !c.late).map((c) => c.number))].join(' '),
        p.weighedKg,
        p.passportNo,
        p.holdReasons.join(' '),
        p.decidedAt,
        last?.by,
        last ? `${last.action}: ${last.reason}` : '',
      ]
        .map(cell)
        .join(','),
    );
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
