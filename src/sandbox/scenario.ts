/**
 * Sandbox scenarios: data files (`src/sandbox/scenarios/<name>.yaml`) that describe a rehearsal world — the
 * Plex library (sections, items with PGMA-style file names), the fixture sites the agents scrape (their
 * catalogues and the behaviours switched on), and the GROUND TRUTH per item × agent (what the agent's
 * search yields now, the planted defect, whether code can fix it, and what a correct fix yields).
 *
 * Only the sandbox reads scenarios. plexmend's own code never names a scenario, host or markup; tests use the
 * ground truth to check that plexmend found what was planted.
 *
 * Randomness is seeded: `seededUnit(seed, ...parts)` hashes its parts (e.g. seed, item key, attempt), never
 * `Math.random`, so a resumed run replays the same flaky answers.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InputError } from '../errors.ts';
import { EVENT_CLASSES } from '../logs/schema.ts';
import { RECIPES } from '../diagnose/schema.ts';

export const SCENARIO_SCHEMA = 'plexmend.scenario/1';

/** Folder of the bundled scenario files. */
export const SCENARIOS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'scenarios');

/**
 * Planted defects. `browser_headers`: the site answers 403 unless the request looks like a browser;
 * `rate_limit`: 429 above a request rate (appears once requests flow); `redesigned_markup`: an XPath finds
 * nothing after a redesign; `title_normaliser`: curly apostrophes / roman numerals defeat the title compare;
 * `absent_title`: the film is not on the site; `misnamed_file`: the file name is not `(Studio) - Title (Year)`;
 * `cloudflare_challenge`: a challenge page no header fixes; `transient_5xx`, `slow_site`, `site_down`.
 */
export const DEFECTS = [
  'browser_headers',
  'rate_limit',
  'redesigned_markup',
  'title_normaliser',
  'absent_title',
  'misnamed_file',
  'cloudflare_challenge',
  'transient_5xx',
  'slow_site',
  'site_down',
] as const;
export type Defect = (typeof DEFECTS)[number];

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');
const hostname = z.string().regex(/^[a-z0-9.-]+$/, 'a lower-case host name');
const bundleId = z.string().regex(/^com\.plexapp\.agents\.[A-Za-z0-9]+$/, 'a bundle id com.plexapp.agents.<Name>');

/** One outcome of one agent's search for one item. */
const outcomeSchema = z.enum(['match', 'fail']);

/** Ground truth for one item × agent. */
export const truthSchema = z
  .object({
    /** What the agent's search yields today (footer `>> Successful!! <<` = match). */
    now: outcomeSchema,
    /** The event class its log shows when it fails (logs/schema.ts names). */
    class: z.enum(EVENT_CLASSES).optional(),
    /** HTTP status behind an `http_error`. */
    status: z.number().int().optional(),
    /** The planted defect(s) in the order they surface; the first is what the log shows today. */
    defects: z.array(z.enum(DEFECTS)).default([]),
    /** Whether a code/config change can make this pair match. */
    fixable: z.boolean(),
    /** Recipes that, together, cure it (diagnose/schema.ts names). */
    fix: z.array(z.enum(RECIPES)).default([]),
    /** The outcome once every fixable defect is fixed. */
    then: outcomeSchema,
    /** The failure class that remains after the fixes, when `then` is fail. */
    thenClass: z.enum(EVENT_CLASSES).optional(),
    /** The film id on the agent's site this item should match. */
    film: z.string().optional(),
    note: z.string().optional(),
  })
  .strict();
export type Truth = z.infer<typeof truthSchema>;

/**
 * Ground truth of one agent's update phase for the cast lookups on the cast site (PGMA's IAFD step): do the
 * cast photos arrive today, what the log shows when they do not, and what cures it. A failed lookup is
 * logged and the update goes on (the film still gets its other fields).
 */
export const castTruthSchema = z
  .object({
    now: z.enum(['photos', 'no_photos']),
    class: z.enum(EVENT_CLASSES).optional(),
    status: z.number().int().optional(),
    defects: z.array(z.enum(DEFECTS)).default([]),
    /** Recipes that bring the photos back. */
    fix: z.array(z.enum(RECIPES)).default([]),
    /** Recipes that stop the errors without bringing the photos (e.g. the `castlookup` preference off). */
    workaround: z.array(z.enum(RECIPES)).default([]),
    then: z.enum(['photos', 'no_photos']),
    note: z.string().optional(),
  })
  .strict();
