/** What a device's command controls share: the request in flight, when they are disabled, and sending. */
import { computed } from 'vue';
import { useI18n } from 'vue-i18n';
import type { LiveValues } from '@cjp/contracts';
import { useCommandsStore } from '../commands';
import { deviceKey } from '../health';

export interface CommandTarget {
  edgeId: string;
  deviceId: string;
  edgeOnline: boolean;
}

/** The props of a device view with commands (barrier, LED). */
export interface CommandControlProps extends CommandTarget {
  values: LiveValues | null;
  /** the user may command this device: the controls show */
  canCommand: boolean;
}

export function useDeviceCommand(target: CommandTarget) {
  const { t } = useI18n();
  const store = useCommandsStore();
  /** the action of the request in flight, or null */
  const sending = computed(() => store.sending[deviceKey(target.edgeId, target.deviceId)] ?? null);
  /** one request per device at a time, and none to an offline edge */
  const blocked = computed(() => sending.value !== null || !target.edgeOnline);
  const title = computed(() => (target.edgeOnline ? undefined : t('commands.edgeOffline')));
  function send(action: string, args?: Record<string, unknown>): void {
    void store.sendCommand(target.edgeId, target.deviceId, action, args);
  }
  return { sending, blocked, title, send };
}
