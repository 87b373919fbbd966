import type { RouteRecordRaw } from 'vue-router';

/** `#/map`: open to any signed-in user. Leaflet and the world map load only when it is opened. */
export const mapRoutes: RouteRecordRaw[] = [
  { path: '/map', name: 'map', component: () => import('./MapView.vue'), meta: { titleKey: 'nav.map', fill: true } },
];
