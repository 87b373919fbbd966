// First: the test's own node-opcua client would otherwise print its diagnostics around vitest's output.
import { routeOpcuaLogs } from '../src/plc/opcua-log.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import { AttributeIds, OPCUAClient, StatusCodes } from 'node-opcua-client';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { killCliChildren, runCli } from './support/run-cli.js';

const cleanups: Array<() => unknown> = [];
routeOpcuaLogs(pino({ level: 'silent' }));

afterEach(async () => {
  killCliChildren();
  for (const c of cleanups.splice(0).reverse()) await c();
});


describe('cjp-sim plc', () => {
  it('serves the lanes given, logs the endpoint and the commands it takes, and exits cleanly on SIGINT', async () => {
    const pki = mkdtempSync(path.join(tmpdir(), 'cjp-plc-cli-'));
    cleanups.push(() => rmSync(pki, { recursive: true, force: true }));
    const sim = runCli(['plc', '--port', '0', '--lanes', 'gate-in-3', '--pki', pki, '--travel-ms', '0', '--security', 'None']);
    const listening = await sim.logged('PLC simulator listening');
    expect(listening).toMatchObject({ level: 30, lanes: ['gate-in-3'], security: ['None'] });
    const endpointUrl = listening.endpointUrl as string;
    expect(endpointUrl).toMatch(/^opc\.tcp:\/\/127\.0\.0\.1:\d+$/);

    const client = OPCUAClient.create({
      clientCertificateManager: new OPCUACertificateManager({ rootFolder: path.join(pki, 'client') }),
      endpointMustExist: false,
      connectionStrategy: { maxRetry: 1, initialDelay: 100, maxDelay: 200 },
    });
    cleanups.push(() => client.disconnect());
    await client.connect(endpointUrl);
    const session = await client.createSession();
    const result = await session.call({ objectId: 'ns=1;s=gate-in-3.Barrier', methodId: 'ns=1;s=gate-in-3.Barrier.Open', inputArguments: [] });
    expect(result.statusCode).toBe(StatusCodes.Good);
    expect(await sim.logged('barrier command')).toMatchObject({ lane: 'gate-in-3', action: 'open', via: 'method', accepted: true });
    expect((await session.read({ nodeId: 'ns=1;s=gate-in-3.Barrier.State', attributeId: AttributeIds.Value })).value.value).toBe(2);
    await session.close();
    await client.disconnect();

    sim.child.kill('SIGINT');
    expect(await sim.exited).toBe(0);
    await sim.logged('PLC simulator exiting');
    // node-opcua's own console output went into the JSON log, not around it
    expect(sim.stdout().split('\n').filter((l) => l && !l.startsWith('{'))).toEqual([]);
  });

  it('lists the command in the usage and refuses a security mode it does not know', async () => {
    const help = runCli(['plc', '--help']);
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toContain('Options of "plc"');
    const bad = runCli(['plc', '--security', 'Basic128Rsa15']);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain('--security Basic128Rsa15');
  });
});
