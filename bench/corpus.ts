/**
 * Message-level content for generated plug-in logs: one PGMA search or update operation as the framework
 * would log it, in the real formats of reference/pgma-agents-and-logs.md §3 (PGMA `utils.log()` lines,
 * the two-line error pair with its `File/Line/Function` line, `{label:<29} value` lines, the 4-line
 * footer centred with `*`, the framework's `networking`/`agentkit`/`storage`/`runtime` lines and Python 2.7
 * tracebacks), with errors of every class of the LogReport contract. Seeded: same seed, same logs.
 */

/** Seeded PRNG (mulberry32). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** The 21 PGMA site agents (reference §1): AGENT constant, site host, search URL shape. */
export const AGENTS: ReadonlyArray<{ agent: string; host: string; search: string }> = [
  { agent: 'AEBN', host: 'gay.aebn.com', search: 'https://gay.aebn.com/gay/search?queryType=Free+Form&sysQuery={q}&criteria=%7B%22sort%22%3A%22Relevance%22%7D' },
  { agent: 'AVEntertainments', host: 'www.aventertainments.com', search: 'https://www.aventertainments.com/search_Products.aspx?languageID=1&dept_id=43&keyword={q}' },
  { agent: 'AdultFilmDatabase', host: 'www.adultfilmdatabase.com', search: 'https://www.adultfilmdatabase.com/lookup.cfm?find={q}' },
  { agent: 'BestExclusivePorn', host: 'bestexclusiveporn.com', search: 'https://bestexclusiveporn.com/?s={q}' },
  { agent: 'CDUniverse', host: 'www.cduniverse.com', search: 'https://www.cduniverse.com/sresult.asp?HT_Search_Info={q}&HT_Search=TITLE&style=gay' },
  { agent: 'Fagalicious', host: 'fagalicious.com', search: 'https://fagalicious.com/search/{q}' },
  { agent: 'GEVI', host: 'www.gayeroticvideoindex.com', search: 'https://www.gayeroticvideoindex.com/shtt.php?draw=4&columns[0][data]=0&search[value]={q}' },
  { agent: 'GEVIScenes', host: 'www.gayeroticvideoindex.com', search: 'https://www.gayeroticvideoindex.com/episode/{q}' },
  { agent: 'GayEmpire', host: 'www.gaydvdempire.com', search: 'https://www.gaydvdempire.com/AllSearch/Search?view=list&q={q}&page=1' },
  { agent: 'GayFetishandBDSM', host: 'gayfetishandbdsm.com', search: 'https://gayfetishandbdsm.com/?s={q}' },
  { agent: 'GayHotMovies', host: 'www.gayhotmovies.com', search: 'https://www.gayhotmovies.com/adult-movies/search?q={q}' },
  { agent: 'GayMovie', host: 'gay-movie.org', search: 'https://gay-movie.org/?s={q}' },
  { agent: 'GayRado', host: 'www.gayrado.com', search: 'https://www.gayrado.com/shop/en/search?controller=search&orderby=position&s={q}' },
  { agent: 'GayWorld', host: 'gay-world.org', search: 'https://gay-world.org/?s={q}' },
  { agent: 'HFGPM', host: 'gay-hotfile.errio.net', search: 'https://gay-hotfile.errio.net/index.php?do=search&story={q}' },
  { agent: 'HomoActive', host: 'www.homoactive.com', search: 'https://www.homoactive.com/catalogsearch/result/?q={q}' },
  { agent: 'IAFD', host: 'www.iafd.com', search: 'https://www.iafd.com/ramesearch.asp?searchtype=comprehensive&searchstring={q}' },
  { agent: 'QueerClick', host: 'www.queerclick.com', search: 'https://www.queerclick.com/?s={q}' },
  { agent: 'SimplyAdult', host: 'www.simply-adult.com', search: 'https://www.simply-adult.com/search.php?search_query={q}' },
  { agent: 'WayBig', host: 'www.waybig.com', search: 'https://www.waybig.com/blog/index.php?s={q}' },
  { agent: 'WolffVideo', host: 'www.WolffVideo.com', search: 'https://www.WolffVideo.com/display-movies/search?searchkey={q}' },
];

