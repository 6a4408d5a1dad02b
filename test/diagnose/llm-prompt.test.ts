/**
 * The adviser's pure parts, table-tested without a server: the prompt builder (redaction of tokens, keys
 * and home folders; evidence, code context, lessons, answer shape), the code context (anchors, bounds),
 * answer parsing (JSON, JSON in prose, declines, schema errors), the conversion of (file, old, new) edits
 * into line edits (exactly once, multi-line, CRLF, removed lines deleted, empty blocks refused by the 2.7
 * check, the shown lines, overlap), the consult policy and the settings resolution.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAdvicePrompt, redactHomes, type AdvicePromptInput } from '../../src/diagnose/llm/prompt.ts';
import { codeContext } from '../../src/diagnose/llm/context.ts';
import { firstJsonObject, parseAdvice } from '../../src/diagnose/llm/answer.ts';
import { convertEdits } from '../../src/diagnose/llm/edits.ts';
import { consultDecision, startAdviserRun } from '../../src/diagnose/llm/consult.ts';
import { DEFAULT_LLM_URL, resolveAdviserSettings, type Adviser } from '../../src/diagnose/llm/adviser.ts';
import { render } from '../../src/diagnose/recipes/source.ts';
import { RULES } from '../../src/diagnose/knowledge.ts';
import { AdviserAnswerError } from '../../src/diagnose/llm/errors.ts';
import { checkPython27, parserPy27Checker } from '../../src/diagnose/python/py27.ts';
import { UsageError } from '../../src/errors.ts';
import { inspectBundleSources } from '../../src/diagnose/inspect/index.ts';
import type { FixProposal } from '../../src/diagnose/schema.ts';
import { contextFor, groupOf, loadFixture } from '../fixtures/diagnose/harness.ts';
import { films, reportOf } from '../fixtures/diagnose/report.ts';

const INPUT: AdvicePromptInput = {
  group: { id: 'http-error-x-403', class: 'http_error', agent: 'X', host: 'www.x.example', status: 403, events: 9, itemsAffected: 3 },
  cause: { ruleId: 'forbidden-unprobed', summary: 'www.x.example refuses X', expected: 'no 403', fixable: true },
  remedies: ['request_headers'],
  evidence: [
    { class: 'http_error', agent: 'X', message: 'HTTP Error 403 for C:\\Users\\bob\\Videos\\(X) - Film (2020).mp4 plextoken   Tk8Secret9Value', url: 'https://www.x.example/s?q=a&X-Plex-Token=Tk8Secret9Value', ts: '2026-11-20 10:00:00,000', level: 'ERROR' },
    { class: 'http_error', agent: 'X', message: 'HTTP Error 403 for /Users/carol/Movies/a.mp4 with sk-abcdef0123456789', location: { file: 'X.bundle/Contents/Code/__init__.py', line: 12 } },
  ],
  context: { anchors: [{ file: 'X.bundle/Contents/Code/__init__.py', line: 12, text: 'HTTP.Request(url)', why: 'requests www.x.example' }], snippets: [{ file: 'X.bundle/Contents/Code/__init__.py', from: 10, to: 13, text: '10| def Start():\n11|     pass\n12| HTTP.Request(url)\n13| ' }], truncated: true },
  lessons: [{ id: 'L1', kind: 'DO', phase: 'diagnose', scope: { host: 'www.x.example' }, text: 'DO add back-off for www.x.example', action: { type: 'compose', recipe: 'request_headers', with: 'retry_backoff' }, evidence: [], weight: 2, created: 'x', updated: 'x' }],
  tried: ['request_headers not proposed: no request site'],
  secrets: ['Tk8Secret9Value', 'sk-abcdef0123456789'],
};

test('prompt: evidence, code, lessons, what was tried and the answer shape; no token, key or account name', () => {
  const msgs = buildAdvicePrompt(INPUT);
  assert.deepEqual(msgs.map((m) => m.role), ['system', 'user']);
  const all = msgs.map((m) => m.content).join('\n');
  for (const secret of ['Tk8Secret9Value', 'sk-abcdef0123456789', 'bob', 'carol']) assert.ok(!all.includes(secret), secret);
  const user = msgs[1]!.content;
  assert.match(user, /9 http_error events \(HTTP 403\) from www\.x\.example in agent X; 3 items affected/);
  assert.match(user, /%USERPROFILE%\\Videos\\\(X\) - Film \(2020\)\.mp4/);
  assert.match(user, /~\/Movies\/a\.mp4/);
  assert.match(user, /\[X\.bundle\/Contents\/Code\/__init__\.py:12\]/);
  assert.match(user, /```python\n10\| def Start\(\):/);
  assert.match(user, /- L1 \[DO, weight 2\]: DO add back-off for www\.x\.example/);
  assert.match(user, /- request_headers not proposed: no request site/);
  assert.match(user, /more code was found than fits/);
  assert.match(user, /"recipe": "request_headers"/);
  assert.match(msgs[0]!.content, /Python 2\.7 only: no f-strings/);
  assert.match(msgs[0]!.content, /ONE JSON object/);
});

test('redactHomes: Linux, macOS and Windows home folders, not other paths', () => {
  assert.equal(redactHomes('/home/alice/x and "/Users/bob/Movies/y"'), '~/x and "~/Movies/y"');
  assert.equal(redactHomes('C:\\Users\\dave\\Plex and c:\\\\users\\\\eve\\\\x'), '%USERPROFILE%\\Plex and %USERPROFILE%\\\\x');
  assert.equal(redactHomes('at C:\\Users\\Bob Smith\\Videos\\a.mp4'), 'at %USERPROFILE%\\Videos\\a.mp4');
  assert.equal(redactHomes('C:\\Users\\carol'), '%USERPROFILE%');
  assert.equal(redactHomes('/srv/media/home/films /var/lib/plexmediaserver'), '/srv/media/home/films /var/lib/plexmediaserver');
});

test('code context: the log\'s line and the request sites with their function, bounded; anchors only from inspection', async () => {
  const fx = await loadFixture();
  const report = reportOf([
    { class: 'http_error', agent: 'Kestrel', host: 'www.kestrel-films.example', status: 429, count: 4, message: 'HTTP Error 429', url: 'http://www.kestrel-films.example/search?q=a', location: { file: 'Kestrel.bundle/Contents/Code/__init__.py', line: 36 }, items: films('Kestrel', ['A']) },
  ]);
  const ctx = contextFor(fx, report, groupOf(report, 'Kestrel', 'http_error'));
  const c = codeContext(ctx);
  assert.deepEqual(c.anchors.map((a) => `${a.file.split('/').pop()}:${a.line}`), ['__init__.py:36', '__init__.py:21']);
  assert.match(c.anchors[0]!.why, /named by the log/);
  assert.match(c.anchors[1]!.why, /end of Start\(\)/);
  assert.deepEqual(c.snippets.map((s) => [s.from, s.to]), [[19, 21], [31, 48]], 'Start() whole; search() from its head to 12 lines past the anchor');
  assert.match(c.snippets[1]!.text, /^31\| {5}def search/);
  assert.match(c.snippets[1]!.text, /36\| +html = HTML\.ElementFromURL\(searchQuery, timeout=20/);
  const tight = codeContext(ctx, { maxAnchors: 1, radius: 2, maxChars: 10_000 });
  assert.deepEqual([tight.snippets[0]!.from, tight.snippets[0]!.to], [34, 38]);
  const none = codeContext(ctx, { maxAnchors: 5, radius: 2, maxChars: 10 });
  assert.equal(none.snippets.length, 0);
  assert.equal(none.truncated, true);
});

test('code context: an empty XPath result shows the XPaths of the function the log names', async () => {
  const fx = await loadFixture();
  const report = reportOf([
    { class: 'xpath_failure', agent: 'Kestrel', count: 5, message: 'UPDATE:: Error getting Site Title: list index out of range', location: { file: '__init__.py', line: 59 }, phase: 'update', items: films('Kestrel', ['A', 'B']) },
  ]);
  const c = codeContext(contextFor(fx, report, groupOf(report, 'Kestrel', 'xpath_failure')));
  assert.deepEqual(c.anchors.map((a) => a.line), [59, 63]);
  assert.match(c.anchors[1]!.why, /^XPath \/\/div\[@class="synopsis"\]\/text\(\)$/);
  assert.deepEqual(c.snippets.map((s) => [s.from, s.to]), [[55, 64]], 'update() only: 55–64');
});

test('answers: plain JSON, JSON inside prose or a fence, a decline; the rest is an answer error with the reason', () => {
  const good = { recipe: 'request_headers', title: 't', rationale: 'r', edits: [{ file: 'a.bundle/x.py', old: 'a', new: 'b' }] };
  assert.equal(parseAdvice(JSON.stringify(good)).kind, 'proposal');
  assert.deepEqual(parseAdvice('Here you go:\n```json\n' + JSON.stringify(good) + '\n```\nGood luck {not json}'), { kind: 'proposal', answer: good });
  assert.deepEqual(parseAdvice('{"noFix": "Cloudflare"}'), { kind: 'declined', reason: 'Cloudflare' });
  assert.deepEqual(firstJsonObject('use {x} or {"a": "}{"} then'), { a: '}{' });
  assert.equal(firstJsonObject('no object'), undefined);
  const cases: Array<[string, RegExp]> = [
    ['nothing useful', /holds no JSON object/],
    ['[1,2]', /holds no JSON object/],
    [JSON.stringify({ ...good, recipe: 'magic' }), /required shape: recipe/],
    [JSON.stringify({ ...good, edits: [{ file: 'a', old: '', new: 'b' }] }), /edits\.0\.old/],
    [JSON.stringify({ ...good, edits: [] }), /proposes no edit/],
    [JSON.stringify({ ...good, expectedChange: 3 }), /expectedChange/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseAdvice(text), (e: unknown) => e instanceof AdviserAnswerError && re.test(e.message), text);
});

async function oneFile(path: string, text: string) {
  const inspection = await inspectBundleSources([{ bundle: 'A.bundle', infoPlist: null, defaultPrefs: null, code: [{ path, text }] }]);
  return { inspection, text };
}

test('edits: old text exactly once becomes line edits that render the intended file (single, multi-line, CRLF, removed lines)', async () => {
  const src = 'def f(x):\n    a = 1\n    b = 2\n    return a + b\n';
  const { inspection } = await oneFile('Contents/Code/__init__.py', src);
  const sha = inspection.files[0]!.sha256;
  const run = (edits: Array<{ file: string; old: string; new: string }>, text = src) => {
    const r = convertEdits(inspection, edits, () => text);
    if (!r.ok) return r.reason;
    return render(text, r.edits.get(sha)!);
  };
  const F = 'A.bundle/Contents/Code/__init__.py';
  assert.equal(run([{ file: F, old: 'b = 2', new: 'b = 3' }]), src.replace('b = 2', 'b = 3'));
  assert.equal(run([{ file: F, old: '    b = 2\n', new: '    try:\n        b = 2\n    except Exception:\n        b = 0\n' }]), 'def f(x):\n    a = 1\n    try:\n        b = 2\n    except Exception:\n        b = 0\n    return a + b\n');
  assert.equal(run([{ file: F, old: 'a = 1\n    b = 2', new: 'a, b = 1, 2' }]), 'def f(x):\n    a, b = 1, 2\n    return a + b\n', 'the removed line is deleted (it was once kept as a comment)');
  const crlf = src.replace(/\n/g, '\r\n');
  assert.equal(run([{ file: F, old: '    a = 1\n    b = 2', new: '    a = 10\n    b = 20\n    c = 30' }], crlf), 'def f(x):\r\n    a = 10\r\n    b = 20\r\n    c = 30\r\n    return a + b\r\n');
  assert.equal(run([{ file: F, old: '3|     b = 2', new: '3|     b = 5' }]), src.replace('b = 2', 'b = 5'), 'the prompt\'s line numbers copied along are taken off');
  assert.match(run([{ file: F, old: 'b = 2\n  return a + b', new: 'x' }]) as string, /does not occur in the file .* it occurs with other indentation or spacing/);
  assert.doesNotMatch(run([{ file: F, old: 'c = 9', new: 'x' }]) as string, /indentation/);
  assert.equal(run([{ file: F, old: 'a', new: 'z' }]), 'its old text for A.bundle/Contents/Code/__init__.py occurs 2 times; an edit must name text that occurs once');
  assert.equal(run([{ file: F, old: 'b = 2', new: 'b = 2' }]), 'its edit of A.bundle/Contents/Code/__init__.py:3 changes nothing');
  assert.match(run([{ file: F, old: 'b = 2', new: 'b = 3' }, { file: F, old: '    b = 2\n    return', new: '    return' }]) as string, /two of its edits touch the same lines/);
  assert.match(run([{ file: 'A.bundle/Contents/Info.plist', old: 'x', new: 'y' }]) as string, /not a code file plexmend inspected/);
  assert.match(run([{ file: '_PGMA/Thumbor.txt', old: 'x', new: 'y' }]) as string, /not a code file plexmend inspected/);
  assert.match(run([{ file: 'C:\\Windows\\x.py', old: 'x', new: 'y' }]) as string, /outside the bundles and _PGMA/);
});

test('edits: removed lines are deleted — 3 lines by 1, delete-only, empty new text, CRLF kept; no blank line is left', async () => {
  const src = 'def f(x):\n    a = 1\n    b = 2\n    c = 3\n    return a + b + c\n';
  const { inspection } = await oneFile('Contents/Code/__init__.py', src);
  const sha = inspection.files[0]!.sha256;
  const F = 'A.bundle/Contents/Code/__init__.py';
  const convert = (edits: Array<{ file: string; old: string; new: string }>, text = src) => {
    const r = convertEdits(inspection, edits, () => text);
    return r.ok ? r.edits.get(sha)! : assert.fail(r.reason);
  };
  const three = convert([{ file: F, old: '    a = 1\n    b = 2\n    c = 3', new: '    a, b, c = 1, 2, 3' }]);
  assert.deepEqual(three.map((e) => `${e.kind} ${e.kind === 'insert' ? e.afterLine : e.line}`), ['transform 2', 'delete 3', 'delete 4']);
  assert.equal(render(src, three), 'def f(x):\n    a, b, c = 1, 2, 3\n    return a + b + c\n');
  const gone = 'def f(x):\n    a = 1\n    c = 3\n    return a + b + c\n';
  // however the model quotes the line, only line 3 goes, and with it its line ending
  for (const old of ['    b = 2\n', 'b = 2', '    b = 2', '\n    b = 2', '    a = 1\n    b = 2\n    c = 3']) {
    const fresh = old.startsWith('    a') ? '    a = 1\n    c = 3' : '';
    const edits = convert([{ file: F, old, new: fresh }]);
    assert.deepEqual(edits.map((e) => e.kind), ['delete'], JSON.stringify(old));
    assert.equal(render(src, edits), gone, JSON.stringify(old));
  }
  assert.equal(render(src, convert([{ file: F, old: ' + c', new: '' }])), src.replace(' + c', ''), 'empty new text inside a line removes only that text');
  const crlf = src.replace(/\n/g, '\r\n');
  assert.equal(render(crlf, convert([{ file: F, old: '    a = 1\r\n    b = 2\r\n    c = 3', new: '    a, b, c = 1, 2, 3' }], crlf)), 'def f(x):\r\n    a, b, c = 1, 2, 3\r\n    return a + b + c\r\n');
  assert.equal(render(crlf, convert([{ file: F, old: '    b = 2\r\n', new: '' }], crlf)), gone.replace(/\n/g, '\r\n'));
  // a line added in the middle of quoted context is an insertion, the context untouched
  const added = convert([{ file: F, old: '    a = 1\n    b = 2', new: '    a = 1\n    a = a or 0\n    b = 2' }]);
  assert.deepEqual(added.map((e) => e.kind === 'insert' && [e.afterLine, e.lines]), [[2, ['    a = a or 0']]]);
});

test('edits: deleting the only statement of a block converts as asked; the Python 2.7 check refuses it, saying a block is empty', async () => {
  const src = 'def f(x):\n    if x:\n        return 1\n    return 0\n';
  const { inspection } = await oneFile('Contents/Code/__init__.py', src);
  const r = convertEdits(inspection, [{ file: 'A.bundle/Contents/Code/__init__.py', old: '        return 1\n', new: '' }], () => src);
  if (!r.ok) assert.fail(r.reason);
  const after = render(src, r.edits.get(inspection.files[0]!.sha256)!);
  assert.equal(after, 'def f(x):\n    if x:\n    return 0\n');
  const report = await checkPython27([{ path: 'A.bundle/Contents/Code/__init__.py', text: after }], { checker: parserPy27Checker(), tried: [] });
  assert.equal(report.files[0]!.ok, false);
  assert.deepEqual(report.files[0]!.issues.map((i) => [i.line, i.message]), [[3, 'expected an indented block']]);
});

test('edits: the shown-lines check judges the lines an edit changes, not the context quoted around them', async () => {
  const src = 'def f(x):\n    a = 1\n    b = 2\n    c = 3\n    return a + b + c\n';
  const { inspection } = await oneFile('Contents/Code/__init__.py', src);
  const F = 'A.bundle/Contents/Code/__init__.py';
  const shown = new Map([[inspection.files[0]!.sha256, [[1, 3]] as Array<[number, number]>]]);
  const run = (old: string, fresh: string) => {
    const r = convertEdits(inspection, [{ file: F, old, new: fresh }], () => src, shown);
    return r.ok ? 'ok' : r.reason;
  };
  assert.equal(run('    b = 2\n', ''), 'ok', 'deleting line 3 (quoted with its line ending, which reaches into line 4)');
  assert.equal(run('    b = 2\n    c = 3', '    b = 2'), `its edit of ${F}:4 is outside the code the prompt showed (the lines the evidence names and their functions)`);
  assert.match(run('    b = 2\n    c = 3', '    b = 5'), /:3-4 is outside the code the prompt showed/, 'a 2 → 1 edit reaching past the shown lines');
  assert.equal(run('    c = 3', '    b = 2.5\n    c = 3'), 'ok', 'an insertion after a shown line');
});

test('consult policy: unfixed asks when no fix was offered or the fix is an unprobed guess; never for workaround-only causes', () => {
  const adviser: Adviser = { endpoint: 'e', model: 'm', policy: 'unfixed', maxGroups: 2, secrets: [], ask: async () => assert.fail('not asked') };
  const run = startAdviserRun(adviser);
  const rule = (id: string) => RULES.find((r) => r.id === id)!;
  const offered = { offered: true, kind: 'patch' } as FixProposal;
  const workaround = { offered: true, kind: 'workaround' } as FixProposal;
  assert.equal(consultDecision(run, rule('no-results'), [workaround], true).consult, true);
  assert.equal(consultDecision(run, rule('rate-limited'), [offered], true).consult, false);
  assert.equal(consultDecision(run, rule('forbidden-unprobed'), [offered], true).consult, true);
  assert.match(consultDecision(run, rule('anti-bot-challenge'), [], true).why, /no code remedy/);
  assert.match(consultDecision(run, rule('no-results'), [], false).why, /bundle is not in the Plug-ins folder/);
  assert.equal(consultDecision({ ...run, adviser: { ...adviser, policy: 'all' } }, rule('rate-limited'), [offered], true).consult, true);
  assert.match(consultDecision({ ...run, asked: 2 }, rule('no-results'), [], true).why, /at most 2 groups/);
  assert.match(consultDecision({ ...run, summary: { ...run.summary, error: { message: 'x' } } }, rule('no-results'), [], true).why, /unavailable/);
});

test('settings: off without --llm; default Ollama URL; model required; a named key variable must be set', () => {
  assert.equal(resolveAdviserSettings({}, { model: 'm' }), null);
  assert.equal(resolveAdviserSettings({ llm: false }), null);
  assert.deepEqual(resolveAdviserSettings({ llm: true, llmModel: 'llama3.1' }), { url: DEFAULT_LLM_URL, model: 'llama3.1', policy: 'unfixed', timeoutMs: 120_000, maxGroups: 10 });
  const s = resolveAdviserSettings({ llm: 'https://api.openai.com/v1', llmConsult: 'all', llmTimeout: 30 }, { model: 'gpt-4o-mini', keyEnv: 'OPENAI_API_KEY', key: 'sk-1' });
  assert.deepEqual(s, { url: 'https://api.openai.com/v1', model: 'gpt-4o-mini', apiKey: 'sk-1', keyEnv: 'OPENAI_API_KEY', policy: 'all', timeoutMs: 30_000, maxGroups: 10 });
  assert.equal(resolveAdviserSettings({ llm: true }, { url: 'http://10.0.0.5:8080/v1', model: 'x' })?.url, 'http://10.0.0.5:8080/v1');
  assert.throws(() => resolveAdviserSettings({ llm: true }), (e: unknown) => e instanceof UsageError && /needs a model name/.test(e.message));
  assert.throws(() => resolveAdviserSettings({ llm: 'ftp://x', llmModel: 'm' }), /not an http\(s\) URL/);
  assert.throws(() => resolveAdviserSettings({ llm: 'not a url', llmModel: 'm' }), /is not a URL/);
  assert.throws(() => resolveAdviserSettings({ llm: true, llmModel: 'm' }, { keyEnv: 'MY_KEY' }), /MY_KEY \(named for the LLM key\) is not set/);
});
