import { randomUUID } from 'node:crypto';
import { HubError, type CommandAck, type CommandDto, type CommandMessage, type CommandRequest, type StatusMessage } from '@cjp/contracts';
import type { Clock } from '../../core/clock.js';
import type { Db, Sql } from '../../core/db.js';
import type { Logger } from '../../core/logger.js';

interface CommandRow {
  command_id: string;
  edge_id: string;
  device_id: string;
  action: string;
  args: Record<string, unknown>;
  state: CommandDto['state'];
  issued_at: Date;
  issued_by: string;
  expires_at: Date;
  answered_at: Date | null;
  error: string | null;
  result: Record<string, unknown> | null;
}

const toDto = (r: CommandRow): CommandDto => ({
  id: r.command_id,
  edgeId: r.edge_id,
  deviceId: r.device_id,
  action: r.action,
  args: r.args,
  state: r.state,
  issuedAt: new Date(r.issued_at).toISOString(),
  issuedBy: r.issued_by,
  expiresAt: new Date(r.expires_at).toISOString(),
  answeredAt: r.answered_at ? new Date(r.answered_at).toISOString() : null,
  error: r.error,
  result: r.result,
});

/** An edge's answer arriving after expiry still wins: it says what the device really did. */
const LATE_ANSWER_GRACE_MS = 2000;

export interface CommandHooks {
  publish(siteId: string, edgeId: string, deviceId: string, message: CommandMessage): Promise<void>;
  onUpdate(command: CommandDto): void;
}

/**
 * Commands to devices (barrier open/close, LED text): stored, published on the edge's cmd topic,
 * answered by the edge's cmdack. A command past `expiresAt` is never run by the edge; one the edge
 * never answered is marked expired here a little after, so every command ends in a final state.
 */
export class CommandService {
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly hooks: CommandHooks,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  /** The edge a command goes to, checked: it exists and (per its last status) has the device. */
  private async target(sql: Sql, edgeId: string, deviceId: string): Promise<{ site_id: string; online: boolean }> {
    const edge = (
      await sql.query<{ site_id: string; online: boolean; status: StatusMessage | null }>('select site_id, online, status from edges where edge_id = $1', [edgeId])
    ).rows[0];
    if (!edge) throw new HubError('HUB_ERR_NOT_FOUND', `edge "${edgeId}" does not exist`, { edgeId });
    const known = edge.status?.devices?.map((d) => d.deviceId);
    if (known && known.length && !known.includes(deviceId))
      throw new HubError('HUB_ERR_NOT_FOUND', `edge "${edgeId}" has no device "${deviceId}" (per its last status)`, { edgeId, deviceId });
    return edge;
  }

  /** A person's command (REST): published now, or refused at once when the edge is offline. */
  async send(edgeId: string, deviceId: string, req: CommandRequest, issuedBy: string): Promise<CommandDto> {
    const edge = await this.target(this.db, edgeId, deviceId);
    if (!edge.online) throw new HubError('HUB_ERR_UNAVAILABLE', `edge "${edgeId}" is offline; the command was not sent`, { edgeId });

    const id = randomUUID();
    const expiresAt = new Date(this.clock.now().getTime() + req.ttlS * 1000);
    const r = await this.db.query<CommandRow>(
      `insert into device_commands (command_id, edge_id, device_id, action, args, issued_by, expires_at)
       values ($1, $2, $3, $4, $5::jsonb, $6, $7) returning *`,
      [id, edgeId, deviceId, req.action, JSON.stringify(req.args), issuedBy, expiresAt],
    );
    const dto = toDto(r.rows[0]!);
    try {
      await this.hooks.publish(edge.site_id, edgeId, deviceId, { id, action: req.action, args: req.args, expiresAt: dto.expiresAt });
    } catch (err) {
      const failed = await this.finish(this.db, id, edgeId, { ok: false, error: `not sent: ${(err as Error).message}` }, this.clock.now(), 'failed');
      throw new HubError('HUB_ERR_UNAVAILABLE', `command for ${edgeId}/${deviceId} could not be published: ${(err as Error).message}`, {
        command: failed ?? dto,
      });
    }
    this.hooks.onUpdate(dto);
    return dto;
  }

  /**
   * A module's command decided in its own transaction (the gate's barrier open): stored there as
   * `queued`, so it exists exactly when the decision does. `publishQueued` sends it after the
   * commit; if the hub stops in between, or the edge or broker is unreachable, it is sent when the
   * edge is next online (`flushQueued`), unless it expires first (then the sweeper says so).
   */
  async queue(sql: Sql, edgeId: string, deviceId: string, req: CommandRequest, issuedBy: string): Promise<CommandDto> {
    await this.target(sql, edgeId, deviceId);
    const r = await sql.query<CommandRow>(
      `insert into device_commands (command_id, edge_id, device_id, action, args, issued_by, expires_at, state)
       values ($1, $2, $3, $4, $5::jsonb, $6, $7, 'queued') returning *`,
      [randomUUID(), edgeId, deviceId, req.action, JSON.stringify(req.args), issuedBy, new Date(this.clock.now().getTime() + req.ttlS * 1000)],
    );
    return toDto(r.rows[0]!);
  }

  /** Publishes queued commands, in the order given; those that cannot go now stay queued. */
  async publishQueued(ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    const rows = (
      await this.db.query<CommandRow & { site_id: string; online: boolean }>(
        `select c.*, e.site_id, e.online from device_commands c join edges e using (edge_id)
         where c.command_id = any($1::text[]) and c.state = 'queued'`,
        [ids],
      )
    ).rows;
    const byId = new Map(rows.map((r) => [r.command_id, r]));
    for (const id of ids) {
      const row = byId.get(id);
      if (row) await this.publishOne(row, row.site_id, row.online);
    }
  }

