/**
 * Shared set-up for the emulator tests: a small library served by in-memory agent plug-ins, HTTP and
 * websocket helpers, fixture loading. Every emulator a test starts is closed by the test.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { demoSetup, DEMO_PRIMARY, DEMO_SITE_A, DEMO_SITE_B, startPmsEmulator, type MemoryPlugin, type PmsEmulator, type PmsEmulatorOptions } from '../../src/sandbox/pms/index.ts';

export const PRIMARY = DEMO_PRIMARY;
export const SITE_A = DEMO_SITE_A;
export const SITE_B = DEMO_SITE_B;

/** Reads a recorded response, without its first (source) line. */
export function fixture(name: string): string {
  const text = readFileSync(new URL(`../fixtures/plex-api/${name}`, import.meta.url), 'utf8');
  return text.slice(text.indexOf('\n') + 1);
}

export interface Rig {
  emu: PmsEmulator;
  primary: MemoryPlugin;
  siteA: MemoryPlugin;
  siteB: MemoryPlugin;
  get(path: string, opts?: { json?: boolean; token?: string | null; headers?: Record<string, string>; method?: string }): Promise<Response>;
}

/** The demo library (src/sandbox/pms/demo.ts) on an emulator with fast refresh steps. */
export async function startRig(extra: Partial<PmsEmulatorOptions> = {}): Promise<Rig> {
  const { library, plugins, primary, siteA, siteB } = demoSetup();
  const emu = await startPmsEmulator({ library, plugins, token: 'testtoken0123456789a', plistPollMs: false, stepDelayMs: 5, ...extra });
  const get: Rig['get'] = (path, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.json) headers.Accept = 'application/json';
    const token = opts.token === undefined ? emu.token : opts.token;
    if (token !== null) headers['X-Plex-Token'] = token;
    return fetch(emu.url + path, { method: opts.method ?? 'GET', headers });
  };
  return { emu, primary, siteA, siteB, get };
}

/** A websocket subscriber that keeps every frame and waits for one matching a predicate. */
export interface Subscriber {
  frames: Array<Record<string, any>>;
  closed: Promise<void>;
  waitFor(pred: (f: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
  close(): void;
}

export function subscribe(url: string, query = ''): Promise<Subscriber> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/:/websockets/notifications${query}`);
  const frames: Array<Record<string, any>> = [];
  const waiters: Array<{ pred: (f: Record<string, any>) => boolean; resolve: (f: Record<string, any>) => void }> = [];
  ws.on('message', (data) => {
    const f = JSON.parse(String(data)).NotificationContainer as Record<string, any>;
    frames.push(f);
    for (const w of [...waiters]) if (w.pred(f)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(f);
    }
  });
  const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => resolve({
      frames,
      closed,
      close: () => ws.terminate(),
      waitFor(pred, timeoutMs = 3000) {
        const found = frames.find(pred);
        if (found) return Promise.resolve(found);
        return new Promise((res, rej) => {
          const timer = setTimeout(() => rej(new Error('timed out waiting for a notification frame')), timeoutMs);
          waiters.push({ pred, resolve: (f) => { clearTimeout(timer); res(f); } });
        });
      },
    }));
  });
}

/** True for the activity frame of `event` on item `ratingKey` (or any item). */
export function activityFrame(event: string, uuid?: string) {
  return (f: Record<string, any>) => f.type === 'activity' && f.ActivityNotification?.[0]?.event === event &&
    (uuid === undefined || f.ActivityNotification[0].uuid === uuid);
}

/** A temp folder with a space in its path (catches quoting bugs). */
export async function tempDir(): Promise<string> {
  const base = await mkdtemp(join(tmpdir(), 'plexmend-pms-'));
  const dir = join(base, 'Application Support');
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Writes a minimal agent bundle (Info.plist, DefaultPrefs.json, Code/__init__.py). */
export async function writeBundle(pluginsDir: string, name: string, identifier: string, prefs: unknown[]): Promise<string> {
  const dir = join(pluginsDir, `${name}.bundle`);
  await mkdir(join(dir, 'Contents', 'Code'), { recursive: true });
  await writeFile(join(dir, 'Contents', 'Info.plist'),
    `<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n\t<key>CFBundleIdentifier</key>\n\t<string>${identifier}</string>\n\t<key>PlexPluginClass</key>\n\t<string>Agent</string>\n</dict>\n</plist>\n`);
  await writeFile(join(dir, 'Contents', 'DefaultPrefs.json'), JSON.stringify(prefs, null, 2));
  await writeFile(join(dir, 'Contents', 'Code', '__init__.py'),
    `class ${name}Agent(Agent.Movies):\n    name = '${name} (IAFD)'\n    languages = [Locale.Language.English]\n    primary_provider = False\n    contributes_to = ['com.plexapp.agents.Umbrella']\n`);
  return dir;
}
