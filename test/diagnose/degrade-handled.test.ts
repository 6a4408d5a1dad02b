/**
 * Graceful degradation is not offered for a statement whose error is already caught where it happens
 * (seen in the sandbox e2e: a failing XPath inside PGMA's `try: … except Exception as e: log(…); continue`
 * got a second, nested try and a rationale saying the error "aborts the whole operation").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handlingTry } from '../../src/diagnose/recipes/degrade.ts';
import { parsePython, walk, lineOf, type SyntaxNode } from '../../src/diagnose/python/parser.ts';
import { RECIPE_IMPLS } from '../../src/diagnose/recipes/index.ts';
import { contextFor, groupOf, loadFixture } from '../fixtures/diagnose/harness.ts';
import { films, reportOf, type GroupSpec } from '../fixtures/diagnose/report.ts';

const LOOP = (clause: string) =>
  `def search(results, media, lang):\n    for row in rows:\n        try:\n            title = row.xpath('./a/text()')[0]\n        ${clause}\n            log('SEARCH:: Error getting title: %s', e)\n            continue\n`;

const CASES: Array<[string, string, number, string | undefined, number | null]> = [
  ['except Exception as e', LOOP('except Exception as e:'), 4, 'IndexError', 3],
  ['Python 2 form: except Exception, e', LOOP('except Exception, e:'), 4, 'IndexError', 3],
  ['bare except', LOOP('except:'), 4, undefined, 3],
  ['the traceback\'s own type, dotted', LOOP('except (ValueError, urllib2.HTTPError), e:'), 4, 'urllib2.HTTPError', 3],
  ['StandardError (2.x)', LOOP('except StandardError as e:'), 4, 'KeyError', 3],
  ['another type only: not handled', LOOP('except ValueError as e:'), 4, 'IndexError', null],
  ['unknown type, specific clause: not handled', LOOP('except ValueError as e:'), 4, undefined, null],
  ['no try at all', "def update(metadata):\n    x = page.xpath('//h1')[0]\n    metadata.title = x\n", 2, 'IndexError', null],
  ['inside the except clause itself: not handled by it', "def f():\n    try:\n        a()\n    except Exception as e:\n        b = e.args[0]\n", 5, 'IndexError', null],
  ['a try outside the function does not count', "try:\n    def f():\n        x = g()[0]\nexcept Exception:\n    pass\n", 3, 'IndexError', null],
];

async function statementAt(text: string, line: number): Promise<{ stmt: SyntaxNode; done: () => void }> {
  const { tree } = await parsePython(text);
  let stmt: SyntaxNode | null = null;
  walk(tree.rootNode, (n) => {
    if (n.type === 'expression_statement' && lineOf(n) === line && !stmt) stmt = n;
  });
  assert.ok(stmt, `no statement at line ${line}`);
  return { stmt, done: () => tree.delete() };
}

test('handlingTry: the try whose except already catches the error, or null', async () => {
  for (const [name, text, line, type, want] of CASES) {
    const { stmt, done } = await statementAt(text, line);
    try {
      assert.equal(handlingTry(stmt, type)?.line ?? null, want, name);
    } finally {
      done();
    }
  }
});

test('handlingTry names the clause it found (for the refusal text)', async () => {
  const { stmt, done } = await statementAt(LOOP('except Exception, e:'), 4);
  try {
    assert.deepEqual(handlingTry(stmt, 'IndexError'), { line: 3, clause: 'except Exception, e' });
  } finally {
    done();
  }
});

test('graceful_degradation is not offered for a statement its own try already handles (fixture: Kestrel search, line 46)', async () => {
  const fx = await loadFixture();
  const at = (line: number): GroupSpec => ({
    class: 'agent_exception',
    agent: 'Kestrel',
    count: 2,
    phase: 'search',
    exceptionType: 'IndexError',
    message: 'IndexError: list index out of range',
    location: { file: 'Kestrel.bundle/Contents/Code/__init__.py', line },
    items: films('Kestrel', ['Summer Camp Diaries', 'Night Shift']),
  });
  const run = async (line: number) => {
    const report = reportOf([at(line)]);
    return RECIPE_IMPLS.graceful_degradation.run(contextFor(fx, report, groupOf(report, 'Kestrel', 'agent_exception')));
  };
  const handled = await run(46);
  assert.equal(handled.ok, false);
  assert.match((handled as { reason: string }).reason, /__init__\.py:46: already inside the try at line 45 whose `except Exception as e` catches IndexError/);
  // The unguarded statement of update() (line 62) is still guarded, as before.
  assert.equal((await run(62)).ok, true);
});
