import { z } from 'zod';
import { PERMISSION_NAMES, type Permission } from '../permissions.js';

/**
 * Actions the edge's drivers take (see edge README, "Commands"):
 * barrier (`opcua-barrier`): `open`, `close`; LED display (`opcua-led`): `show` with `{ text }`.
 */
export const DEVICE_ACTIONS = ['open', 'close', 'show'] as const;

/** Default and largest time a command may wait before it must no longer run, s. */
export const COMMAND_TTL_DEFAULT_S = 10;
export const COMMAND_TTL_MAX_S = 300;

export const commandRequestSchema = z
  .object({
    action: z.string().min(1).max(64).describe('e.g. "open", "close", "show"'),
    args: z.record(z.string(), z.unknown()).default({}).describe('e.g. { "text": "请通行" } for "show"'),
    ttlS: z
      .number()
      .int()
      .min(1)
      .max(COMMAND_TTL_MAX_S)
      .default(COMMAND_TTL_DEFAULT_S)
      .describe('after this many seconds the edge must not run it and answers "expired"'),
  })
  .meta({ id: 'CommandRequest' });
export type CommandRequest = z.infer<typeof commandRequestSchema>;

/**
 * `queued`: decided and stored, not yet published (its edge or the broker was unreachable, or the
 * hub stopped in between): published when the edge is next online, unless it expires first;
 * `sent`: published to the edge, no answer yet; `ok` / `failed`: the edge's answer; `expired`: the
 * edge refused it as too late, or no answer came before `expiresAt` (then it can no longer run).
 */
export const COMMAND_STATES = ['queued', 'sent', 'ok', 'failed', 'expired'] as const;

export const commandDtoSchema = z
  .object({
    id: z.string(),
    edgeId: z.string(),
    deviceId: z.string(),
    action: z.string(),
    args: z.record(z.string(), z.unknown()),
    state: z.enum(COMMAND_STATES),
    issuedAt: z.string(),
    issuedBy: z.string().describe('user name, or the hub module that decided it (e.g. "gate")'),
    expiresAt: z.string(),
    answeredAt: z.string().nullable(),
    error: z.string().nullable(),
    result: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'Command' });
export type CommandDto = z.infer<typeof commandDtoSchema>;

export const commandListQuerySchema = z.object({
  edgeId: z.string().optional(),
  deviceId: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export const commandListResponseSchema = z.object({ items: z.array(commandDtoSchema).describe('newest first') }).meta({ id: 'CommandList' });

/**
 * A device a module has claimed: commands to it need that module's permission instead of
 * "devices.command" (a customs barrier belongs to gate officers, not to warehouse operators).
 */
export const deviceClaimSchema = z
  .object({
    edgeId: z.string(),
    deviceId: z.string(),
    module: z.string().describe('the hub module that claims it, e.g. "gate"'),
    permission: z.enum(PERMISSION_NAMES as [Permission, ...Permission[]]).describe('the permission a command to this device needs'),
  })
  .meta({ id: 'DeviceClaim' });
export type DeviceClaim = z.infer<typeof deviceClaimSchema>;
export const deviceClaimListSchema = z.object({ items: z.array(deviceClaimSchema) }).meta({ id: 'DeviceClaimList' });
