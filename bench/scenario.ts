/**
 * Operations as PGMA logs them (reference §2.1 search flow, §3.4 formats, §3.5 framework lines, §5
 * failure classes): a plug-in start, a search (header, preference dump, query, results, comparison tests,
 * errors, footer) and an update (site page, IAFD, fields, posters, footer). Each returns framework
 * records (`Entry`) for one thread; generate.ts adds timestamps, thread ids and rotation.
 */
import { Pgma, PREFS, Rng, frameworkRoot, modules, pluginsRoot, type Entry, type Film, type Platform } from './corpus.ts';

export type SearchFate =
  | 'match'
  | 'http403'
  | 'http429'
  | 'http5xx'
  | 'timeout'
  | 'connection'
  | 'no_results'
  | 'title'
  | 'studio'
  | 'date'
  | 'duration'
  | 'filename'
  | 'xpath'
  | 'exception'
  | 'unknown';

/** How often each search outcome happens (roughly the frequencies of reference §5). */
export const SEARCH_FATES: ReadonlyArray<[SearchFate, number]> = [
  ['match', 40], ['no_results', 14], ['title', 12], ['studio', 6], ['http403', 6], ['date', 3], ['duration', 2], ['xpath', 4],
  ['timeout', 3], ['http5xx', 2], ['http429', 1], ['connection', 2], ['filename', 2], ['exception', 1], ['unknown', 2],
];

export function pickFate(rng: Rng): SearchFate {
  const total = SEARCH_FATES.reduce((s, [, w]) => s + w, 0);
  let r = rng.next() * total;
  for (const [f, w] of SEARCH_FATES) if ((r -= w) < 0) return f;
  return 'match';
}

const pyZip = (p: Platform) =>
  p === 'windows' ? 'C:\\Program Files (x86)\\Plex\\Plex Media Server\\Resources\\Python\\python27.zip' : p === 'macos' ? '/Applications/Plex Media Server.app/Contents/Resources/Python/python27.zip' : '/usr/lib/plexmediaserver/Resources/Python/python27.zip';
const sep = (p: Platform) => (p === 'windows' ? '\\' : '/');

/** Framework start-up after a plug-in (re)start: banner, components, the resource-hashes noise (reference §3.5). */
export function pluginStart(bundleId: string, platform: Platform, rng: Rng): Entry[] {
  const fw = frameworkRoot(platform);
  const s = sep(platform);
  const e: Entry[] = [
    { level: 'INFO', module: 'core:349', msg: 'Starting framework core - Version: 2.6.3, Build: 4608319 (Thu Jul 03 02:40:00 UTC 2025)' },
    { level: 'DEBUG', module: 'core:361', msg: 'Using the elevated policy' },
  ];
  for (const c of ['runtime', 'caching', 'data', 'networking']) e.push({ level: 'DEBUG', module: 'core:450', msg: `Starting ${c} component.` });
  e.push({ level: 'DEBUG', module: 'networking:262', msg: 'Loaded HTTP cookies' });
  e.push({ level: 'DEBUG', module: 'networking:434', msg: 'Setting the default network timeout to 20.0' });
  for (const c of ['localization', 'messaging', 'debugging', 'services']) e.push({ level: 'DEBUG', module: 'core:450', msg: `Starting ${c} component.` });
  e.push({ level: 'INFO', module: 'localization:409', msg: 'Setting the default locale to en-us' });
  const url = 'http://127.0.0.1:32400/:/plugins/com.plexapp.system/resourceHashes';
  e.push({ level: 'DEBUG', module: 'networking:143', msg: `Requesting '${url}'` });
  e.push({ level: 'ERROR', module: 'networking:196', msg: `Error opening URL '${url}'` });
  e.push({
    level: 'CRITICAL',
    module: platform === 'windows' ? 'core:574' : 'runtime:1299',
    msg: 'Exception getting hosted resource hashes (most recent call last):',
    cont: [
      `  File "${fw}${s}components${s}runtime.py", line 1293, in get_resource_hashes`,
      `    json = self._core.networking.http_request("${url}", timeout=10).content`,
      `  File "${fw}${s}components${s}networking.py", line 243, in content`,
      '    return self.__str__()',
      `  File "${fw}${s}components${s}networking.py", line 159, in load`,
      '    f = self._opener.open(req, timeout=self._timeout)',
      `  File "${pyZip(platform)}${s}urllib2.py", line 556, in http_error_default`,
      '    raise HTTPError(req.get_full_url(), code, msg, hdrs, fp)',
      'HTTPError: HTTP Error 404: Not Found',
    ],
  });
  e.push({ level: 'DEBUG', module: 'runtime:1117', msg: "Created a thread named 'load_all_services'" });
  e.push({ level: 'DEBUG', module: 'socketinterface:160', msg: 'Starting socket server' });
  if (rng.chance(0.05)) e.push({ level: 'CRITICAL', module: 'sandbox:298', msg: "Function named 'Start' couldn't be found in the current environment" });
  e.push({ level: 'INFO', module: 'core:611', msg: 'Started plug-in' });
  e.push({ level: 'DEBUG', module: 'runtime:814', msg: `Found route matching /:/plugins/${bundleId}/messaging/function/X0FnZW50U2VydmljZTpVcGRhdGVJbmZv` });
  return e;
}

