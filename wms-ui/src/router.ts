/**
 * The pages, one route each from its feature, in hash history (`/#/gate`: deep links survive a
 * reload with no help from the server). Each route names the permission it needs in `meta`; the
 * guard sends a user without it to the live page with a notice saying why, and the header's menu
 * offers only what the same check lets in. Not signed in, any page shows the login instead, and
 * the page asked for opens after sign-in (or the notice, if this user may not see it).
 */
import { ref, watch } from 'vue';
import { createRouter, createWebHashHistory } from 'vue-router';
import { devicesRoutes } from './features/devices/routes';
import { gateRoutes } from './features/gate/routes';
import { liveRoutes } from './features/live/routes';
import { mapRoutes } from './features/map/routes';
import { routeAllowed } from './shared/routing';
import { session, whenReady } from './shared/session';

/** Where a user is sent from a page they may not open: every signed-in user may see it. */
const HOME = 'live';

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: { name: HOME } },
    // the menu's order
    ...liveRoutes,
    ...devicesRoutes,
    ...gateRoutes,
    ...mapRoutes,
    { path: '/:pathMatch(.*)*', redirect: { name: HOME } },
  ],
});

/** The page just refused to this user, told on the page they were sent to until they go on. */
export const refused = ref<{ name: string; titleKey: string; forbiddenKey: string | null } | null>(null);

router.beforeEach(async (to) => {
  await whenReady();
  if (!session.user || routeAllowed(to, session.user.role)) return true;
  refused.value = { name: String(to.name ?? ''), titleKey: to.meta.titleKey, forbiddenKey: to.meta.forbiddenKey ?? null };
  return { name: HOME, replace: true };
});

router.afterEach((to, _from, failure) => {
  // the redirect itself keeps the notice (a redirect to the page already shown "fails" as a duplicate)
  if (!failure && !to.redirectedFrom) refused.value = null;
});

// Someone signed in on a page asked for before: check it for this user.
watch(
  () => session.user?.id ?? null,
  (id) => {
    if (!id) {
      refused.value = null;
      return;
    }
    const current = router.currentRoute.value;
    if (!routeAllowed(current, session.user?.role)) void router.replace({ path: current.fullPath, force: true });
  },
);
