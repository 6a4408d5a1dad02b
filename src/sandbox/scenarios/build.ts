/**
 * Writes the bundled scenario files (`default.yaml`, `flaky.yaml`) from the world described here, with the
 * ground truth computed by the oracle. The YAML files are the data the sandbox loads; this script only
 * regenerates them: `node --import tsx src/sandbox/scenarios/build.ts`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Document, isMap, isSeq, type YAMLMap, type YAMLSeq } from 'yaml';
import { SCENARIOS_DIR, SCENARIO_SCHEMA, parseScenario, seededUnit, type Behaviours, type Film, type Scenario } from '../scenario.ts';
import { truthFor } from './oracle.ts';

const FIRST = ['Aaron', 'Blake', 'Carter', 'Dante', 'Eli', 'Felix', 'Gavin', 'Hunter', 'Ivan', 'Jace', 'Kai', 'Leo', 'Marco', 'Nico', 'Owen', 'Pierce', 'Quinn', 'Rafe', 'Sergio', 'Tate', 'Vance', 'Wes', 'Xavier', 'Zane'];
const LAST = ['Archer', 'Brooks', 'Cole', 'Dalton', 'Ellis', 'Foster', 'Grant', 'Hayes', 'Ingram', 'Jordan', 'Knox', 'Lane', 'Mercer', 'Nash', 'Ortiz', 'Pryce', 'Reyes', 'Stone', 'Tanner', 'Vale'];
const GENRES = ['Drama', 'Romance', 'Comedy', 'Outdoors', 'Uniforms', 'Athletes', 'Vacation', 'Workplace'];
const PLOTS = [
  'A summer job turns into more than anyone planned.',
  'Old friends meet again and settle a few scores.',
  'A weekend away changes everything for the crew.',
  'Nobody expected the new arrival to shake things up.',
  'Long shifts, short tempers and a secret or two.',
];

interface FilmSeed {
  title: string;
  studio: string;
  year: number;
  /** The title in the file name when it differs from the site's (straight apostrophe, arabic numerals, `and`). */
  fileTitle?: string;
  /** Also listed on these other sites (keys of SITES). */
  alsoOn?: string[];
  /** In the library (default true); false = catalogue-only near miss. */
  library?: boolean;
}

