import type { EventKind } from '../envelope.js';
import { EVENT_KINDS } from '../envelope.js';

/** Default topic prefix; configurable per deployment. */
export const DEFAULT_TOPIC_PREFIX = 'cjp/v1';

const SEGMENT = /^[a-z0-9][a-z0-9_-]{0,62}$/;

function seg(name: string, value: string): string {
  if (!SEGMENT.test(value)) throw new Error(`invalid ${name} "${value}" for an MQTT topic segment`);
  return value;
}

/**
 * Topic builders. `{prefix}/{site}/{edge}/...`; see DESIGN.md, Contracts.
 * @example topics('cjp/v1').evt('cjp', 'gate-east', 'scan', 'scanner-1') === 'cjp/v1/cjp/gate-east/evt/scan/scanner-1'
 */
export function topics(prefix: string = DEFAULT_TOPIC_PREFIX) {
  const base = (site: string, edge: string) => `${prefix}/${seg('site', site)}/${seg('edge', edge)}`;
  return {
    prefix,
    /** edge → hub, QoS 1: one envelope. */
    evt: (site: string, edge: string, kind: EventKind, device: string) => `${base(site, edge)}/evt/${kind}/${seg('device', device)}`,
    /** hub → edge, QoS 1, retained: `{ seq }`, highest contiguous seq durably applied. */
    ack: (site: string, edge: string) => `${base(site, edge)}/ack`,
    /** hub → edge: a command for one device. */
    cmd: (site: string, edge: string, device: string) => `${base(site, edge)}/cmd/${seg('device', device)}`,
    /** edge → hub: a command's result. */
    cmdack: (site: string, edge: string) => `${base(site, edge)}/cmdack`,
    /** edge → hub, QoS 0, not retained: devices' live values, throttled (screens only). */
    live: (site: string, edge: string) => `${base(site, edge)}/live`,
    /** edge → hub, retained, also the last will: online/offline and devices' health. */
    status: (site: string, edge: string) => `${base(site, edge)}/status`,
    /** Everything an edge publishes, for one subscription at the hub. */
    allFromEdges: () => [`${prefix}/+/+/evt/#`, `${prefix}/+/+/status`, `${prefix}/+/+/cmdack`, `${prefix}/+/+/live`],
    /** The subtree an edge owns. */
    edgeRoot: (site: string, edge: string) => base(site, edge),
  };
}
export type Topics = ReturnType<typeof topics>;

export type ParsedTopic =
  | { site: string; edge: string; channel: 'evt'; kind: EventKind; device: string }
  | { site: string; edge: string; channel: 'ack' | 'cmdack' | 'status' | 'live' }
  | { site: string; edge: string; channel: 'cmd'; device: string };

/** Parses a topic under `prefix`; null when it is not one of ours or a segment is malformed. */
export function parseTopic(topic: string, prefix: string = DEFAULT_TOPIC_PREFIX): ParsedTopic | null {
  if (!topic.startsWith(prefix + '/')) return null;
  const parts = topic.slice(prefix.length + 1).split('/');
  const [site, edge, channel, a, b] = parts;
  if (!site || !edge || !channel || !SEGMENT.test(site) || !SEGMENT.test(edge)) return null;
  switch (channel) {
    case 'evt':
      if (parts.length !== 5 || !a || !b || !(EVENT_KINDS as readonly string[]).includes(a) || !SEGMENT.test(b)) return null;
      return { site, edge, channel, kind: a as EventKind, device: b };
    case 'cmd':
      if (parts.length !== 4 || !a || !SEGMENT.test(a)) return null;
      return { site, edge, channel, device: a };
    case 'ack':
    case 'cmdack':
    case 'status':
    case 'live':
      return parts.length === 3 ? { site, edge, channel } : null;
    default:
      return null;
  }
}
