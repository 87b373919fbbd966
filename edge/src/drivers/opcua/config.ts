import { z } from 'zod';
import { deviceIdSchema } from '@cjp/contracts';

// STUB (to be completed by the OPC UA driver work): the shape the rest of the edge relies on.

/** How to reach an OPC UA server; devices on the same endpoint share one session. */
export const opcuaEndpointSchema = z.strictObject({
  url: z.string().regex(/^opc\.tcp:\/\/[^\s]+$/, 'expected opc.tcp://host:port[/path]'),
  securityMode: z.enum(['None', 'Sign', 'SignAndEncrypt']).default('None'),
  securityPolicy: z.enum(['None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss']).default('None'),
  /** certificate store folder (own cert, trusted/ and rejected/ peers); relative to the config file */
  pkiDir: z.string().min(1).optional(),
  /** trust a server certificate seen for the first time; off by default (never auto-accept) */
  trustUnknownServer: z.boolean().default(false),
  username: z.string().min(1).optional(),
  password: z.string().optional(),
});

const opcuaBase = { id: deviceIdSchema, endpoint: opcuaEndpointSchema };

export const opcuaDeviceSchemas = [
  z.strictObject({ ...opcuaBase, driver: z.literal('opcua-weighbridge') }),
  z.strictObject({ ...opcuaBase, driver: z.literal('opcua-barrier') }),
  z.strictObject({ ...opcuaBase, driver: z.literal('opcua-led') }),
  z.strictObject({ ...opcuaBase, driver: z.literal('opcua-rfid') }),
] as const;
