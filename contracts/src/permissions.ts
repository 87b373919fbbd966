/**
 * Who may do what: the one table of roles and permissions. The hub's API guards, its socket.io
 * namespaces and the web UI's routes and menus all read it; no other role list exists.
 *
 * This file imports nothing (no zod), so the web UI bundles it as it is:
 * `import { can } from '@cjp/contracts/permissions'`.
 */

/** Roles of DESIGN.md, Users. An enterprise user always has a tenant and sees only its goods. */
export const ROLES = ['operator', 'gate_officer', 'dispatcher', 'manager', 'customs', 'enterprise', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const CENTER_STAFF = ['operator', 'gate_officer', 'dispatcher', 'manager', 'customs', 'admin'] as const satisfies readonly Role[];
const GATE_STAFF = ['operator', 'gate_officer', 'manager', 'customs', 'admin'] as const satisfies readonly Role[];

interface PermissionSpec {
  roles: readonly Role[];
  /** what it allows, for the API document and the admin's eye */
  doc: string;
}

export const PERMISSIONS = {
  // devices
  'devices.read': { roles: CENTER_STAFF, doc: 'device readings, edges and their health, the /devices feed (raw readings name no owner: center staff only)' },
  'devices.deadLetters.read': { roles: ['operator', 'customs', 'admin'], doc: 'payloads ingest could not apply, with the reason' },
  'devices.edges.register': { roles: ['admin'], doc: 'register an edge agent and get its MQTT password' },
  'devices.commands.read': { roles: GATE_STAFF, doc: 'the log of device commands and their answers' },
  'devices.command': {
    roles: ['operator', 'gate_officer', 'admin'],
    doc: 'send a command to a device that no module claims (a warehouse display, a dock door); a claimed device needs its module\'s permission instead',
  },
  // customs gate
  'gate.read': { roles: GATE_STAFF, doc: 'lanes, settings, vehicles, passages and their decisions, the /gate feed' },
  'gate.lanes.write': { roles: ['admin'], doc: 'configure a gate lane' },
  'gate.vehicles.write': { roles: ['operator', 'customs', 'admin'], doc: 'register or update a vehicle (SAS131)' },
  'gate.notes.read': { roles: ['enterprise', 'operator', 'gate_officer', 'manager', 'customs', 'admin'], doc: 'release notes (an enterprise sees its own)' },
  'gate.notes.write': { roles: ['enterprise', 'operator', 'customs', 'admin'], doc: 'declare, cancel or delete a release note' },
  'gate.notes.approve': { roles: ['customs', 'admin'], doc: 'approve or reject a release note' },
  'gate.resolve': { roles: ['gate_officer', 'customs', 'admin'], doc: 'resolve a held passage: re-collect, release, inspection, turn back' },
  'gate.devices.command': { roles: ['gate_officer', 'admin'], doc: 'open or close a customs barrier, write on a lane\'s LED (devices a gate lane uses)' },
} as const satisfies Record<string, PermissionSpec>;

export type Permission = keyof typeof PERMISSIONS;
export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as Permission[];

/** May this role do it? Unknown roles and missing users may do nothing. */
export function can(role: Role | string | null | undefined, permission: Permission): boolean {
  return !!role && (PERMISSIONS[permission].roles as readonly string[]).includes(role);
}

/** The roles that hold a permission (API documents, tests). */
export function rolesWith(permission: Permission): readonly Role[] {
  return PERMISSIONS[permission].roles;
}
