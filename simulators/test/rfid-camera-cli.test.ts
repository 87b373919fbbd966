import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { killCliChildren, runCli } from './support/run-cli.js';

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  killCliChildren();
  for (const c of cleanups.splice(0)) await c();
});


describe('cjp-sim rfid', () => {
  it('publishes tags entering the field to the broker and stops after --count', async () => {
    const broker = await Aedes.createBroker();
    const server: Server = createServer(broker.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
    const sub = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    cleanups.push(async () => {
      await sub.endAsync();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const messages: string[] = [];
    sub.on('message', (_t, p) => messages.push(p.toString()));
    await sub.subscribeAsync('readers/cli-test');

    const sim = runCli(['rfid', '--broker', url, '--topic', 'readers/cli-test', '--format', 'impinj', '--rate', '600', '--dwell', '300', '--seed', '1', '--count', '2', '--tid']);
    expect(await sim.exited).toBe(0);
    expect(sim.logs.find((l) => l.msg === 'rfid reader simulator running')).toMatchObject({ seed: 1, format: 'impinj', tags: 'vehicle' });
    expect(sim.logs.find((l) => l.msg === 'rfid reader simulator stopped')).toMatchObject({ reason: 'count reached', passes: 2, reads: 6, messages: 6 });
    await new Promise((r) => setTimeout(r, 100));
    expect(messages).toHaveLength(6);
    for (const m of messages) {
      const e = JSON.parse(m) as { eventType: string; tagInventoryEvent: { epcHex: string; tidHex: string } };
      expect(e.eventType).toBe('tagInventory');
      expect(e.tagInventoryEvent.epcHex).toMatch(/^35[0-9A-F]{22}$/);
      expect(e.tagInventoryEvent.tidHex).toMatch(/^E2[0-9A-F]{22}$/);
    }
  });

  it('rejects a bad format with exit code 2', async () => {
    const sim = runCli(['rfid', '--format', 'alien']);
    expect(await sim.exited).toBe(2);
    expect(sim.stderr()).toContain('--format alien is not one of zebra, impinj');
  });
});

describe('cjp-sim camera', () => {
  it('posts trucks to the edge URL with the token and stops after --count', async () => {
    const bodies: Array<{ auth: string | undefined; body: Record<string, unknown> }> = [];
    const server: HttpServer = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        bodies.push({ auth: req.headers.authorization, body: JSON.parse(body) as Record<string, unknown> });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/cameras/gate-in-ocr/reads`;
    const sim = runCli(['camera', '--url', url, '--token', 'a-long-camera-token-123', '--rate', '600', '--reads', 'both', '--seed', '5', '--count', '3']);
    expect(await sim.exited).toBe(0);
    expect(sim.logs.find((l) => l.msg === 'camera simulator stopped')).toMatchObject({ reads: 3, accepted: 3 });
    expect(bodies).toHaveLength(3);
    for (const b of bodies) {
      expect(b.auth).toBe('Bearer a-long-camera-token-123');
      expect(Object.keys(b.body)).toEqual(['ts', 'plate', 'containers', 'imageRef']);
      expect(b.body.imageRef).toMatch(/^gate-in-ocr\/\d{8}\/\d{6}(_\d+)?\.jpg$/);
    }
  });

  it('requires --url and --token', async () => {
    const sim = runCli(['camera', '--token', 'x']);
    expect(await sim.exited).toBe(2);
    expect(sim.stderr()).toContain('--url is required');
  });
});
