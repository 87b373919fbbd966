import type { RouteRecordRaw } from 'vue-router';
import DevicesView from './DevicesView.vue';
import { useDevicesStore } from './store';

/** `#/devices`: open to any signed-in user (the hub decides what the lists hold); outbox alarms beside its menu entry. */
export const devicesRoutes: RouteRecordRaw[] = [
  { path: '/devices', name: 'devices', component: DevicesView, meta: { titleKey: 'nav.devices', alarm: () => useDevicesStore().navAlarm() } },
];
