/** A small hash router: `#/live` (default), `#/devices` and `#/map`. */
import { ref } from 'vue';

export const ROUTES = ['live', 'devices', 'map'] as const;
export type RouteName = (typeof ROUTES)[number];

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
