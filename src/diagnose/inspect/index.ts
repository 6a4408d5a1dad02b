/**
 * Code inspection of Plex agent bundles (Phase 2). Entry points: {@link inspectPlugins} /
 * {@link inspectBundles} (a Plug-ins folder or some bundles → {@link BundleInspection}),
 * {@link inspectSource} (one file's text), {@link locate} (file text + line → function, statement,
 * nearest XPath and request), {@link fileOf} (a bundle's file in an inspection).
 */
export { inspectPlugins, inspectBundles, inspectBundleSources, inspectSource, fileOf, bundleIdentifier, parseDefaultPrefs } from './inspect.ts';
export { locate, type CodeLocation } from './locate.ts';
export { fsBundleReader, memoryBundleReader, type BundleReader, type BundleSource } from './reader.ts';
export type * from './types.ts';
export { requestsToHost, normalisers, headerSettings, raisesWithMessage, fileForPath, type Located } from './queries.ts';
