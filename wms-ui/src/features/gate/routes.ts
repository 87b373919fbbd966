import type { RouteRecordRaw } from 'vue-router';
import GateView from './GateView.vue';

/** `#/gate`: the gate monitor, for those who may read the gate. */
export const gateRoutes: RouteRecordRaw[] = [
  { path: '/gate', name: 'gate', component: GateView, meta: { titleKey: 'nav.gate', permission: 'gate.read', forbiddenKey: 'gate.forbidden' } },
];
