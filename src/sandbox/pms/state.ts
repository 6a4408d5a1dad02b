/**
 * The emulator's state as its routes see it: the library, the plug-ins, the refresh queue, the activities,
 * the playback sessions and the fault switches.
 */
import type { Activities } from './activities.ts';
import type { Faults } from './faults.ts';
import type { Library } from './library.ts';
import type { NotificationHub } from './notifications.ts';
import type { PluginRegistry } from './plugins.ts';
import type { RefreshQueue } from './refresh.ts';
import type { Session } from './routes-library.ts';

export interface EmulatorState {
  lib: Library;
  plugins: PluginRegistry;
  queue: RefreshQueue;
  activities: Activities;
  hub: NotificationHub;
  faults: Faults;
  sessions: Session[];
  machineIdentifier: string;
  version: string;
  friendlyName: string;
  /** Seconds since the epoch. */
  nowSeconds: () => number;
  /** Tells the emulator the library changed outside a refresh (match, unmatch): it is saved. */
  changed: () => void;
}