export type CastTruth = z.infer<typeof castTruthSchema>;

/** A library section: its umbrella (primary) agent and the contributing site agents, in order. */
export const sectionSchema = z
  .object({
    id: z.number().int().positive(),
    title: z.string().min(1),
    /** Library root folder as Plex sees it. */
    root: z.string().startsWith('/'),
    language: z.string().default('en'),
    /** The umbrella (primary) agent's bundle id. */
    primaryAgent: bundleId,
    /** Contributing site agents' bundle ids, in Settings → Agents order. */
    agents: z.array(bundleId).min(1),
  })
  .strict();

/** One film file in the library, with the ground truth of every agent of its section. */
export const itemSchema = z
  .object({
    ratingKey: z.string().regex(/^\d+$/),
    section: z.number().int().positive(),
    /** Full file path as Plex sees it, e.g. `/data/Films/(Studio) - Title (2019).mp4`. */
    file: z.string().startsWith('/'),
    /** The title Plex's scanner shows (from the file name). */
    title: z.string().min(1),
    year: z.number().int().optional(),
    studio: z.string().optional(),
    /** Milliseconds, as Plex stores a part's duration. */
    duration: z.number().int().positive(),
    /** Agent name (bundle id suffix) → truth. */
    truth: z.record(z.string(), truthSchema),
  })
  .strict();
export type ScenarioItem = z.infer<typeof itemSchema>;

/** One film on a fixture site: what its search result and film page show. */
export const filmSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    title: z.string().min(1),
    studio: z.string().min(1),
    date: isoDate,
    minutes: z.number().int().positive(),
    synopsis: z.string().default(''),
    cast: z.array(z.string()).default([]),
    directors: z.array(z.string()).default([]),
    genres: z.array(z.string()).default([]),
  })
  .strict();
export type Film = z.infer<typeof filmSchema>;

/** What a fixture site does besides serving pages; all off by default. */
export const behavioursSchema = z
  .object({
    /** 403 unless the request carries a browser-like User-Agent AND an Accept-Language header. */
    browserOnly: z.boolean().default(false),
    /** A Cloudflare-style challenge page (503) for every request, whatever the headers. */
    challenge: z.boolean().default(false),
    /**
     * 429 above `requests` served requests per client within `windowMs` (blocked requests do not count).
     * Time values here are fast-timing units (a tenth of real time); realistic timing multiplies them by 10.
     */
    rateLimit: z
      .object({ requests: z.number().int().positive(), windowMs: z.number().int().positive(), retryAfterS: z.number().int().nonnegative().default(1) })
      .strict()
      .optional(),
    /** The site was redesigned: fields moved to new markup (old XPaths find nothing). */
    redesign: z.boolean().default(false),
    /** A seeded share of requests answered after `ms` milliseconds (fast timing; ×10 with realistic timing). */
    slow: z.object({ share: z.number().min(0).max(1), ms: z.number().int().positive() }).strict().optional(),
    /** A seeded share of requests answered with one of `statuses` (5xx bursts). */
    errors: z
      .object({ share: z.number().min(0).max(1), statuses: z.array(z.number().int().min(500).max(599)).min(1) })
      .strict()
      .optional(),
    /** Nothing listens: connection refused. */
    down: z.boolean().default(false),
  })
  .strict();
export type Behaviours = z.infer<typeof behavioursSchema>;

/** A fixture site: host name, kind, behaviours and catalogue. */
export const siteSchema = z
  .object({
    host: hostname,
    /** `films`: search + film pages; `cast`: an IAFD-like people site. */
    kind: z.enum(['films', 'cast']),
    /** Display name used in page titles. */
    label: z.string().min(1),
    behaviours: behavioursSchema.default({ browserOnly: false, challenge: false, redesign: false, down: false }),
    films: z.array(filmSchema).default([]),
  })
  .strict();
export type Site = z.infer<typeof siteSchema>;