  /** Sends what is still queued for an edge that is online again (also after a hub restart). */
  async flushQueued(edgeId: string): Promise<void> {
    const rows = (
      await this.db.query<CommandRow & { site_id: string }>(
        `select c.*, e.site_id from device_commands c join edges e using (edge_id)
         where c.edge_id = $1 and c.state = 'queued' and c.expires_at > now() order by c.issued_at`,
        [edgeId],
      )
    ).rows;
    if (rows.length) this.logger.info({ edgeId, count: rows.length }, 'commands: sending those queued while the edge was unreachable');
    for (const row of rows) await this.publishOne(row, row.site_id, true);
  }

  private readonly publishing = new Set<string>();

  private async publishOne(row: CommandRow, siteId: string, online: boolean): Promise<void> {
    const id = row.command_id;
    if (this.publishing.has(id)) return;
    if (!online) {
      this.logger.warn({ id, edgeId: row.edge_id, deviceId: row.device_id, action: row.action }, 'commands: edge offline, command queued until it is back');
      return;
    }
    if (new Date(row.expires_at).getTime() <= this.clock.now().getTime()) return; // the sweeper marks it expired
    this.publishing.add(id);
    try {
      const expiresAt = new Date(row.expires_at).toISOString();
      await this.hooks.publish(siteId, row.edge_id, row.device_id, { id, action: row.action, args: row.args, expiresAt });
      // The edge runs a command id once, so a second publish (a flush racing this one) is harmless.
      const r = await this.db.query<CommandRow>(`update device_commands set state = 'sent' where command_id = $1 and state = 'queued' returning *`, [id]);
      if (r.rows[0]) this.hooks.onUpdate(toDto(r.rows[0]));
    } catch (err) {
      this.logger.warn({ id, edgeId: row.edge_id, deviceId: row.device_id, err: (err as Error).message }, 'commands: publish failed, command stays queued');
    } finally {
      this.publishing.delete(id);
    }
  }

  async list(q: { edgeId?: string | undefined; deviceId?: string | undefined; limit: number }): Promise<CommandDto[]> {
    const r = await this.db.query<CommandRow>(
      `select * from device_commands where ($1::text is null or edge_id = $1) and ($2::text is null or device_id = $2)
       order by issued_at desc limit $3`,
      [q.edgeId ?? null, q.deviceId ?? null, q.limit],
    );
    return r.rows.map(toDto);
  }

  async get(id: string): Promise<CommandDto | null> {
    const r = await this.db.query<CommandRow>('select * from device_commands where command_id = $1', [id]);
    return r.rows[0] ? toDto(r.rows[0]) : null;
  }

  /**
   * Applies an edge's cmdack inside ingest's transaction. Only the edge the command was sent to
   * can answer it; an unknown id is reported to the caller (dead letter).
   */
  async applyAck(sql: Sql, edgeId: string, ack: CommandAck, at: Date): Promise<{ applied: CommandDto | null; reason?: string }> {
    const state = ack.ok ? 'ok' : ack.error === 'expired' ? 'expired' : 'failed';
    const dto = await this.finish(sql, ack.id, edgeId, ack, at, state);
    if (dto) return { applied: dto };
    const exists = await sql.query<{ edge_id: string; state: string }>('select edge_id, state from device_commands where command_id = $1', [ack.id]);
    const row = exists.rows[0];
    if (!row) return { applied: null, reason: `cmdack for unknown command "${ack.id}"` };
    if (row.edge_id !== edgeId) return { applied: null, reason: `cmdack for command "${ack.id}" of edge "${row.edge_id}", not "${edgeId}"` };
    return { applied: null }; // a repeated answer (QoS 1 redelivery): already applied
  }

  /** Marks commands nobody answered as expired; runs every second while the hub runs. */
  startSweeper(): void {
    this.sweeper ??= setInterval(() => void this.sweep().catch((err: Error) => this.logger.warn({ err: err.message }, 'command sweep failed')), 1000);
    this.sweeper.unref();
  }

  async sweep(now = this.clock.now()): Promise<CommandDto[]> {
    const r = await this.db.query<CommandRow>(
      `update device_commands set state = 'expired', answered_at = $1,
         error = case when state = 'queued' then 'never sent: the edge or the broker was unreachable until expiry' else 'no answer from the edge before expiry' end
       where (state = 'sent' and expires_at < $2) or (state = 'queued' and expires_at < $1) returning *`,
      [now, new Date(now.getTime() - LATE_ANSWER_GRACE_MS)],
    );
    const out = r.rows.map(toDto);
    for (const c of out) this.hooks.onUpdate(c);
    return out;
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  private async finish(sql: Sql, id: string, edgeId: string, ack: Omit<CommandAck, 'id'>, at: Date, state: CommandDto['state']): Promise<CommandDto | null> {
    // 'expired' by the sweeper may still be overturned by the edge's real answer; 'queued' may be
    // answered when the hub published it but stopped before marking it sent.
    const r = await sql.query<CommandRow>(
      `update device_commands set state = $3, error = $4, result = $5::jsonb, answered_at = $6
       where command_id = $1 and edge_id = $2 and (state in ('queued', 'sent') or (state = 'expired' and error = 'no answer from the edge before expiry'))
       returning *`,
      [id, edgeId, state, ack.ok ? null : (ack.error ?? 'failed'), ack.result ? JSON.stringify(ack.result) : null, at],
    );
    return r.rows[0] ? toDto(r.rows[0]) : null;
  }
}
