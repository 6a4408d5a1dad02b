/**
 * Graceful degradation must keep the agent running, not move the crash: the plan for a failing
 * statement is read from how later code uses what it binds (table below), and the recipe over the
 * fixture bundles inserts it and still compiles as 2.7. (The inserted code is exercised under Jython and
 * python3 in recipes-py27.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callersIn, planDegradation, type DegradePlan } from '../../src/diagnose/recipes/degrade.ts';
import { parsePython, walk, lineOf, type SyntaxNode } from '../../src/diagnose/python/parser.ts';
import { RECIPE_IMPLS } from '../../src/diagnose/recipes/index.ts';
import type { RecipeChange, RecipeOutcome } from '../../src/diagnose/recipes/types.ts';
import { contextFor, groupOf, loadFixture, materialise } from '../fixtures/diagnose/harness.ts';
import { films, reportOf, type GroupSpec } from '../fixtures/diagnose/report.ts';

const IAFD = "def getFilmOnIAFD(title):\n    html = HTML.ElementFromString(get(title))\n    return html.xpath('//a')\n";
const AGENT = (body: string) => `class A(Agent.Movies):\n    def update(self, metadata, media, lang, force):\n${body}`;

/** [name, source, failing line, expected plan (how + the values or value)]. */
const CASES: Array<[string, string, number, Partial<DegradePlan> & { how: DegradePlan['how'] }]> = [
  ['a list read by len()', AGENT("        castList = utils.getFilmOnIAFD(metadata.title)\n        metadata.summary = 'x'\n        utils.log('%s', len(castList))\n"), 3, { how: 'substitute', values: [{ name: 'castList', value: '[]' }] }],
  ['a string read by .strip() and +', AGENT("        title = page.xpath('//h1/text()')[0]\n        metadata.title = title.strip() + ' (2020)'\n"), 3, { how: 'substitute', values: [{ name: 'title', value: "''" }] }],
  ['only truth tests and logging', AGENT("        studio = getStudio(page)\n        if studio:\n            metadata.studio = studio.strip()\n        Log.Info('studio %s' % studio)\n"), 3, { how: 'substitute', values: [{ name: 'studio', value: 'None' }] }],
  ['a tuple target, two kinds', AGENT("        cast, title = parse(page)\n        for c in cast:\n            pass\n        x = title.lower()\n"), 3, { how: 'substitute', values: [{ name: 'cast', value: '[]' }, { name: 'title', value: "''" }] }],
  ['guarded by "is not None and", compared by <> and not in', AGENT("        image = fetch(metadata.id)\n        if image is not None and image[0] == 'h':\n            metadata.posters[image] = Proxy.Media(image)\n        if image <> 'x' and 'jpg' not in image:\n            pass\n"), 3, { how: 'substitute', values: [{ name: 'image', value: '[]' }] }],
  ['a dict read by .get()', AGENT("        film = utils.matchFilename(media.name)\n        metadata.year = film.get('year')\n"), 3, { how: 'substitute', values: [{ name: 'film', value: '{}' }] }],
  ['an attribute target leaves nothing undefined', AGENT("        metadata.summary = page.xpath('//p')[0].text_content()\n        metadata.title = 'x'\n"), 3, { how: 'guard' }],
  ['a name nobody reads afterwards', AGENT("        unused = page.xpath('//p')[0]\n        metadata.title = 'x'\n"), 3, { how: 'guard' }],
  ['a name with an earlier value keeps it', AGENT("        summary = ''\n        summary = page.xpath('//p')[0].text_content()\n        metadata.summary = summary[0]\n"), 4, { how: 'guard' }],
  ['a parameter keeps its value', 'def f(title):\n    title = clean(title)\n    return title[0]\n', 2, { how: 'guard' }],
  ['read by indexing, inside a loop: next item', "def search(results, items):\n    for item in items:\n        url = BASE + item.xpath('./a/@href')[0]\n        results.Append(Result(id=url))\n    return results\n", 3, { how: 'continue', values: [] }],
  ['an element used in an agent callback: leave it', AGENT("        html = HTML.ElementFromURL(metadata.id)\n        metadata.title = html.xpath('//h1')[0].text\n"), 3, { how: 'return', value: null }],
  ['read after the loop too: leave the callback', "class A(Agent.Movies):\n    def search(self, results, media, lang, manual):\n        for item in items:\n            url = item.xpath('./a/@href')[0]\n        results.Append(Result(id=url))\n", 4, { how: 'return', value: null }],
  ['a helper that returns xpath results, read by len()', `${IAFD}def update(m):\n    cast = utils.getFilmOnIAFD(m.title)\n    Log('%d' % len(cast))\n`, 2, { how: 'return', value: '[]' }],
  ['the helper\'s own return statement', `${IAFD}def update(m):\n    for c in getFilmOnIAFD(m.title):\n        pass\n`, 3, { how: 'return', value: '[]' }],
  ['a helper whose caller indexes the result: not offered', `${IAFD}def update(m):\n    first = getFilmOnIAFD(m.title)[0]\n`, 2, { how: 'none' }],
  ['a helper without a caller in sight: not offered', IAFD, 2, { how: 'none' }],
  ['a helper returning a built string', "def cleanTitle(t):\n    m = re.search(P, t)\n    s = m.group(1)\n    return s.strip()\nx = cleanTitle(y).lower()\n", 2, { how: 'return', value: "''" }],
  ['returned to callers that only test it', "def getImage(url):\n    content = fetch(url, need='content')\n    return content\nimage = getImage(u)\nif image is not None:\n    save(image)\n", 2, { how: 'substitute', values: [{ name: 'content', value: 'None' }] }],
  ['returned to a caller that indexes it: not offered', "def getImage(url):\n    content = fetch(url, need='content')\n    return content\nfirst = getImage(u)[0]\n", 2, { how: 'none' }],
  ['a helper returning its parameter: not offered', "def clean(title):\n    parts = title.split(SEP)\n    x = parts[1]\n    return title\nclean(t)[0]\n", 2, { how: 'none' }],
  ['a helper returning no value', "def setCast(metadata, page):\n    names = page.xpath('//a/text()')\n    metadata.roles.clear()\n    metadata.collections.add(names[0])\n", 2, { how: 'return', value: null }],
  ['a return in an agent callback', AGENT("        return utils.finish(metadata)[0]\n"), 3, { how: 'return', value: null }],
  ['a helper returning a dict its caller indexes: not offered', "def matchFilename(name):\n    m = re.search(P, name)\n    return m.groupdict()\nfilm = matchFilename(n)\nq = film['title']\n", 2, { how: 'none' }],
  ['a helper returning an unknown value: not offered', "def first(page):\n    return page.xpath('//a')[0]\n", 2, { how: 'none' }],
  ['module level, read by indexing: not offered', "DATA = json.loads(read())\nBASE = DATA['base']\n", 1, { how: 'none' }],
  ['no continue through a finally clause', "def f(items):\n    for i in items:\n        try:\n            pass\n        finally:\n            x = g(i)\n            h(x[0])\n    return 1\n", 6, { how: 'none' }],
];

