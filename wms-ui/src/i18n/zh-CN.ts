/**
 * Chinese (Simplified) texts: the reference locale. `en.ts` must have exactly the same keys
 * (the type `Messages` below makes a missing or extra key a type error).
 * vue-i18n message syntax: `{name}` is a parameter; `|`, `@`, `{`, `}` and `$` are special.
 */
const zhCN = {
  app: {
    title: '曹家堡 Hub',
    fullName: '曹家堡保税物流中心',
  },
  lang: {
    label: '语言',
  },
  login: {
    title: '登录',
    subtitle: '曹家堡保税物流中心 · 运营系统',
    username: '用户名',
    password: '密码',
    submit: '登录',
    submitting: '正在登录…',
    required: '请输入用户名和密码',
  },
  nav: {
    label: '导航',
    live: '实时扫描',
    map: '地图',
  },
  header: {
    logout: '退出',
    user: '当前用户',
  },
  roles: {
    operator: '仓库操作员',
    gate_officer: '卡口值守员',
    dispatcher: '调度员',
    manager: '经理',
    customs: '海关监管',
    enterprise: '企业用户',
    admin: '系统管理员',
  },
  conn: {
    live: '实时',
    reconnecting: '重连中',
    offline: '离线',
    title: '实时推送连接',
  },
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
  kinds: {
    scan: '扫码',
    weight: '称重',
    rfid: 'RFID',
    plate: '车牌',
    container: '集装箱',
    io: 'IO 信号',
    heartbeat: '心跳',
  },
  edges: {
    title: '边缘节点与设备',
    none: '暂无边缘节点',
    online: '在线',
    offline: '离线',
    lastSeen: '最后上报',
    ackedSeq: '已确认序号',
    outbox: '待发队列',
    noDevices: '未上报设备',
    readings: '读数',
    errors: '错误',
    lastReading: '最近读数',
    lastError: '最近错误',
    never: '—',
  },
  deviceState: {
    connecting: '连接中',
    connected: '已连接',
    disconnected: '已断开',
    unknown: '未知',
  },
  map: {
    title: '地图',
    nameZh: '曹家堡保税物流中心',
    nameEn: 'Caojiapu Bonded Logistics Center',
    place: '青海省海东市 · 西宁曹家堡机场旁',
    basemap: '离线底图：Natural Earth（world-atlas）',
  },
  errors: {
    title: '错误',
    dismiss: '关闭',
    network: '无法连接到 Hub，请检查网络',
    http: '请求失败（HTTP {status}）',
    sessionExpired: '登录已失效，请重新登录',
    uiConfig: '无法加载地图配置，使用默认设置',
  },
} as const satisfies MessageTree;

interface MessageTree {
  [key: string]: string | MessageTree;
}

type Widen<T> = { -readonly [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
export type Messages = Widen<typeof zhCN>;

export default zhCN as Messages;
