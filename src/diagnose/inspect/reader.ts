/**
 * The file-system port of code inspection, and its real and in-memory adapters. A Plex plug-in
 * bundle is `X.bundle/Contents/` with `Info.plist`, `DefaultPrefs.json` and Python code under
 * `Code/` (PGMA: `__init__.py` + the shared `utils.py`); bundles sit side by side in `Plug-ins/`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { InputError } from '../../errors.ts';
import { isDirectory } from '../../io/dir.ts';

/** One bundle's text files, paths relative to the bundle folder with `/` separators. */
export interface BundleSource {
  /** Folder name, e.g. `AEBN.bundle`. */
  readonly bundle: string;
  readonly infoPlist: string | null;
  readonly defaultPrefs: string | null;
  /** `Contents/Code/**.py`: `{ path: 'Contents/Code/utils.py', text }`. */
  readonly code: readonly { readonly path: string; readonly text: string }[];
}

/** Reads bundles. Throws {@link InputError} (with a hint) for a missing folder. */
export interface BundleReader {
  /** Absolute paths of the `*.bundle` folders directly inside `pluginsDir`, sorted. */
  listBundles(pluginsDir: string): Promise<string[]>;
  readBundle(bundleDir: string): Promise<BundleSource>;
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

async function pythonFiles(dir: string, rel: string, out: { path: string; text: string }[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isDirectory()) await pythonFiles(join(dir, e.name), `${rel}/${e.name}`, out);
    else if (e.isFile() && e.name.endsWith('.py')) out.push({ path: `${rel}/${e.name}`, text: await readFile(join(dir, e.name), 'utf8') });
  }
}

/** The real reader (node:fs). */
export const fsBundleReader: BundleReader = {
  async listBundles(pluginsDir) {
    let entries;
    try {
      entries = await readdir(pluginsDir, { withFileTypes: true });
    } catch (err) {
      throw new InputError(
        `cannot read the Plug-ins folder ${pluginsDir} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        'pass the folder that holds the *.bundle folders with --plugins, or run `plexmend doctor` to find it',
        err,
      );
    }
    return entries
      .filter((e) => e.isDirectory() && e.name.endsWith('.bundle'))
      .map((e) => join(pluginsDir, e.name))
      .sort();
  },
  async readBundle(bundleDir) {
    if (!(await isDirectory(join(bundleDir, 'Contents')))) {
      throw new InputError(`${bundleDir} is not a Plex plug-in bundle (no Contents folder)`, 'pass a *.bundle folder or the Plug-ins folder that holds them');
    }
    const code: { path: string; text: string }[] = [];
    await pythonFiles(join(bundleDir, 'Contents', 'Code'), 'Contents/Code', code);
    return {
      bundle: basename(bundleDir),
      infoPlist: await readOptional(join(bundleDir, 'Contents', 'Info.plist')),
      defaultPrefs: await readOptional(join(bundleDir, 'Contents', 'DefaultPrefs.json')),
      code,
    };
  },
};

/** An in-memory reader over `{ '<pluginsDir>/X.bundle': BundleSource }`, for tests and the sandbox. */
export function memoryBundleReader(bundles: Readonly<Record<string, BundleSource>>): BundleReader {
  return {
    async listBundles(pluginsDir) {
      const prefix = pluginsDir.replace(/[\\/]+$/, '') + '/';
      return Object.keys(bundles).filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).includes('/')).sort();
    },
    async readBundle(dir) {
      const b = bundles[dir];
      if (!b) throw new InputError(`${dir} is not a Plex plug-in bundle (not found)`, 'pass a *.bundle folder or the Plug-ins folder that holds them');
      return b;
    },
  };
}