/** A whole scenario file (`schema: plexmend.scenario/1`). */
export const scenarioSchema = z
  .object({
    schema: z.literal(SCENARIO_SCHEMA),
    name: z.string().regex(/^[a-z0-9-]+$/),
    description: z.string().min(1),
    seed: z.number().int(),
    /** Agent name → the host its search and film pages live on. */
    agentSites: z.record(z.string(), hostname),
    /** The host of the IAFD-like cast site the agents' update() reads. */
    castSite: hostname,
    /** Agent name → ground truth of its update-phase cast lookups; absent = photos arrive. */
    castLookup: z.record(z.string(), castTruthSchema).optional(),
    sections: z.array(sectionSchema).min(1),
    sites: z.array(siteSchema).min(1),
    items: z.array(itemSchema).min(1),
  })
  .strict();
export type Scenario = z.infer<typeof scenarioSchema>;

/** The agent name PGMA logs (`AGENT` constant): the bundle id's last part. */
export function agentName(bundle: string): string {
  return bundle.slice(bundle.lastIndexOf('.') + 1);
}

/** Cross-checks a parsed scenario; returns the problems (empty when consistent). */
export function checkScenario(s: Scenario): string[] {
  const problems: string[] = [];
  const sites = new Map(s.sites.map((x) => [x.host, x]));
  if (sites.size !== s.sites.length) problems.push('two sites share a host');
  if (sites.get(s.castSite)?.kind !== 'cast') problems.push(`castSite ${s.castSite} is not a site of kind cast`);
  const sections = new Map(s.sections.map((x) => [x.id, x]));
  for (const [agent, host] of Object.entries(s.agentSites)) {
    if (sites.get(host)?.kind !== 'films') problems.push(`agent ${agent} points at ${host}, which is not a films site`);
  }
  for (const agent of Object.keys(s.castLookup ?? {})) if (!(agent in s.agentSites)) problems.push(`castLookup names ${agent}, which has no site`);
  for (const sec of s.sections) {
    for (const a of sec.agents) if (!(agentName(a) in s.agentSites)) problems.push(`section ${sec.id}: agent ${a} has no site in agentSites`);
  }
  const keys = new Set<string>();
  for (const item of s.items) {
    const where = `item ${item.ratingKey}`;
    if (keys.has(item.ratingKey)) problems.push(`${where}: duplicate ratingKey`);
    keys.add(item.ratingKey);
    const sec = sections.get(item.section);
    if (!sec) {
      problems.push(`${where}: unknown section ${item.section}`);
      continue;
    }
    if (!item.file.startsWith(sec.root + '/')) problems.push(`${where}: file is not under ${sec.root}`);
    const names = sec.agents.map(agentName);
    for (const n of names) if (!item.truth[n]) problems.push(`${where}: no ground truth for agent ${n}`);
    for (const [agent, t] of Object.entries(item.truth)) {
      if (!names.includes(agent)) problems.push(`${where}: truth for ${agent}, which is not an agent of section ${sec.id}`);
      if (t.now === 'fail' && !t.class) problems.push(`${where} × ${agent}: a failure needs its class`);
      if (t.now === 'match' && t.then !== 'match') problems.push(`${where} × ${agent}: a match cannot become a failure by fixing`);
      if (t.fixable && t.fix.length === 0) problems.push(`${where} × ${agent}: fixable but no recipe named`);
      if (t.then === 'match' && !t.film) problems.push(`${where} × ${agent}: a match needs the film id`);
      if (t.film) {
        const host = s.agentSites[agent];
        const site = host ? sites.get(host) : undefined;
        if (!site?.films.some((f) => f.id === t.film)) problems.push(`${where} × ${agent}: film ${t.film} is not on ${host}`);
      }
    }
  }
  return problems;
}