export const STUDIOS = ['Raging Stallion', 'Falcon', 'Bel Ami', 'Lucas Entertainment', 'Men.com', 'Carnal Media', 'Hot House', 'Titan Men', 'Blue Pictures', 'Cockyboys', 'Treasure Island', 'Corbin Fisher'] as const;
const WORDS = ['Summer', 'Heat', 'Locker', 'Room', 'Back', 'Lot', 'Road', 'Trip', 'Desert', 'Nights', 'Mind', 'Games', 'Private', 'Lessons', 'Island', 'Fever', 'Big', 'City', 'Blue', 'Collar', 'Wild', 'West', 'Rough', 'Trade', 'Open', 'House', 'Hard', 'Bodies', 'Après', 'Ski', 'Señor', 'Café', "Captain's", 'Orders', '“Deep”', 'Cover', 'Brothers', '&', 'Friends'];
const ROMAN = ['II', 'III', 'IV', 'V', 'XII'];

/** A film as a user names the file (`(Studio) - Title (Year).mp4`, reference §2.1). */
export interface Film {
  studio: string;
  title: string;
  year: number;
  path: string;
  /** The file name breaks PGMA's filename REGEX (en dash instead of ` - `). */
  misnamed: boolean;
}

export type Platform = 'windows' | 'macos' | 'linux' | 'synology';

export function makeFilm(rng: Rng, platform: Platform): Film {
  const n = rng.int(1, 4);
  const words: string[] = [];
  for (let k = 0; k < n; k++) words.push(rng.pick(WORDS));
  if (words[0] === '&') words[0] = 'Tom';
  let title = words.join(' ');
  if (rng.chance(0.15)) title += ' ' + rng.pick(ROMAN);
  else if (rng.chance(0.15)) title += ' ' + rng.int(2, 9);
  const studio = rng.pick(STUDIOS);
  const year = rng.int(1985, 2025);
  const misnamed = rng.chance(0.03);
  const name = misnamed ? `(${studio}) – ${title} (${year}).mp4` : `(${studio}) - ${title} (${year}).mp4`;
  const path =
    platform === 'windows'
      ? `D:\\Media\\Films\\${name}`
      : platform === 'macos'
        ? `/Volumes/media/Films/${name}`
        : platform === 'synology'
          ? `/volume1/video/Films/${name}`
          : `/data/media/films/${name}`;
  return { studio, title, year, path, misnamed };
}

/** One framework record before its prefix is written. */
export interface Entry {
  level: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';
  module: string;
  msg: string;
  /** Continuation lines (a traceback), written without prefix. */
  cont?: string[];
}

/** Python's str.center(width, fill). */
export function center(s: string, width: number, fill: string): string {
  const marg = width - s.length;
  if (marg <= 0) return s;
  const left = Math.floor(marg / 2) + (marg & width & 1);
  return fill.repeat(left) + s + fill.repeat(marg - left);
}

const ASTLINE = '*'.repeat(140);
const SUBLINE = ' '.repeat(6) + '-'.repeat(100);
const pad = (label: string) => label.padEnd(29);

/** The platform's `(module:line)` for PGMA's own lines (reference §3.2). */
export function modules(platform: Platform): { info: string; debug: string; errA: string; errB: string; critical: string } {
  return platform === 'windows'
    ? { info: 'logkit:16', debug: 'logkit:13', errA: 'logkit:22', errB: 'logkit:22', critical: 'logkit:25' }
    : { info: 'sandbox:19', debug: 'sandbox:19', errA: 'utils:5485', errB: 'utils:5486', critical: 'agentkit:1018' };
}

