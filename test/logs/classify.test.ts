import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyseTraceback, classifyFramework, classifyPgmaText, httpStatus, RULES } from '../../src/logs/classify.ts';
import { EVENT_CLASSES } from '../../src/logs/schema.ts';

test('PGMA error texts → classes (table)', () => {
  const table: Array<[string, string | null, number?]> = [
    ['Error: Search Query did not pull any results: HTTP Error 403: Forbidden', 'http_error', 403],
    ['Error: Search Query did not pull any results: HTTP Error 500: Internal Server Error', 'http_error', 500],
    ['Error reading Site URL page: HTTP Error 404: Not Found', 'http_error', 404],
    ['Error:: Request URL Failure: Plex - HTTP Error 429: Too Many Requests CFScrape - HTTP Error 429', 'http_error', 429],
    ['Error: Search Query did not pull any results: < No Films! >', 'no_results'],
    ['Error: Search Query did not pull any results: < No Scene Titles >', 'no_results'],
    ["Error: Search Query did not pull any results: ('The read operation timed out',)", 'timeout'],
    ['Error: Search Query did not pull any results: <urlopen error [Errno 111] Connection refused>', 'connection_error'],
    ['Error getting Site Title: < Title Match Failure! >', 'title_match_failure'],
    ['Error getting Site Title: list index out of range', 'xpath_failure'],
    ["Error: Getting Synopsis: 'NoneType' object has no attribute 'xpath'", 'xpath_failure'],
    ['Warning: No Body Types: list index out of range', 'xpath_failure'],
    ['Error Matching Carnal +,: < Studio Match Failure! >', 'studio_match_failure'],
    ['Error No Matching Site Studio', 'studio_match_failure'],
    ['Error getting Site URL Release Date: < Release Date Match Failure! >', 'date_match_failure'],
    ['Error matching Site Film Duration: < Duration Match Failure! >', 'duration_match_failure'],
    ['Error: < File Name [(Le Salon) – More] not in the expected format: (Studio) - Title [(Year)]! >', 'filename_format_error'],
    ['Error:: IAFD Film Search Failure, HTTP Error 403: Forbidden', 'iafd_failure', 403],
    ['Error:: Getting Cast Member Page, John Doe: HTTP Error 403: Forbidden', 'iafd_failure', 403],
    ['IAFD Lookup Disabled to prevent 403 Errors.', 'iafd_failure'],
    ["Warning: Saving Poster to Disk: [Errno 2] No such file or directory: '/Volumes/x/._a.jpg'", 'storage_error'],
    ['Error:: Thumbor File missing or Empty', 'config_error'],
    ['Error: Thumbor Failed to Crop Image: HTTP Error 500', 'config_error'],
    ['Error: retrieving Plex Token', 'config_error'],
    ['Warning: No Chapters Found!', 'unknown_error'],
    ['Getting Library ID & Title from Error Message', null],
  ];
  for (const [text, cls, status] of table) {
    const c = classifyPgmaText(text, true);
    assert.equal(c?.class ?? null, cls, text);
    assert.equal(c?.status, status, text);
  }
  assert.equal(classifyPgmaText('Title Comparison Test  Passed', false), null, 'info text no rule knows is not an event');
});

test('framework messages → classes, never by level alone', () => {
  const table: Array<[string, string, string | null]> = [
    ['Exception getting hosted resource hashes (most recent call last):', 'CRITICAL', 'framework_noise'],
    ['Cannot read model from /x/Metadata/Movies/4/d.bundle/Contents/com.plexapp.agents.AEBN', 'ERROR', 'framework_noise'],
    ["Function named 'Start' couldn't be found in the current environment", 'CRITICAL', 'framework_noise'],
    ["Exception in the search function of agent named 'PhoenixAdult', called with keyword arguments {} (most recent call last):", 'CRITICAL', 'agent_exception'],
    ['Exception when constructing media object for dbid 42', 'CRITICAL', 'pms_communication_error'],
    ['Exception writing to /x/a.jpg (most recent call last):', 'CRITICAL', 'storage_error'],
    ["Error opening URL 'https://www.iafd.com/x'", 'ERROR', 'http_error'],
    ['Something odd happened', 'ERROR', 'unknown_error'],
    ['Something odd happened', 'INFO', null],
    ['************** Error in thread, stopping wait **************', 'DEBUG', null],
    ['Exception happened in MainMenu', 'CRITICAL', 'agent_exception'],
  ];
  for (const [msg, level, cls] of table) {
    assert.equal(classifyFramework(msg, level as never)?.class ?? null, cls, `${level} ${msg}`);
  }
  const ex = classifyFramework("Exception in the update function of agent named 'GEVI (IAFD)', called with guid 'x' (most recent call last):", 'CRITICAL');
  assert.equal(ex?.phase, 'update');
  assert.equal(ex?.agentName, 'GEVI (IAFD)');
  assert.ok(classifyFramework("Error opening URL 'x'", 'ERROR')?.urlError);
});

test('the rule table is data with unique ids and known classes', () => {
  const ids = RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const r of RULES) assert.ok(r.class === null || (EVENT_CLASSES as readonly string[]).includes(r.class), r.id);
});

test('traceback: exception type and innermost bundle frame (never Framework.bundle)', () => {
  const tb = analyseTraceback([
    '  File "/A/Framework.bundle/Contents/Resources/Versions/2/Python/Framework/api/agentkit.py", line 1011, in _search',
    '    agent.search(*f_args, **f_kwargs)',
    '  File "C:\\P\\Plug-ins\\GEVI.bundle\\Contents\\Code\\__init__.py", line 995, in search',
    '    x = utils.y()',
    '  File "C:\\P\\Plug-ins\\GEVI.bundle\\Contents\\Code\\utils.py", line 8, in y',
    '    raise',
    "AttributeError: 'NoneType' object has no attribute 'xpath'",
  ]);
  assert.equal(tb.exceptionType, 'AttributeError');
  assert.deepEqual(tb.location, { file: 'GEVI.bundle/Contents/Code/utils.py', line: 8, function: 'y' });
  assert.deepEqual(analyseTraceback(['  File "/F/Framework.bundle/Contents/Code/x.py", line 1, in f', '    x']), {});
  assert.equal(httpStatus('HTTP Error 503: Service Unavailable'), 503);
  assert.equal(httpStatus('no status here'), undefined);
});
