/**
 * Device commands: the newest command per device and its answer (`command:updated`, REST
 * `/api/v1/commands`), the requests in flight, and who may command which device. A device a module
 * claims (a gate lane's barrier or LED) needs the claim's permission, any other `devices.command`;
 * while the claims are unknown (an older hub, a failed request) the buttons show for anyone holding
 * either, and the hub's 403 has the last word.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { CommandDto, CommandRequest, DeviceClaim } from '@cjp/contracts';
import { ApiError } from '../../shared/api';
import { report } from '../../shared/notices';
import { userCan } from '../../shared/session';
import { useLiveStore } from '../live/store';
import { devicesApi } from './api';
import { deviceKey, laterThan } from './health';

/** Commands fetched to show each device's newest one. */
const COMMAND_HISTORY = 100;

/** queued → sent → an answer; the answers themselves may overturn each other (a late real answer beats "expired") */
const COMMAND_RANK: Record<CommandDto['state'], number> = { queued: 0, sent: 1, ok: 2, failed: 2, expired: 2 };

function isCommandDto(v: unknown): v is CommandDto {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Partial<CommandDto>;
  return typeof c.id === 'string' && typeof c.edgeId === 'string' && typeof c.deviceId === 'string' && typeof c.state === 'string';
}

export const useCommandsStore = defineStore('device-commands', () => {
  const live = useLiveStore();
  /** the newest command of each device, by deviceKey */
  const commands = ref<Record<string, CommandDto>>({});
  /** the action being posted to each device (a request in flight), by deviceKey */
  const sending = ref<Record<string, string>>({});
  /** the command list was fetched (then it is fetched again after a reconnect) */
  const commandsLoaded = ref(false);
  /** the devices modules claim, by deviceKey; null while unknown */
  const claims = ref<Record<string, DeviceClaim> | null>(null);
  let generation = 0;

  function applyCommand(c: CommandDto): void {
    const key = deviceKey(c.edgeId, c.deviceId);
    const current = commands.value[key];
    if (current && current.id === c.id) {
      // the "queued" and "sent" echoes may arrive after the answer: a command never goes back
      if (COMMAND_RANK[c.state] < COMMAND_RANK[current.state]) return;
    } else if (current && laterThan(current.issuedAt, c.issuedAt)) {
      return; // an older command of this device
    }
    commands.value[key] = c;
  }

  /** Fetches the newest commands, to show each device's last one (for those who may read them). */
  async function loadCommands(): Promise<void> {
    if (!userCan('devices.commands.read')) return;
    const gen = generation;
    try {
      const res = await devicesApi.commands(COMMAND_HISTORY);
      if (gen !== generation) return;
      for (const c of [...res.items].reverse()) if (isCommandDto(c)) applyCommand(c);
      commandsLoaded.value = true;
    } catch (err) {
      if (gen === generation) report(err);
    }
  }

  /** Fetches which devices modules claim; on failure the last known claims (or none) stay. */
  async function loadClaims(): Promise<void> {
    if (!userCan('devices.read')) return;
    const gen = generation;
    try {
      const res = await devicesApi.claims();
      if (gen === generation) claims.value = Object.fromEntries(res.items.map((c) => [deviceKey(c.edgeId, c.deviceId), c]));
    } catch (err) {
      // 404: a hub without claims; 403: nothing to show. Either way the fallback applies.
      if (gen === generation && !(err instanceof ApiError && (err.status === 404 || err.status === 403))) report(err);
    }
  }

  const fallback = computed(() => userCan('devices.command') || userCan('gate.devices.command'));

  /** May the user command this device? (Decides whether its buttons show.) */
  function mayCommand(edgeId: string, deviceId: string): boolean {
    if (claims.value === null) return fallback.value;
    return userCan(claims.value[deviceKey(edgeId, deviceId)]?.permission ?? 'devices.command');
  }

  /**
   * Sends a command (`open`, `close`, `show` …); its answer arrives on `command:updated`.
   * Resolves true when the hub accepted it (202). One request per device at a time.
   */
  async function sendCommand(edgeId: string, deviceId: string, action: string, args: Record<string, unknown> = {}): Promise<boolean> {
    const key = deviceKey(edgeId, deviceId);
    if (sending.value[key]) return false;
    sending.value[key] = action;
    const gen = generation;
    const body: Pick<CommandRequest, 'action' | 'args'> = { action, args };
    try {
      const dto = await devicesApi.sendCommand(edgeId, deviceId, body);
      if (gen === generation && isCommandDto(dto)) applyCommand(dto);
      return gen === generation;
    } catch (err) {
      if (gen !== generation) return false;
      // a command stored but not published comes back in the error's details, already failed
      const failed = err instanceof ApiError ? err.details?.command : undefined;
      if (isCommandDto(failed)) applyCommand(failed);
      report(err);
      return false;
    } finally {
      if (gen === generation) delete sending.value[key];
    }
  }

  live.addFeedListener({
    command(c) {
      if (isCommandDto(c)) applyCommand(c);
    },
    reconnected() {
      // answers given while the socket was away
      if (commandsLoaded.value) void loadCommands();
    },
    stopped() {
      generation += 1;
      commands.value = {};
      sending.value = {};
      commandsLoaded.value = false;
      claims.value = null;
    },
  });

  return { commands, sending, commandsLoaded, claims, loadCommands, loadClaims, mayCommand, sendCommand };
});