/** Parses scenario YAML text; `where` names the source in errors. Throws InputError. */
export function parseScenario(text: string, where: string): Scenario {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new InputError(`${where} is not valid YAML: ${(err as Error).message.split('\n')[0]}`, 'fix the YAML syntax of the scenario file', err);
  }
  const parsed = scenarioSchema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const at = first?.path.length ? ` at ${first.path.join('.')}` : '';
    throw new InputError(`${where} is not a valid scenario${at}: ${first?.message ?? 'invalid'}`,
      `a scenario starts with "schema: ${SCENARIO_SCHEMA}"; compare it with src/sandbox/scenarios/default.yaml`);
  }
  const problems = checkScenario(parsed.data);
  if (problems.length > 0) {
    throw new InputError(`${where} is inconsistent: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
      'every item needs ground truth for each agent of its section, and every film it names must be on that agent\'s site');
  }
  return parsed.data;
}

/**
 * Loads a scenario by bundled name (`default`, `flaky`) or by path to a `.yaml` file.
 * Throws InputError when it does not exist or does not validate.
 */
export function loadScenario(nameOrPath: string): Scenario {
  const isPath = nameOrPath.includes('/') || nameOrPath.includes('\\') || /\.ya?ml$/.test(nameOrPath);
  const path = isPath ? resolve(nameOrPath) : join(SCENARIOS_DIR, `${nameOrPath}.yaml`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    const known = listScenarios().map((s) => s.name).join(', ');
    throw new InputError(`no scenario ${isPath ? `file ${path}` : `named "${nameOrPath}"`}`, `use one of: ${known}, or a path to a scenario .yaml file`);
  }
  return parseScenario(text, isPath ? path : basename(path));
}

/** The bundled scenarios with their descriptions, sorted by name. */
export function listScenarios(): { name: string; description: string; path: string }[] {
  const out: { name: string; description: string; path: string }[] = [];
  for (const f of readdirSync(SCENARIOS_DIR).sort()) {
    if (!f.endsWith('.yaml')) continue;
    const path = join(SCENARIOS_DIR, f);
    const s = parseScenario(readFileSync(path, 'utf8'), f);
    out.push({ name: s.name, description: s.description, path });
  }
  return out;
}

/**
 * A number in [0, 1) derived from its parts only (sha256), e.g. `seededUnit(seed, itemKey, attempt)`.
 * Same parts → same number, in every process: a resumed run replays the same answers.
 */
export function seededUnit(...parts: Array<string | number>): number {
  const h = createHash('sha256').update(parts.join('\u241f')).digest();
  return h.readUIntBE(0, 6) / 2 ** 48;
}

/** A library section as the PMS emulator needs it (structurally its `SectionSpec`). */
export interface LibrarySection {
  id: number;
  title: string;
  agent: string;
  contributors: string[];
  language: string;
  locations: string[];
}

/** A library item as the PMS emulator needs it (structurally its `ItemSpec`). */
export interface LibraryItem {
  ratingKey: string;
  sectionId: number;
  title: string;
  year?: number;
  file: string;
  duration: number;
}

/** The scenario's library in the shape the PMS emulator loads. */
export function scenarioLibrary(s: Scenario): { sections: LibrarySection[]; items: LibraryItem[] } {
  return {
    sections: s.sections.map((x) => ({
      id: x.id,
      title: x.title,
      agent: x.primaryAgent,
      contributors: [...x.agents],
      language: x.language,
      locations: [x.root],
    })),
    items: s.items.map((i) => ({
      ratingKey: i.ratingKey,
      sectionId: i.section,
      title: i.title,
      ...(i.year === undefined ? {} : { year: i.year }),
      file: i.file,
      duration: i.duration,
    })),
  };
}

/** Every bundle id the scenario's sections use (primary agents first), without duplicates. */
export function scenarioBundles(s: Scenario): string[] {
  const out: string[] = [];
  for (const sec of s.sections) for (const b of [sec.primaryAgent, ...sec.agents]) if (!out.includes(b)) out.push(b);
  return out;
}

/** Summary counts of the ground truth: items matched by at least one agent now / after all fixes. */
export function truthSummary(s: Scenario): { items: number; matchedNow: number; matchedAfterFixes: number; pairs: number; pairsMatchedNow: number } {
  let matchedNow = 0;
  let matchedAfterFixes = 0;
  let pairs = 0;
  let pairsMatchedNow = 0;
  for (const item of s.items) {
    const ts = Object.values(item.truth);
    pairs += ts.length;
    pairsMatchedNow += ts.filter((t) => t.now === 'match').length;
    if (ts.some((t) => t.now === 'match')) matchedNow++;
    if (ts.some((t) => t.then === 'match')) matchedAfterFixes++;
  }
  return { items: s.items.length, matchedNow, matchedAfterFixes, pairs, pairsMatchedNow };
}