async function planFor(text: string, line: number): Promise<DegradePlan> {
  const { tree } = await parsePython(text);
  let stmt: SyntaxNode | null = null;
  walk(tree.rootNode, (n) => {
    if (['expression_statement', 'return_statement'].includes(n.type) && lineOf(n) === line && !stmt) stmt = n;
  });
  assert.ok(stmt, `no statement at line ${line}`);
  const plan = planDegradation(tree.rootNode, stmt, callersIn(new Map([['this.py', tree.rootNode]])));
  tree.delete();
  return plan;
}

test('the degradation plan follows the uses of what the failing statement binds', async () => {
  for (const [name, text, line, expected] of CASES) {
    const plan = await planFor(text, line);
    const got = Object.fromEntries(Object.keys(expected).map((k) => [k, (plan as Record<string, unknown>)[k]]));
    assert.deepEqual(got, expected, `${name}: ${JSON.stringify(plan)}`);
    if (plan.how === 'none') assert.match(plan.reason, /move the crash|not evident/, name);
  }
});

test('a plan that is refused names the use that would fail', async () => {
  const plan = await planFor("def matchFilename(name):\n    m = re.search(P, name)\n    return m.groupdict()\nfilm = matchFilename(n)\nq = film['title']\n", 2);
  assert.equal(plan.how, 'none');
  const reason = (plan as { reason: string }).reason;
  assert.match(reason, /^m \(set at line 2\) is read as m\.groupdict\(\) \(line 3\)/);
  assert.match(reason, /its caller reads the result as film\['title'\] \(line 5\) in this\.py/);
  assert.match(reason, /move the crash to line 3$/);
});
