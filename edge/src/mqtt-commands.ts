import type { Logger } from 'pino';
import { commandMessageSchema, formatIssues, type CommandAck, type CommandMessage } from '@cjp/contracts';

export type CommandHandler = (deviceId: string, command: CommandMessage) => Promise<Omit<CommandAck, 'id'>>;

/** command ids remembered against redelivery, and answers kept while disconnected */
const MAX_REMEMBERED_COMMANDS = 1000;

export interface CommandInboxOptions {
  /** the link's logger */
  log: Logger;
  onCommand: CommandHandler;
  /** publishes an answer now (`done` gets the PUBACK's error, if any); false when the link cannot send */
  publish: (ack: CommandAck, done: (err?: Error) => void) => boolean;
}

/**
 * The hub's commands as the MQTT link receives them: parsed, refused when expired, run at most
 * once per id (a QoS 1 redelivery is answered again, never run again), and answered; an answer
 * that cannot be sent now waits (bounded) for the next connection, since it must reach the hub.
 */
export class CommandInbox {
  /** command answers waiting for a connection (bounded) */
  private pendingReplies: CommandAck[] = [];
  /** recently seen command ids → their answer (or null while running) */
  private readonly seenCommands = new Map<string, CommandAck | null>();

  constructor(private readonly opts: CommandInboxOptions) {}

  /** A message on `…/cmd/<deviceId>`. */
  async handle(deviceId: string, payload: Buffer): Promise<void> {
    const json = parseJson(payload);
    const parsed = commandMessageSchema.safeParse(json);
    if (!parsed.success) {
      const id = (json as { id?: unknown } | null)?.id;
      this.opts.log.warn({ deviceId, reason: formatIssues(parsed.error) }, 'malformed command');
      if (typeof id === 'string' && id) this.reply({ id, ok: false, error: `invalid command: ${formatIssues(parsed.error)}` });
      return;
    }
    const cmd = parsed.data;
    if (this.seenCommands.has(cmd.id)) {
      // QoS 1 redelivery: answer again (once known), never run again.
      const known = this.seenCommands.get(cmd.id);
      if (known) this.reply(known);
      return;
    }
    this.remember(cmd.id, null);
    if (!(Date.parse(cmd.expiresAt) > Date.now())) {
      this.opts.log.warn({ deviceId, id: cmd.id, action: cmd.action, expiresAt: cmd.expiresAt }, 'command expired; not run');
      this.answer({ id: cmd.id, ok: false, error: 'expired' });
      return;
    }
    let result: Omit<CommandAck, 'id'>;
    try {
      result = await this.opts.onCommand(deviceId, cmd);
    } catch (err) {
      result = { ok: false, error: (err as Error).message };
    }
    this.opts.log.info({ deviceId, id: cmd.id, action: cmd.action, ok: result.ok, error: result.error }, 'command done');
    this.answer({ id: cmd.id, ...result });
  }

  /** The link can send again: the answers kept meanwhile go out. */
  resendPending(): void {
    const replies = this.pendingReplies;
    this.pendingReplies = [];
    for (const r of replies) this.reply(r);
  }

  private answer(ack: CommandAck): void {
    const stamped = { ...ack, ts: new Date().toISOString() };
    this.remember(ack.id, stamped);
    this.reply(stamped);
  }

  private remember(id: string, ack: CommandAck | null): void {
    this.seenCommands.delete(id);
    this.seenCommands.set(id, ack);
    if (this.seenCommands.size > MAX_REMEMBERED_COMMANDS) this.seenCommands.delete(this.seenCommands.keys().next().value!);
  }

  private reply(ack: CommandAck): void {
    const sent = this.opts.publish(ack, (err) => {
      if (err) {
        this.opts.log.warn({ id: ack.id, err: err.message }, 'command ack not published; kept for the next connection');
        this.pendingReplies.push(ack);
      }
    });
    if (sent) return;
    this.pendingReplies.push(ack);
    if (this.pendingReplies.length > MAX_REMEMBERED_COMMANDS) this.pendingReplies.shift();
  }
}

/** A payload as JSON, or null when it is not. */
export function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return null;
  }
}
