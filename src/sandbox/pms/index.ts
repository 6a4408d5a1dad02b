/**
 * The sandbox's Plex Media Server emulator. Entry: `startPmsEmulator(options)` → a started `PmsEmulator`
 * with `url`, `token`, `faults`, `setSessions()`, `restart()` and `close()`.
 */
export { startPmsEmulator, PmsEmulator, EMULATOR_VERSION, type PmsEmulatorOptions } from './emulator.ts';
export type { Faults } from './faults.ts';
export type { Session } from './routes-library.ts';
export type { RefreshRecord } from './refresh.ts';
export { readBundleInfo, listBundles } from './bundles.ts';
export type {
  AgentInfo, AgentPlugin, ItemSpec, LibrarySpec, MetadataOut, PluginSpec, SearchMedia, SearchResultOut, SectionSpec,
} from './types.ts';
export { MemoryPlugin, memoryAgentInfo, type MemoryPluginBehaviour, type MemoryCall } from './memory-plugin.ts';
export { demoSetup, DEMO_PRIMARY, DEMO_SITE_A, DEMO_SITE_B, type DemoSetup } from './demo.ts';
