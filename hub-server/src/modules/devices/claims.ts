import { HubError, can, type DeviceClaim, type Permission, type Role } from '@cjp/contracts';

/** A module's claim on devices: which of them are its own, and what a command to them needs. */
export interface ClaimSource {
  module: string;
  permission: Permission;
  devices(): Array<{ edgeId: string; deviceId: string }>;
}

/**
 * Scoped permissions for device commands: a device no module claims takes commands from whoever
 * holds "devices.command"; one a module claims (a gate lane's barrier) needs that module's
 * permission ("gate.devices.command"), so a warehouse operator cannot open a customs barrier.
 */
export class DeviceClaims {
  private readonly sources: ClaimSource[] = [];

  register(source: ClaimSource): void {
    this.sources.push(source);
  }

  list(): DeviceClaim[] {
    return this.sources.flatMap((s) => s.devices().map((d) => ({ ...d, module: s.module, permission: s.permission })));
  }

  /** The permission a command to this device needs. */
  permissionFor(edgeId: string, deviceId: string): { permission: Permission; module: string | null } {
    for (const s of this.sources) if (s.devices().some((d) => d.edgeId === edgeId && d.deviceId === deviceId)) return { permission: s.permission, module: s.module };
    return { permission: 'devices.command', module: null };
  }

  /** Throws 403 unless this role may command the device. */
  check(role: Role, edgeId: string, deviceId: string): void {
    const { permission, module } = this.permissionFor(edgeId, deviceId);
    if (!can(role, permission))
      throw new HubError(
        'HUB_ERR_AUTH_FORBIDDEN',
        `role "${role}" may not command ${edgeId}/${deviceId}: ${module ? `the ${module} module's device needs` : 'commands need'} the "${permission}" permission`,
        { role, permission, ...(module ? { module } : {}) },
      );
  }

  /** Every permission a command may need (the route's guard lets these through to the check). */
  permissions(): Permission[] {
    return [...new Set<Permission>(['devices.command', ...this.sources.map((s) => s.permission)])];
  }
}
