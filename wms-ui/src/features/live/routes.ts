import type { RouteRecordRaw } from 'vue-router';
import LiveView from './LiveView.vue';

/** `#/live`: open to any signed-in user; the page the others are sent to. */
export const liveRoutes: RouteRecordRaw[] = [{ path: '/live', name: 'live', component: LiveView, meta: { titleKey: 'nav.live' } }];