function header(p: Pgma, tag: 'SEARCH' | 'UPDATE', film: Film, version: string): void {
  p.astline();
  p.kv(`${tag}::`, 'Agent', p.agent);
  p.kv(`${tag}::`, 'Version', `v.${version}`);
  p.kv(`${tag}::`, 'Python', '2.7.17 (64bit)');
  p.kv(`${tag}::`, 'Media Title', film.title);
  p.kv(`${tag}::`, 'File Name', film.path.split(/[\\/]/).pop()!);
  p.kv(`${tag}::`, 'File Path', film.path);
  p.astline();
}

function prefsDump(p: Pgma): void {
  p.info('UTILS :: Agent Preferences:');
  PREFS.forEach(([k, v], i) => {
    const val = k === 'plextoken' ? 'xYz9PlexTok3nFak3Abc' : v;
    p.info(`UTILS :: \t\t${String(i + 1).padStart(2)}. ${k.padEnd(24)}Default = ${v.padEnd(15)}Set As = ${val.padEnd(15)} ✅`);
  });
  p.subline();
}

const enc = (s: string) => encodeURIComponent(s.toLowerCase()).replace(/%20/g, '+');

/** One search of one film by one agent. */
export function searchOperation(a: { agent: string; host: string; search: string }, film: Film, fate: SearchFate, platform: Platform, rng: Rng, bundleId: string): Entry[] {
  const p = new Pgma(a.agent, platform);
  const m = modules(platform);
  const loc = (line: number) => ({ file: '__init__.py', line, fn: '_process_function_call -> _search -> search' });
  p.fw('DEBUG', 'runtime:814', `Found route matching /:/plugins/${bundleId}/messaging/function/X0FnZW50S2l0OlNlYXJjaA/Y2VyZWFsMQoxCmxpc3QKMApyMAo_`);
  header(p, 'SEARCH', film, '2019.12.25.50');
  prefsDump(p);
  if (fate === 'filename') {
    const name = film.path.split(/[\\/]/).pop()!;
    // PGMA logs the error and returns from search(): no footer follows (reference §3.3).
    p.error(`SEARCH:: Error: < File Name [${name}] not in the expected format: (Studio) - Title [(Year)] [- cd|disc|disk|dvd|part|pt|scene 1..8]! >`, loc(6193));
    return p.out;
  }
  if (fate === 'exception') {
    const root = pluginsRoot(platform);
    const s = sep(platform);
    p.fw('CRITICAL', m.critical === 'logkit:25' ? 'agentkit:1018' : m.critical,
      `Exception in the search function of agent named '${a.agent} (IAFD)', called with keyword arguments {'openSubtitlesHash': '${rng.int(1e9, 9e9).toString(16)}', 'year': ${film.year}, 'id': '${rng.int(1, 40000)}', 'name': '${film.title}'} (most recent call last):`,
      [
        `  File "${frameworkRoot(platform)}${s}api${s}agentkit.py", line 1011, in _search`,
        '    agent.search(*f_args, **f_kwargs)',
        `  File "${root}${s}${a.agent}.bundle${s}Contents${s}Code${s}__init__.py", line ${rng.int(150, 300)}, in search`,
        '    FILMDICT = utils.matchFilename(AGENTDICT, media)',
        `  File "${root}${s}${a.agent}.bundle${s}Contents${s}Code${s}utils.py", line ${rng.int(6000, 6300)}, in matchFilename`,
        '    filmDict[\'Duration\'] = imageLocation',
        "NameError: global name 'imageLocation' is not defined",
      ]);
    return p.out;
  }
  p.kv('AGENT ::', 'Original Search Query', film.title);
  p.kv('AGENT ::', 'Returned Search Query', enc(film.title));
  const url = a.search.replace('{q}', enc(film.title));
  p.kv('SEARCH::', 'Search Query', url);
  p.kv('UTILS ::', 'Request URL', url);
  p.fw('DEBUG', 'networking:144', `Requesting '${url}'`);
  const httpFail = (text: string) => {
    p.fw('ERROR', 'networking:197', `Error opening URL '${url}'`);
    p.kv('UTILS ::', 'Request Failed', 'Try CFScrape');
    p.error(`SEARCH:: Error: Search Query did not pull any results: ${text}`, loc(283));
  };
  switch (fate) {
    case 'http403':
      httpFail('HTTP Error 403: Forbidden');
      break;
    case 'http429':
      httpFail('HTTP Error 429: Too Many Requests');
      break;
    case 'http5xx':
      httpFail(rng.chance(0.5) ? 'HTTP Error 500: Internal Server Error' : 'HTTP Error 503: Service Unavailable');
      break;
    case 'timeout':
      httpFail("('The read operation timed out',)");
      break;
    case 'connection':
      httpFail('<urlopen error [Errno 111] Connection refused>');
      break;
    case 'no_results':
      p.error(`SEARCH:: Error: Search Query did not pull any results: ${rng.pick(['< No Films! >', '< No Film Titles >', '< No Scene Titles >'])}`, loc(152));
      break;
    default:
      results(p, a, film, fate, rng, loc);
  }
  const matched = fate === 'match';
  const filmUrl = `https://${a.host}/film/${rng.int(1000, 400000)}/${enc(film.title).replace(/\+/g, '-')}`;
  p.footer('SEARCH', [`${a.agent}: Finished Search Routine`, `(${film.studio}) - ${film.title} (${film.year})`, matched ? filmUrl : '', matched ? 'Successful!!' : 'Failed']);
  return p.out;
}

