/**
 * Legacy plug-in preferences: the defaults come from the bundle's `Contents/DefaultPrefs.json`; saved values
 * live in `Plug-in Support/Preferences/<identifier>.xml` (`<PluginPreferences><id>value</id>…`) and win over
 * the defaults (DESIGN.md Phase 2: a preference change is never a DefaultPrefs.json edit). Plex serves them
 * on `/:/plugins/<identifier>/prefs` as `Setting` elements and sets them through the plug-in's
 * `prefs/set?id=value` route (reference plex-api.md §5; attribute names follow the framework's prefs reply,
 * UNVERIFIED against a live server).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { writeFileAtomic } from '../../io/atomic.ts';
import { el, mediaContainer, type Element } from './container.ts';

/** One entry of DefaultPrefs.json. */
export interface PrefDefinition {
  id: string;
  label: string;
  type: string;
  default: string;
  values?: string[];
  secure: boolean;
  hidden: boolean;
}

function asString(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return String(v);
}

/** Parses DefaultPrefs.json text; an invalid file yields an Error naming it. */
export function parseDefaultPrefs(text: string, where: string): PrefDefinition[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${where} is not valid JSON`);
  }
  if (!Array.isArray(raw)) throw new Error(`${where} is not a list of preferences`);
  return raw
    .filter((p): p is Record<string, unknown> => Boolean(p) && typeof p === 'object' && typeof (p as { id?: unknown }).id === 'string')
    .map((p) => ({
      id: p.id as string,
      label: asString(p.label ?? p.id),
      type: asString(p.type ?? 'text'),
      default: asString(p.default),
      values: Array.isArray(p.values) ? p.values.map(asString) : undefined,
      secure: asString(p.secure) === 'true',
      hidden: asString(p.option) === 'hidden' || asString(p.hidden) === 'true',
    }));
}

/** Parses a saved preferences file (`<PluginPreferences>`): id → value strings. */
export function parseSavedPrefs(xml: string): Record<string, string> {
  const doc = new XMLParser({ parseTagValue: false, ignoreAttributes: true, trimValues: false }).parse(xml) as Record<string, unknown>;
  const root = doc.PluginPreferences;
  if (!root || typeof root !== 'object') return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(root as Record<string, unknown>)) {
    if (!k.startsWith('#')) out[k] = asString(Array.isArray(v) ? v[0] : v);
  }
  return out;
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Serialises saved preferences the way the framework writes them. */
export function renderSavedPrefs(values: Record<string, string>): string {
  const lines = Object.entries(values).map(([k, v]) => `  <${k}>${escapeText(v)}</${k}>`);
  return `<?xml version='1.0' encoding='utf-8'?>\n<PluginPreferences>\n${lines.join('\n')}\n</PluginPreferences>\n`;
}

/** One plug-in's preferences: definitions, saved values, file locations. */
export class PluginPrefs {
  constructor(readonly identifier: string, private readonly bundleDir: string | undefined, private readonly supportDir: string | undefined) {}

  /** `Plug-in Support/Preferences/<identifier>.xml`, or undefined without a support folder. */
  get savedPath(): string | undefined {
    return this.supportDir === undefined ? undefined : join(this.supportDir, 'Preferences', `${this.identifier}.xml`);
  }

  async definitions(): Promise<PrefDefinition[]> {
    if (this.bundleDir === undefined) return [];
    const where = join(this.bundleDir, 'Contents', 'DefaultPrefs.json');
    let text: string;
    try {
      text = await readFile(where, 'utf8');
    } catch {
      return [];
    }
    return parseDefaultPrefs(text, where);
  }

  async saved(): Promise<Record<string, string>> {
    const path = this.savedPath;
    if (path === undefined) return {};
    try {
      return parseSavedPrefs(await readFile(path, 'utf8'));
    } catch {
      return {};
    }
  }

  /** Effective values: saved over defaults. */
  async values(): Promise<Record<string, string>> {
    const defs = await this.definitions();
    const saved = await this.saved();
    return Object.fromEntries(defs.map((d) => [d.id, saved[d.id] ?? d.default]));
  }

  /**
   * Saves new values; returns the ids that changed. Unknown ids are refused (Error naming them); an enum
   * given as its index is stored as the value at that index.
   */
  async set(changes: Record<string, string>): Promise<string[]> {
    const defs = new Map((await this.definitions()).map((d) => [d.id, d]));
    const unknown = Object.keys(changes).filter((k) => !defs.has(k));
    if (unknown.length > 0) throw new Error(`unknown preference ${unknown.join(', ')}`);
    const path = this.savedPath;
    if (path === undefined) throw new Error('this plug-in has no Plug-in Support folder');
    const saved = await this.saved();
    const changed: string[] = [];
    for (const [k, raw] of Object.entries(changes)) {
      const def = defs.get(k)!;
      let v = raw;
      if (def.type === 'enum' && def.values && !def.values.includes(v) && /^\d+$/.test(v) && def.values[Number(v)] !== undefined) {
        v = def.values[Number(v)]!;
      }
      if (def.type === 'bool') v = v === '1' || v.toLowerCase() === 'true' ? 'true' : 'false';
      if ((saved[k] ?? def.default) !== v) changed.push(k);
      saved[k] = v;
    }
    await writeFileAtomic(path, renderSavedPrefs(saved));
    return changed;
  }

  /** `GET /:/plugins/<id>/prefs`: one `Setting` per preference; secure values are not shown. */
  async view(): Promise<Element> {
    const defs = await this.definitions();
    const values = await this.values();
    return mediaContainer({ identifier: this.identifier }, defs.map((d) =>
      el('Setting', {
        id: d.id,
        label: d.label,
        type: d.type,
        default: d.secure ? '' : d.default,
        value: d.secure ? '' : values[d.id],
        secure: d.secure,
        hidden: d.hidden,
        values: d.values?.join('|'),
      })));
  }
}
