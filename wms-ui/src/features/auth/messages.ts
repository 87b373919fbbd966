/**
 * Texts of the login page.
 * zh-CN is the reference; `en` must have exactly its keys (a missing or extra key is a type error).
 */
import type { MessageTree, Widen } from '../../i18n/types.js';

export const zhCN = {
  login: {
    title: '登录',
    subtitle: '曹家堡保税物流中心 · 运营系统',
    username: '用户名',
    password: '密码',
    submit: '登录',
    submitting: '正在登录…',
    required: '请输入用户名和密码',
  },
} as const satisfies MessageTree;

export const en: Widen<typeof zhCN> = {
  login: {
    title: 'Sign in',
    subtitle: 'Caojiapu Bonded Logistics Center · Operations',
    username: 'Username',
    password: 'Password',
    submit: 'Sign in',
    submitting: 'Signing in…',
    required: 'Enter your username and password',
  },
};
