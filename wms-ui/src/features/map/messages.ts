/**
 * Texts of the map.
 * zh-CN is the reference; `en` must have exactly its keys (a missing or extra key is a type error).
 */
import type { MessageTree, Widen } from '../../i18n/types.js';

export const zhCN = {
  map: {
    title: '地图',
    nameZh: '曹家堡保税物流中心',
    nameEn: 'Caojiapu Bonded Logistics Center',
    place: '青海省海东市 · 西宁曹家堡机场旁',
    basemap: '离线底图：Natural Earth（world-atlas）',
  },
} as const satisfies MessageTree;

export const en: Widen<typeof zhCN> = {
  map: {
    title: 'Map',
    nameZh: '曹家堡保税物流中心',
    nameEn: 'Caojiapu Bonded Logistics Center',
    place: 'Haidong, Qinghai · next to Xining Caojiapu Airport',
    basemap: 'Offline basemap: Natural Earth (world-atlas)',
  },
};
