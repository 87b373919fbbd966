import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { killCliChildren, runCli } from './support/run-cli.js';


afterEach(() => {
  killCliChildren();
});


describe('cjp-sim CLI', () => {
  it('runs the scanner until SIGTERM, logging pino JSON', async () => {
    const sim = runCli(['scanner', '--port', '0', '--rate', '100', '--seed', '42', '--host', '127.0.0.1', '--garbage', '0']);
    const listening = await sim.logged('scanner simulator listening');
    expect(listening).toMatchObject({ level: 30, host: '127.0.0.1', seed: 42, ratePerSec: 100 });
    const port = listening.port as number;

    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    await new Promise<void>((resolve) =>
      socket.on('data', (d: Buffer) => {
        received += d.toString('latin1');
        if (received.split('\r\n').length > 5) resolve();
      }),
    );
    socket.destroy();
    for (const line of received.split('\r\n').slice(0, 5)) expect(line).toMatch(/^\][A-Za-z]\d./);

    sim.child.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
    const stopped = sim.logs.find((e) => e.msg === 'scanner simulator stopped');
    expect(stopped).toMatchObject({ reason: 'SIGTERM' });
    expect(stopped?.emitted).toBeGreaterThanOrEqual(5);
  });

  it('runs a Toledo weighbridge indicator whose frames carry valid checksums, until SIGTERM', async () => {
    const sim = runCli(['weighbridge', '--port', '0', '--fps', '200', '--seed', '3']);
    const listening = await sim.logged('weighbridge simulator listening');
    expect(listening).toMatchObject({ format: 'toledo', fps: 200, seed: 3 });
    const socket = net.connect(listening.port as number, '127.0.0.1');
    let received = Buffer.alloc(0);
    await new Promise<void>((resolve) =>
      socket.on('data', (d: Buffer) => {
        received = Buffer.concat([received, d]);
        if (received.length >= 18 * 20) resolve();
      }),
    );
    socket.destroy();
    // 18-byte frames: STX … CR CHK, each summing to 0 in 7 bits (devices.md 1.1)
    for (let i = 0; i + 18 <= 18 * 20; i += 18) {
      const f = received.subarray(i, i + 18);
      expect(f[0]).toBe(0x02);
      expect(f[16]).toBe(0x0d);
      expect([...f].reduce((s, b) => s + (b & 0x7f), 0) & 0x7f).toBe(0);
    }
    sim.child.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
  });

  it('refuses an unknown weighbridge format', async () => {
    const sim = runCli(['weighbridge', '--format', 'keli-d2008']);
    expect(await sim.exited).toBe(2);
    expect(sim.stderr()).toContain('--format keli-d2008 is not one of toledo, yaohua-xk3190');
  });

  it('stops by itself after --count lines', async () => {
    const sim = runCli(['scanner', '--port', '0', '--rate', '1000', '--count', '25', '--emit-without-client', '--garbage', '0']);
    expect(await sim.exited).toBe(0);
    expect(sim.logs.find((e) => e.msg === 'scanner simulator stopped')).toMatchObject({ reason: 'count reached', emitted: 25, garbage: 0, delivered: 0 });
  });

  it('prints usage for --help and refuses bad input', async () => {
    const help = runCli(['scanner', '--help']);
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toContain('Usage: cjp-sim <command> [options]');
    expect(help.stdout()).toContain('--rate <n>');

    const bad = runCli(['scanner', '--rate', 'fast']);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain('--rate fast is not valid');

    const unknown = runCli(['printer']);
    expect(await unknown.exited).toBe(2);
    expect(unknown.stderr()).toContain('unknown command "printer"');
  });
});