/** Framework install path as it appears in tracebacks. */
export function frameworkRoot(platform: Platform): string {
  switch (platform) {
    case 'windows':
      return 'C:\\Program Files (x86)\\Plex\\Plex Media Server\\Resources\\Plug-ins-819d3678c\\Framework.bundle\\Contents\\Resources\\Versions\\2\\Python\\Framework';
    case 'macos':
      return '/Applications/Plex Media Server.app/Contents/Resources/Plug-ins-2b1ba6e69/Framework.bundle/Contents/Resources/Versions/2/Python/Framework';
    case 'synology':
      return '/volume1/@appstore/PlexMediaServer/Resources/Plug-ins-2b1ba6e69/Framework.bundle/Contents/Resources/Versions/2/Python/Framework';
    default:
      return '/usr/lib/plexmediaserver/Resources/Plug-ins-2b1ba6e69/Framework.bundle/Contents/Resources/Versions/2/Python/Framework';
  }
}

/** Where the agent bundles live, for tracebacks. */
export function pluginsRoot(platform: Platform): string {
  switch (platform) {
    case 'windows':
      return 'C:\\Users\\plex\\AppData\\Local\\Plex Media Server\\Plug-ins';
    case 'macos':
      return '/Users/plex/Library/Application Support/Plex Media Server/Plug-ins';
    case 'synology':
      return '/volume1/PlexMediaServer/AppData/Plex Media Server/Plug-ins';
    default:
      return '/var/lib/plexmediaserver/Library/Application Support/Plex Media Server/Plug-ins';
  }
}

export const PREFS: ReadonlyArray<[string, string]> = [
  ['matchiafdduration', 'true'], ['matchsiteduration', 'false'], ['durationdx', '0'], ['detect', 'true'], ['usebackgroundart', 'true'],
  ['prefixlegend', 'true'], ['plextoken', ''], ['prefixgenre', 'true'], ['postersourcedownload', 'Local - No'], ['systemcollection', 'true'],
  ['genrecollection', 'Indigo'], ['countrycollection', 'true'], ['countrypostertype', 'Map'], ['studiocollection', 'true'],
  ['seriescollection', 'true'], ['directorcollection', 'false'], ['castcollection', 'false'],
];

/** Agents that run an older PGMA build in the generated server (one-line errors). */
const OLD_BUILD_AGENTS = new Set(['AVEntertainments', 'WolffVideo']);

/** Writes PGMA lines for one agent (utils.log(): INFO `AGENT  - msg`, ERROR pairs `AGENT - TAG ❌ File: …`). */
export class Pgma {
  readonly out: Entry[] = [];
  /** Pre-July-2023 builds logged one ERROR line per error, without the File/Line/Function line (reference §3.3). */
  readonly oneLineErrors: boolean;
  constructor(readonly agent: string, readonly platform: Platform) {
    this.oneLineErrors = OLD_BUILD_AGENTS.has(agent);
  }
  private get m() {
    return modules(this.platform);
  }
  info(msg: string): void {
    this.out.push({ level: 'INFO', module: this.m.info, msg: `${this.agent}  - ${msg}` });
  }
  kv(tag: string, label: string, value: string): void {
    this.info(`${tag} ${pad(label)} ${value}`);
  }
  /** utils.log() of a text with "error"/"warning": the location line and the text line. */
  error(message: string, where: { file: string; line: number | ''; fn: string }): void {
    if (this.oneLineErrors) {
      this.out.push({ level: 'ERROR', module: this.m.errA, msg: `${this.agent} - ${message}` });
      return;
    }
    const tick = /error/i.test(message) ? '❌' : '⚠';
    const tag = message.slice(0, 8);
    this.out.push({ level: 'ERROR', module: this.m.errA, msg: `${this.agent} - ${tag} ${tick} File: ${where.file}, Line: ${where.line}, Function: ${where.fn}` });
    this.out.push({ level: 'ERROR', module: this.m.errB, msg: `${this.agent} - ${tag}   ${message.slice(8)}` });
  }
  fw(level: Entry['level'], module: string, msg: string, cont?: string[]): void {
    this.out.push(cont ? { level, module, msg, cont } : { level, module, msg });
  }
  astline(): void {
    this.info(ASTLINE);
  }
  subline(): void {
    this.info(SUBLINE);
  }
  footer(tag: 'SEARCH' | 'UPDATE', lines: string[]): void {
    for (const s of lines) this.info(`${tag}:: ` + center(` >> ${s} << `, 131, '*'));
  }
}
