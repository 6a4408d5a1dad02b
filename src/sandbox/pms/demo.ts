/**
 * A small ready-made library with in-memory agents, for tests that need a Plex to talk to but no Python
 * and no fixture sites (the Plex client's tests, the emulator's own). One movie section with an umbrella
 * primary agent and two contributing site agents, PGMA-style:
 * - the primary matches every file except those whose name contains `nomatch` (score 86, like PGMA's
 *   umbrella agents) and sets nothing itself;
 * - SiteA finds films whose title starts with "A" and sets studio, summary, cast and a poster;
 * - SiteB finds every film and sets a summary (SiteA's wins: it comes first), a date and a genre;
 * - item 105's file is missing.
 */
import { MemoryPlugin, memoryAgentInfo } from './memory-plugin.ts';
import type { LibrarySpec, PluginSpec } from './types.ts';

/** The demo's umbrella primary agent and its two contributing site agents. */
export const DEMO_PRIMARY = 'com.plexapp.agents.Umbrella';
export const DEMO_SITE_A = 'com.plexapp.agents.SiteA';
export const DEMO_SITE_B = 'com.plexapp.agents.SiteB';

/** The demo library plus its plug-ins (pass `library` and `plugins` to `startPmsEmulator`). */
export interface DemoSetup {
  library: LibrarySpec;
  plugins: PluginSpec[];
  primary: MemoryPlugin;
  siteA: MemoryPlugin;
  siteB: MemoryPlugin;
}

/** Fresh demo library and plug-ins (new plug-in objects each call, so call records do not leak between tests). */
export function demoSetup(): DemoSetup {
  const primary = new MemoryPlugin(DEMO_PRIMARY, {
    search: (m) => (m.filename.includes('nomatch') ? [] : [{ id: m.id, name: m.name, score: 86, lang: 'en' }]),
    update: () => null,
  });
  const siteA = new MemoryPlugin(DEMO_SITE_A, {
    search: (m) => (m.name.startsWith('A') ? [{ id: `A-${m.id}`, name: m.name, score: 100, lang: 'en' }] : []),
    update: (id) => ({
      studio: 'Studio A', summary: `summary from A for ${id}`, roles: [{ name: 'Actor One', role: 'Lead' }], posters: [`http://site-a.test/${id}.jpg`],
    }),
  });
  const siteB = new MemoryPlugin(DEMO_SITE_B, {
    search: (m) => [{ id: `B-${m.id}`, name: m.name, score: 100, lang: 'en' }],
    update: () => ({ summary: 'summary from B', originally_available_at: '2019-05-01', genres: ['Drama'] }),
  });
  return {
    primary,
    siteA,
    siteB,
    library: {
      sections: [{ id: 1, title: 'Films', agent: DEMO_PRIMARY, contributors: [DEMO_SITE_A, DEMO_SITE_B], locations: ['/data/Films'] }],
      items: [
        { ratingKey: '101', sectionId: 1, title: 'Alpha Film', year: 2019, file: '/data/Films/(Studio A) - Alpha Film (2019).mp4', duration: 5_400_000 },
        { ratingKey: '102', sectionId: 1, title: 'Beta Film', year: 2020, file: '/data/Films/(Studio B) - Beta Film (2020).mkv', duration: 3_600_000 },
        { ratingKey: '103', sectionId: 1, title: 'Another One', year: 2020, file: '/data/Films/(Studio A) - Another One (2020).mp4' },
        { ratingKey: '104', sectionId: 1, title: 'Gamma', year: 2021, file: '/data/Films/nomatch Gamma.mp4' },
        { ratingKey: '105', sectionId: 1, title: 'Delta Gone', year: 2018, file: '/data/Films/(Studio D) - Delta Gone (2018).mp4', missing: true },
      ],
    },
    plugins: [
      { plugin: primary, info: memoryAgentInfo(DEMO_PRIMARY, { primary: true }) },
      { plugin: siteA, info: memoryAgentInfo(DEMO_SITE_A, { contributesTo: [DEMO_PRIMARY] }) },
      { plugin: siteB, info: memoryAgentInfo(DEMO_SITE_B, { contributesTo: [DEMO_PRIMARY] }) },
    ],
  };
}
