import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// The hub the dev server proxies to (`HUB_URL=http://127.0.0.1:9090 npm run dev -w wms-ui` to change it).
const hub = process.env.HUB_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/',
  plugins: [vue()],
  resolve: {
    // The UI imports contracts' types with `import type` (nothing of it, nor zod, is bundled), and
    // at run time only the permission table, which imports nothing. Subpath first: the first match wins.
    alias: [
      { find: '@cjp/contracts/permissions', replacement: fileURLToPath(new URL('../contracts/src/permissions.ts', import.meta.url)) },
      { find: '@cjp/contracts', replacement: fileURLToPath(new URL('../contracts/src/index.ts', import.meta.url)) },
    ],
  },
  define: {
    // vue-i18n feature flags (composition API only; no devtools in production)
    __VUE_I18N_FULL_INSTALL__: 'true',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
  },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: {
    proxy: {
      '/api': { target: hub, changeOrigin: false },
      '/socket.io': { target: hub, ws: true },
      '/healthz': { target: hub },
    },
  },
});
