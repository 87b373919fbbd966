import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLauncher } from './launcher/launcher.js';

// simulators/dist/launch.js (or src/launch.ts) → the repository root.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const launcher = startLauncher({ repoRoot });

let signals = 0;
const onSignal = (signal: NodeJS.Signals) => {
  signals++;
  if (signals === 1) {
    process.stdout.write(`\n[launcher] ${signal}: stopping (press Ctrl-C again to kill at once)\n`);
    void launcher.stop();
  } else {
    launcher.kill('SIGKILL');
    process.exit(130);
  }
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// Children run in their own process group; if this process dies some other way, ask them to stop.
process.on('exit', () => launcher.kill('SIGTERM'));

process.exit(await launcher.exited);
