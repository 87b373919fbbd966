export interface EdgeConfigInput {
  site: string;
  edgeId: string;
  broker: { url: string; username: string; password: string; topicPrefix: string };
  outboxPath: string;
  scanner: { deviceId: string; host: string; port: number; suffix: string };
}

// JSON strings are valid YAML double-quoted scalars, escapes included ("\r\n" stays CR LF).
const q = (value: string) => JSON.stringify(value);

/** The edge agent's YAML config for one line scanner reached through a TCP serial server. */
export function edgeConfigYaml(c: EdgeConfigInput): string {
  return [
    '# Written by the launcher (simulators/src/launch.ts) at every start; edits are overwritten.',
    `site: ${q(c.site)}`,
    `edgeId: ${q(c.edgeId)}`,
    `broker: { url: ${q(c.broker.url)}, username: ${q(c.broker.username)}, password: ${q(c.broker.password)}, topicPrefix: ${q(c.broker.topicPrefix)} }`,
    `outbox: { path: ${q(c.outboxPath)} }`,
    'devices:',
    `  - { id: ${q(c.scanner.deviceId)}, driver: scanner-line, transport: ${q(`tcp://${c.scanner.host}:${c.scanner.port}`)}, suffix: ${q(c.scanner.suffix)} }`,
    '',
  ].join('\n');
}