function results(p: Pgma, a: { agent: string; host: string }, film: Film, fate: SearchFate, rng: Rng, loc: (n: number) => { file: string; line: number; fn: string }): void {
  const n = rng.chance(0.6) ? 1 : rng.int(2, 4);
  p.kv('SEARCH::', 'Titles Found', `${n} Processing Results Page:  1`);
  for (let i = 1; i <= n; i++) {
    const last = i === n;
    p.kv('SEARCH::', 'Processing', `Page 1: ${i} of ${n} for ${film.studio} - ${film.title} (${film.year})`);
    p.kv('UTILS ::', `${a.agent} Title`, last ? film.title : `${film.title} ${rng.int(2, 9)}`);
    p.kv('UTILS ::', 'File Title', film.title);
    if (!last || fate === 'title') {
      p.kv('UTILS ::', 'Title Comparison Test', 'Failed');
      p.error('SEARCH:: Error getting Site Title: < Title Match Failure! >', loc(168));
      p.subline();
      continue;
    }
    if (fate === 'xpath') {
      p.error('SEARCH:: Error getting Site Title: list index out of range', loc(168));
      return;
    }
    if (fate === 'unknown') {
      p.error(`SEARCH:: Error: Unexpected Result Layout [row ${rng.int(1, 40)}] ${rng.pick(['Rating Widget', 'Sort Header', 'Promo Block'])}`, loc(171));
      return;
    }
    p.kv('UTILS ::', 'Title Comparison Test', 'Passed');
    const siteUrl = `https://${a.host}/film/${rng.int(1000, 400000)}`;
    p.kv('SEARCH::', 'Site Title URL', siteUrl);
    p.kv('SEARCH::', 'Reading Site URL page', siteUrl);
    p.fw('DEBUG', 'networking:144', `Requesting '${siteUrl}'`);
    p.kv('UTILS ::', `${a.agent} Studio`, fate === 'studio' ? 'Other Studio' : film.studio);
    p.kv('UTILS ::', 'File Studio', film.studio);
    if (fate === 'studio') {
      p.kv('UTILS ::', 'Studio Comparison Test', 'Failed Match');
      p.error('SEARCH:: Error getting Site Studio: < Studio Match Failure! >', loc(194));
      return;
    }
    p.kv('UTILS ::', 'Studio Comparison Test', rng.pick(['Full Match', 'Full Match (IAFD)', 'Partial Match']));
    p.kv('UTILS ::', `${a.agent} Release Date`, `${fate === 'date' ? film.year + 3 : film.year}-0${rng.int(1, 9)}-1${rng.int(0, 9)}`);
    p.kv('UTILS ::', 'File Release Date', `${film.year}-12-31`);
    if (fate === 'date') {
      p.kv('UTILS ::', 'Release Date Comparison Test', 'Failed');
      p.error('SEARCH:: Error getting Site URL Release Date: < Release Date Match Failure! >', loc(229));
      return;
    }
    p.kv('UTILS ::', 'Release Date Comparison Test', 'Passed');
    p.kv('UTILS ::', `${a.agent} Duration`, `${rng.int(60, 180)} Minutes`);
    if (fate === 'duration') {
      p.kv('UTILS ::', 'Duration Comparison Test', 'Failed');
      p.error('SEARCH:: Error matching Site Film Duration: < Duration Match Failure! >', loc(254));
      return;
    }
    p.kv('UTILS ::', 'Duration Comparison Test', 'Passed');
  }
}

