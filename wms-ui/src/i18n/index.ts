/** The i18n instance: zh-CN (default) and English, each catalogue assembled from the features' messages (zh-CN.ts, en.ts). */
import { createI18n } from 'vue-i18n';
import en from './en';
import zhCN, { type Messages } from './zh-CN';

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
/** Names shown in the language switch, each in its own language. */
export const LOCALE_NAMES: Record<Locale, string> = { 'zh-CN': '中文', en: 'English' };

const STORAGE_KEY = 'cjp.locale';

function isLocale(v: unknown): v is Locale {
  return typeof v === 'string' && (LOCALES as readonly string[]).includes(v);
}

/** Stored choice first, then `navigator.language`; zh-CN when unsure, e.g. for French (DESIGN.md, Conventions). */
export function initialLocale(): Locale {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (isLocale(stored)) return stored;
  } catch {
    /* storage blocked: fall through */
  }
  const lang = (typeof navigator !== 'undefined' ? navigator.language : '').toLowerCase();
  if (lang.startsWith('en')) return 'en';
  return 'zh-CN';
}

export const i18n = createI18n<[Messages], Locale, false>({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
});

export function currentLocale(): Locale {
  return i18n.global.locale.value;
}

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale;
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    /* ignore */
  }
  applyDocumentLocale();
}

export function applyDocumentLocale(): void {
  document.documentElement.lang = currentLocale();
  document.title = i18n.global.t('app.title');
}
