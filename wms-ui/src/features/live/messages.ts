/**
 * Texts of the live scans page.
 * zh-CN is the reference; `en` must have exactly its keys (a missing or extra key is a type error).
 */
import type { MessageTree, Widen } from '../../i18n/types.js';

export const zhCN = {
  live: {
    title: '实时扫描',
    received: '本次会话已接收 {n} 条',
    shown: '显示最新 {n} 条',
    loading: '正在加载…',
    empty: '暂无事件',
    colTime: '时间',
    colDevice: '设备',
    colEdge: '边缘节点',
    colKind: '类型',
    colCode: '条码 / 数据',
    colAim: 'AIM 标识',
    timeTitle: '设备时间 {ts}，Hub 接收 {received}',
  },
} as const satisfies MessageTree;

export const en: Widen<typeof zhCN> = {
  live: {
    title: 'Live scans',
    received: '{n} received this session',
    shown: 'newest {n} shown',
    loading: 'Loading…',
    empty: 'No events yet',
    colTime: 'Time',
    colDevice: 'Device',
    colEdge: 'Edge',
    colKind: 'Kind',
    colCode: 'Code / data',
    colAim: 'AIM id',
    timeTitle: 'Device time {ts}, received by the hub {received}',
  },
};