function film(site: string, n: number, f: FilmSeed, seed: number): Film {
  const u = (what: string) => seededUnit(seed, site, f.title, what);
  const pick = <T>(xs: readonly T[], what: string) => xs[Math.floor(u(what) * xs.length)];
  const cast = [...new Set([0, 1, 2].map((i) => `${pick(FIRST, `f${i}`)} ${pick(LAST, `l${i}`)}`))];
  const month = 1 + Math.floor(u('month') * 12);
  const day = 1 + Math.floor(u('day') * 28);
  return {
    id: `${site.slice(0, 2)}-${1000 + n}`,
    title: f.title,
    studio: f.studio,
    date: `${f.year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
    minutes: 70 + Math.floor(u('minutes') * 60),
    synopsis: pick(PLOTS, 'plot'),
    cast,
    directors: [`${pick(FIRST, 'df')} ${pick(LAST, 'dl')}`],
    genres: [pick(GENRES, 'g1'), pick(GENRES, 'g2')].filter((g, i, a) => a.indexOf(g) === i),
  };
}

interface World {
  name: string;
  description: string;
  seed: number;
  firstKey: number;
  sites: Record<string, { host: string; label: string; behaviours: Partial<Behaviours>; films: FilmSeed[] }>;
  /** Behaviours of the IAFD-like cast site (default: healthy). */
  castBehaviours?: Partial<Behaviours>;
  /** Library-only files (absent from every site, or misnamed): [file stem, studio, year]. */
  extraFiles: { stem: string; title: string; studio?: string; year?: number }[];
}

const AGENTS = ['ReelVault', 'FilmIndex', 'ScreenShelf', 'StarCatalog'];
const ROOT = '/data/Films';

function build(w: World): Scenario {
  const sites = Object.entries(w.sites).map(([agent, s]) => ({
    agent,
    host: s.host,
    kind: 'films' as const,
    label: s.label,
    behaviours: { browserOnly: false, challenge: false, redesign: false, down: false, ...s.behaviours },
    films: [] as Film[],
  }));
  const files: { stem: string; title: string; studio?: string; year?: number }[] = [];
  let n = 0;
  for (const [agent, s] of Object.entries(w.sites)) {
    for (const f of s.films) {
      const made = film(agent, n++, f, w.seed);
      sites.find((x) => x.agent === agent)!.films.push(made);
      for (const other of f.alsoOn ?? []) sites.find((x) => x.agent === other)!.films.push({ ...made, id: `${other.slice(0, 2).toLowerCase()}-${1000 + n++}` });
      if (f.library !== false) files.push({ stem: `(${f.studio}) - ${f.fileTitle ?? f.title} (${f.year})`, title: f.fileTitle ?? f.title, studio: f.studio, year: f.year });
    }
  }
  for (const s of sites) s.films = s.films.map((f) => ({ ...f, id: f.id.toLowerCase() }));
  files.push(...w.extraFiles);
  const castSite = { host: 'www.castbase.test', kind: 'cast' as const, label: 'CastBase', behaviours: { browserOnly: false, challenge: false, redesign: false, down: false, ...w.castBehaviours }, films: [] };
  const castLookup = castSite.behaviours.browserOnly
    ? Object.fromEntries(sites.map((s) => [s.agent, {
        now: 'no_photos' as const, class: 'http_error' as const, status: 403, defects: ['browser_headers' as const], fix: ['request_headers' as const],
        workaround: ['preference_change' as const], then: 'photos' as const,
        note: 'the cast site answers 403 without browser headers (User-Agent and Accept-Language); turning the castlookup preference off stops the errors but brings no photos',
      }]))
    : undefined;
  const sc: Scenario = {
    schema: SCENARIO_SCHEMA,
    name: w.name,
    description: w.description,
    seed: w.seed,
    agentSites: Object.fromEntries(sites.map((s) => [s.agent, s.host])),
    castSite: castSite.host,
    ...(castLookup ? { castLookup } : {}),
    sections: [{ id: 1, title: 'Films', root: ROOT, language: 'en', primaryAgent: 'com.plexapp.agents.SandboxFilms', agents: AGENTS.filter((a) => a in w.sites).map((a) => `com.plexapp.agents.${a}`) }],
    sites: [...sites.map(({ agent: _agent, ...s }) => s), castSite],
    items: files.map((f, i) => {
      const file = `${ROOT}/${f.stem}.mp4`;
      const u = seededUnit(w.seed, file, 'duration');
      return {
        ratingKey: String(w.firstKey + i),
        section: 1,
        file,
        title: f.stem.replace(/ \(\d{4}\)$/, ''),
        ...(f.year === undefined ? {} : { year: f.year }),
        ...(f.studio === undefined ? {} : { studio: f.studio }),
        duration: Math.round((70 + u * 60) * 60_000),
        truth: Object.fromEntries(sites.map((s) => [s.agent, truthFor(file, s as Scenario['sites'][number])])),
      };
    }),
  };
  return sc;
}

const NS = 'Northshore Pictures';
const RD = 'Red Door Studios';
const SM = 'Saltmarsh Films';
const IB = 'Ironbridge Media';
const CL = 'Copperline Video';
const VL = 'Velvet Lantern';
const OH = 'Oakhaven Productions';
const CB = 'Crescent Bay';

const DEFAULT: World = {
  name: 'default',
  description:
    'Sixty films over four PGMA-shaped agents: ReelVault answers 403 to non-browser requests and rate-limits (429) once requests flow; FilmIndex was redesigned (a result XPath finds nothing); ScreenShelf lists titles with curly apostrophes and roman numerals the shared title normaliser mishandles; StarCatalog sits behind a Cloudflare-style challenge no code passes; plus titles absent from every site and two misnamed files.',
  seed: 20240812,
  firstKey: 1001,
  sites: {
    ReelVault: {
      host: 'www.reelvault.test',
      label: 'ReelVault',
      behaviours: { browserOnly: true, rateLimit: { requests: 6, windowMs: 1000, retryAfterS: 1 } },
      films: [
        { title: 'Harbor Nights', studio: NS, year: 2017 },
        { title: 'Harbor Nights 2', studio: NS, year: 2019, library: false },
        { title: 'Open Water', studio: NS, year: 2018 },
        { title: 'The Lifeguard Shift', studio: NS, year: 2019 },
        { title: 'Salt and Sun', studio: RD, year: 2016 },
        { title: 'Dockside Stories', studio: RD, year: 2020 },
        { title: 'The Boathouse', studio: RD, year: 2015 },
        { title: 'The Boathouse Party', studio: RD, year: 2018, library: false },
        { title: 'Sunset Crew', studio: NS, year: 2021 },
        { title: 'Anchor Point', studio: RD, year: 2014 },
        { title: 'Riptide', studio: NS, year: 2022 },
        { title: 'Lighthouse Keepers', studio: RD, year: 2019 },
        { title: 'Deckhands', studio: NS, year: 2016 },
        { title: 'The Marina Job', studio: RD, year: 2021 },
        { title: 'High Tide Club', studio: NS, year: 2018 },
        { title: 'Sea Breeze Motel', studio: RD, year: 2017 },
        { title: 'Pier Pressure', studio: NS, year: 2020 },
        { title: 'Wavebreakers', studio: RD, year: 2023 },
        { title: 'Low Tide', studio: SM, year: 2020, library: false },
      ],
    },
    FilmIndex: {
      host: 'www.filmindex.test',
      label: 'FilmIndex',
      behaviours: { redesign: true },
      films: [
        { title: 'Ironworks', studio: IB, year: 2016 },
        { title: 'Steel Town', studio: IB, year: 2017 },
        { title: 'Foundry Heat', studio: IB, year: 2018 },
        { title: 'Rail Yard', studio: CL, year: 2015 },
        { title: 'Blue Collar', studio: CL, year: 2019 },
        { title: 'Blue Collar Boys', studio: CL, year: 2021, library: false },
        { title: 'Overtime', studio: IB, year: 2020 },
        { title: 'Overtime 2', studio: IB, year: 2022, library: false },
        { title: 'The Welder', studio: CL, year: 2014 },
        { title: 'Hard Hats', studio: IB, year: 2021 },
        { title: 'Factory Floor', studio: CL, year: 2018 },
        { title: 'Graveyard Shift', studio: IB, year: 2022 },
        { title: 'The Machinist', studio: CL, year: 2016 },
        { title: 'Loading Dock', studio: IB, year: 2019 },
        { title: 'Union Men', studio: CL, year: 2017 },
        { title: 'Break Room', studio: IB, year: 2023 },
        { title: 'Night Shift', studio: CL, year: 2018, library: false },
      ],
    },
    ScreenShelf: {
      host: 'www.screenshelf.test',
      label: 'ScreenShelf',
      behaviours: {},
      films: [
        { title: 'Cabin Fever Dreams', studio: VL, year: 2016 },
        { title: 'Mountain Men', studio: OH, year: 2017, alsoOn: ['StarCatalog'] },
        { title: 'Mountain Men 2', studio: OH, year: 2019, library: false },
        { title: 'Trailhead', studio: VL, year: 2018, alsoOn: ['StarCatalog'] },
        { title: 'Campfire Stories', studio: OH, year: 2015 },
        { title: 'The Ranger Station', studio: VL, year: 2020 },
        { title: 'Timberline', studio: OH, year: 2019 },
        { title: 'Snowed In', studio: VL, year: 2021 },
        { title: 'Lakeside', studio: OH, year: 2022, alsoOn: ['StarCatalog'] },
        { title: 'Rough & Ready', studio: VL, year: 2018, fileTitle: 'Rough and Ready' },
        { title: 'The \u201cPerfect\u201d Roommate', studio: OH, year: 2020, fileTitle: 'The Perfect Roommate' },
        { title: 'Tom\u2019s Summer Job', studio: VL, year: 2017, fileTitle: "Tom's Summer Job" },
        { title: 'Nobody\u2019s Fool', studio: OH, year: 2019, fileTitle: "Nobody's Fool" },
        { title: 'The Coach\u2019s Playbook', studio: VL, year: 2021, fileTitle: "The Coach's Playbook" },
        { title: 'Jake\u2019s Cabin', studio: OH, year: 2016, fileTitle: "Jake's Cabin" },
        { title: 'Heat Wave', studio: VL, year: 2015, library: false },
        { title: 'Heat Wave II', studio: VL, year: 2018, fileTitle: 'Heat Wave 2' },
        { title: 'Campus Nights', studio: OH, year: 2016, library: false },
        { title: 'Campus Nights III', studio: OH, year: 2020, fileTitle: 'Campus Nights 3' },
        { title: 'Desert Heat IV', studio: VL, year: 2022, fileTitle: 'Desert Heat 4' },
        { title: 'Locker Room II', studio: OH, year: 2019, fileTitle: 'Locker Room 2' },
      ],
    },
    StarCatalog: {
      host: 'www.starcatalog.test',
      label: 'StarCatalog',
      behaviours: { challenge: true },
      films: [
        { title: 'Bay Bridge', studio: CB, year: 2016 },
        { title: 'Fog City', studio: CB, year: 2017 },
        { title: 'Golden Hour', studio: CB, year: 2018 },
        { title: 'Cable Car', studio: CB, year: 2019 },
        { title: 'Hilltop View', studio: CB, year: 2020 },
        { title: 'Ocean Avenue', studio: CB, year: 2021 },
      ],
    },
  },
  extraFiles: [
    { stem: `(${NS}) - Harbor Lights Festival (2021)`, title: 'Harbor Lights Festival', studio: NS, year: 2021 },
    { stem: `(${VL}) - Winter Retreat (2022)`, title: 'Winter Retreat', studio: VL, year: 2022 },
    { stem: `(${IB}) - Smelter (2020)`, title: 'Smelter', studio: IB, year: 2020 },
    { stem: `(${CB}) - Alcatraz Tour (2019)`, title: 'Alcatraz Tour', studio: CB, year: 2019 },
    { stem: `${CL} - Night Shift (2018)`, title: 'Night Shift', year: 2018 },
    { stem: `(${SM}) \u2013 Low Tide (2020)`, title: 'Low Tide', year: 2020 },
  ],
};

const FLAKY: World = {
  name: 'flaky',
  description:
    'Twenty-four films where nothing is broken in the code but the network is unkind: FilmIndex answers a seeded 30 % of requests with 502/503 bursts, ScreenShelf answers a quarter of requests too slowly for the agents\' timeout, StarCatalog is down (connection refused), ReelVault is healthy. Transient failures recover on a later attempt.',
  seed: 7,
  firstKey: 2001,
  sites: {
    ReelVault: {
      host: 'www.reelvault.test',
      label: 'ReelVault',
      behaviours: {},
      films: [
        { title: 'Harbor Nights', studio: NS, year: 2017 },
        { title: 'Open Water', studio: NS, year: 2018 },
        { title: 'Anchor Point', studio: RD, year: 2014 },
        { title: 'Riptide', studio: NS, year: 2022 },
      ],
    },
    FilmIndex: {
      host: 'www.filmindex.test',
      label: 'FilmIndex',
      behaviours: { errors: { share: 0.3, statuses: [502, 503] } },
      films: [
        { title: 'Ironworks', studio: IB, year: 2016 },
        { title: 'Steel Town', studio: IB, year: 2017 },
        { title: 'Foundry Heat', studio: IB, year: 2018 },
        { title: 'Rail Yard', studio: CL, year: 2015 },
        { title: 'Blue Collar', studio: CL, year: 2019 },
        { title: 'Overtime', studio: IB, year: 2020 },
        { title: 'The Welder', studio: CL, year: 2014 },
        { title: 'Hard Hats', studio: IB, year: 2021 },
      ],
    },
    ScreenShelf: {
      host: 'www.screenshelf.test',
      label: 'ScreenShelf',
      behaviours: { slow: { share: 0.25, ms: 3000 } },
      films: [
        { title: 'Cabin Fever Dreams', studio: VL, year: 2016 },
        { title: 'Mountain Men', studio: OH, year: 2017 },
        { title: 'Trailhead', studio: VL, year: 2018 },
        { title: 'Campfire Stories', studio: OH, year: 2015 },
        { title: 'The Ranger Station', studio: VL, year: 2020 },
        { title: 'Timberline', studio: OH, year: 2019 },
        { title: 'Snowed In', studio: VL, year: 2021 },
        { title: 'Lakeside', studio: OH, year: 2022 },
      ],
    },
    StarCatalog: {
      host: 'www.starcatalog.test',
      label: 'StarCatalog',
      behaviours: { down: true },
      films: [
        { title: 'Bay Bridge', studio: CB, year: 2016 },
        { title: 'Fog City', studio: CB, year: 2017 },
        { title: 'Golden Hour', studio: CB, year: 2018 },
        { title: 'Cable Car', studio: CB, year: 2019 },
      ],
    },
  },
  extraFiles: [],
};

const CAST_BLOCKED: World = {
  name: 'cast-blocked',
  description:
    'Sixteen films whose searches all work, but the IAFD-like cast site answers 403 to requests that do not look like a browser: every update logs a failed cast lookup per cast member and the films get no cast photos. A header fix in each agent\'s Start() brings the photos back; turning the castlookup preference off only silences the errors.',
  seed: 403,
  firstKey: 3001,
  castBehaviours: { browserOnly: true },
  sites: {
    ReelVault: { ...FLAKY.sites.ReelVault!, behaviours: {} },
    FilmIndex: { ...FLAKY.sites.FilmIndex!, behaviours: {}, films: FLAKY.sites.FilmIndex!.films.slice(0, 4) },
    ScreenShelf: { ...FLAKY.sites.ScreenShelf!, behaviours: {}, films: FLAKY.sites.ScreenShelf!.films.slice(0, 4) },
    StarCatalog: { ...FLAKY.sites.StarCatalog!, behaviours: {} },
  },
  extraFiles: [],
};

for (const w of [DEFAULT, FLAKY, CAST_BLOCKED]) {
  const sc = build(w);
  const doc = new Document(sc);
  // One line per film and per item × agent truth: readable, and quick to parse.
  const flow = (node: unknown) => {
    if (isMap(node) || isSeq(node)) node.flow = true;
  };
  for (const site of (doc.get('sites') as YAMLSeq).items) for (const f of ((site as YAMLMap).get('films') as YAMLSeq).items) flow(f);
  for (const item of (doc.get('items') as YAMLSeq).items) for (const pair of ((item as YAMLMap).get('truth') as YAMLMap).items) flow(pair.value);
  const text = `# Generated by src/sandbox/scenarios/build.ts; edit the world there and re-run it.\n${doc.toString({ lineWidth: 0 })}`;
  parseScenario(text, `${w.name}.yaml`);
  writeFileSync(join(SCENARIOS_DIR, `${w.name}.yaml`), text);
  console.log(`${w.name}.yaml: ${sc.items.length} items`);
}
