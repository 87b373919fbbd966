/**
 * What a route says about itself (`meta`) and the one check of who may open it: the router's guard
 * and the header's menu both use `routeAllowed`, so a page is offered exactly to those it lets in.
 */
import type { RouteLocationNormalized, RouteRecordRaw } from 'vue-router';
import { can, type Permission } from '@cjp/contracts/permissions';

/** A count beside a menu entry (the devices page's outbox alarms). */
export interface NavAlarm {
  count: number;
  /** drawn red and pulsing (an outbox is full) */
  severe: boolean;
  /** i18n key of its text, with `{n}` */
  labelKey: string;
}

declare module 'vue-router' {
  interface RouteMeta {
    /** what the user's role needs to open the page; none: any signed-in user */
    permission?: Permission;
    /** i18n key of the page's name in the menu */
    titleKey: string;
    /** i18n key of the notice shown to a user sent away from the page (else nav.forbidden) */
    forbiddenKey?: string;
    /** the page fills the window below the header (the map) */
    fill?: boolean;
    /** the menu entry's alarm, read while the menu renders */
    alarm?: () => NavAlarm | null;
  }
}

type Routed = Pick<RouteLocationNormalized, 'meta'> | Pick<RouteRecordRaw, 'meta'>;

/** May this role open the route? */
export function routeAllowed(route: Routed, role: string | null | undefined): boolean {
  const permission = route.meta?.permission;
  return !permission || can(role, permission);
}
