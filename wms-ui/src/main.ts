// the global styles first: the features' own rules come after them in the cascade
import './shared/styles/index.css';
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { applyDocumentLocale, i18n } from './i18n';
import { router } from './router';
import { restore } from './shared/session';

applyDocumentLocale();
createApp(App).use(createPinia()).use(i18n).use(router).mount('#app');
void restore();
