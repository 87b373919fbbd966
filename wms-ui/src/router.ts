/** A small hash router: `#/live` (default), `#/devices`, `#/gate` and `#/map`. */
import { ref } from 'vue';
import type { Role } from '@cjp/contracts';

export const ROUTES = ['live', 'devices', 'gate', 'map'] as const;
export type RouteName = (typeof ROUTES)[number];

/** Routes shown only to some roles (the hub refuses their API to the others anyway). */
const ROUTE_ROLES: Partial<Record<RouteName, readonly Role[]>> = {
  gate: ['operator', 'gate_officer', 'manager', 'customs', 'admin'],
};

/** May this role open the route? */
export function routeAllowed(name: RouteName, role: Role | null | undefined): boolean {
  const roles = ROUTE_ROLES[name];
  return !roles || (!!role && roles.includes(role));
}

function parse(hash: string): RouteName {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return (ROUTES as readonly string[]).includes(name) ? (name as RouteName) : 'live';
}

export const route = ref<RouteName>(parse(window.location.hash));

window.addEventListener('hashchange', () => {
  route.value = parse(window.location.hash);
});

export function href(name: RouteName): string {
  return `#/${name}`;
}