/** One update of a matched film: site page, IAFD, fields, poster (reference §2.1 step 3, utils.py 6610–7404). */
export function updateOperation(a: { agent: string; host: string }, film: Film, platform: Platform, rng: Rng, bundleId: string): Entry[] {
  const p = new Pgma(a.agent, platform);
  const where = (fn: string, line: number | '' = rng.int(3000, 7400)) => ({ file: line === '' ? '' : 'utils.py', line, fn });
  p.fw('DEBUG', 'runtime:814', `Found route matching /:/plugins/${bundleId}/messaging/function/X0FnZW50S2l0OlVwZGF0ZU1ldGFkYXRh/Y2VyZWFsMQoxCmxpc3QKMApyMAo_`);
  const dbid = rng.int(100, 90000);
  p.fw('DEBUG', 'model:32', `Loading model with GUID com.plexapp.agents.GayAdultFilms://${dbid}?lang=en`);
  if (rng.chance(0.2)) p.fw('ERROR', 'model:205', `Cannot read model from ${pluginsRoot(platform).replace('Plug-ins', 'Metadata')}/Movies/4/${dbid.toString(16)}d05955190e0881febbf1d878a2eb925d0d582b.bundle/Contents/${bundleId}`);
  header(p, 'UPDATE', film, '2019.12.25.50');
  const siteUrl = `https://${a.host}/film/${rng.int(1000, 400000)}`;
  p.info('UTILS :: Access Site URL Link');
  p.kv('UTILS ::', 'Request URL', siteUrl);
  p.fw('DEBUG', 'networking:144', `Requesting '${siteUrl}'`);
  let ok = true;
  if (rng.chance(0.03)) {
    p.fw('ERROR', 'networking:197', `Error opening URL '${siteUrl}'`);
    p.error('UTILS :: Error: Accessing Site URL page: HTTP Error 403: Forbidden', where('_update -> update -> updateMetadata'));
    ok = false;
  }
  if (ok) {
    p.info('UTILS :: Check for Film on IAFD');
    const iafd = `https://www.iafd.com/ramesearch.asp?searchtype=comprehensive&searchstring=${enc(film.title)}`;
    p.kv('UTILS ::', 'Request URL', iafd);
    p.fw('DEBUG', 'networking:144', `Requesting '${iafd}'`);
    if (rng.chance(0.15)) {
      p.fw('ERROR', 'networking:197', `Error opening URL '${iafd}'`);
      p.error('UTILS :: Error:: IAFD Film Search Failure, HTTP Error 403: Forbidden', where('update -> updateMetadata -> getFilmOnIAFD', 655));
    }
    p.info('UTILS :: Get Agent Metadata Fields');
    for (const field of ['Synopsis', 'Cast', 'Director(s)', 'Genres/Countries', 'Collections']) {
      if (rng.chance(0.03)) p.error(`UTILS :: Error: Getting ${field}: list index out of range`, where(`getSiteInfo -> _apply -> getSiteInfo${a.agent}`));
      else p.kv('UTILS ::', field, `${rng.int(1, 9)} - ['${film.studio}', '${film.title}']`);
    }
    if (rng.chance(0.02)) p.error('UTILS :: Warning: No Chapters Found!', where(`getSiteInfo -> _apply -> getSiteInfo${a.agent}`, ''));
    p.info('UTILS :: 1.  Set Metadata from File Name...');
    p.kv('UTILS ::', 'Poster', '1 -');
    if (rng.chance(0.04)) storageFailure(p, film, platform, where);
    if (rng.chance(0.02)) p.error('UTILS :: Error: Thumbor Failed to Crop Image: HTTP Error 502: Bad Gateway', where('getPosters -> cropImage -> getSiteInfo'));
    if (rng.chance(0.01)) p.fw('CRITICAL', 'agentkit:1078', `Exception when constructing media object for dbid ${dbid} (most recent call last):`, [
      `  File "${frameworkRoot(platform)}${sep(platform)}api${sep(platform)}agentkit.py", line 1076, in _update`,
      '    tree = Media.TreeForDatabaseID(dbid, level_names=self._level_names(), parent_id=parent_id)',
      'HTTPError: HTTP Error 500: Internal Server Error',
    ]);
  }
  p.footer('UPDATE', [`${a.agent}: Finished Update Routine`, `(${film.studio}) - ${film.title} (${film.year})`, siteUrl, ok ? 'Successful!!' : 'Failed']);
  return p.out;
}

function storageFailure(p: Pgma, film: Film, platform: Platform, where: (fn: string) => { file: string; line: number | ''; fn: string }): void {
  const dir = film.path.slice(0, film.path.length - (film.path.split(/[\\/]/).pop()!.length));
  const jpg = film.path.replace(/\.mp4$/, '.jpg');
  const apple = dir + '._' + jpg.slice(dir.length);
  const fw = frameworkRoot(platform);
  const s = sep(platform);
  p.fw('CRITICAL', 'storage:89', `Exception writing to ${jpg} (most recent call last):`, [
    `  File "${fw}${s}components${s}storage.py", line 86, in save`,
    '    shutil.move(tempfile, filename)',
    `  File "${pyZip(platform)}${s}shutil.py", line 96, in copyfile`,
    "    with open(src, 'rb') as fsrc:",
    `IOError: [Errno 2] No such file or directory: '${apple}'`,
  ]);
  p.error(`UTILS :: Warning: Saving Poster to Disk: [Errno 2] No such file or directory: '${apple}'`, where('_update -> update -> updateMetadata'));
}
