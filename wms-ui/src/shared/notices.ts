/** The visible error banner: messages the user should read, newest last, deduplicated. */
import { reactive } from 'vue';
import { ApiError } from './api';

export interface Notice {
  id: number;
  text: string;
  code?: string;
}

let nextId = 1;
export const notices = reactive<{ items: Notice[] }>({ items: [] });

export function showError(err: unknown): void {
  if (err instanceof DOMException && err.name === 'AbortError') return;
  const text = err instanceof Error ? err.message : String(err);
  const code = err instanceof ApiError ? err.code : undefined;
  if (notices.items.some((n) => n.text === text)) return;
  notices.items.push({ id: nextId++, text, ...(code ? { code } : {}) });
  if (notices.items.length > 5) notices.items.shift();
}

/** Shows a failed call, except a 401: that one signs out, and the login page says why. */
export function report(err: unknown): void {
  if (!(err instanceof ApiError && err.status === 401)) showError(err);
}

export function dismiss(id: number): void {
  const i = notices.items.findIndex((n) => n.id === id);
  if (i >= 0) notices.items.splice(i, 1);
}

export function clearNotices(): void {
  notices.items.splice(0);
}
