/**
 * The Python 2.7 compile check (DESIGN.md §Phase 2, checklist point 5). Plex runs agent code on its
 * embedded CPython 2.7, so a patch must compile there. Two variants share {@link Py27Checker}:
 * - an interpreter: a real 2.7 compiler (`python2.7`, `python2`, `pypy`, `jython` on PATH, or one the
 *   user configured) compiles every file in ONE run — `compile(source, path, 'exec')` in memory, so
 *   nothing (no `.pyc`, no `$py.class`) is written next to the bundle;
 * - the parser: tree-sitter-python plus the rules in `py27-rules.ts` and CPython 2.7's indentation
 *   rules in `py27-indent.ts` (tree-sitter alone accepts a bad dedent or a missing block).
 * {@link selectPy27Checker} tries the interpreters in order and falls back to the parser; results
 * record which checker ran, and why the others were not used.
 */
import { createHash } from 'node:crypto';
import { parsePython } from './parser.ts';
import { checkPy27Syntax, type Py27Issue } from './py27-rules.ts';
import { checkPy27Indentation } from './py27-indent.ts';
import type { ProcessRunner } from './process.ts';

export type { Py27Issue, Py27Rule } from './py27-rules.ts';

/** A Python file to check: its path (for messages) and its full text. */
export interface PythonSource {
  readonly path: string;
  readonly text: string;
}

/** Which checker produced a result: `kind` interpreter or parser, its command and version. */
export interface Py27CheckerInfo {
  readonly kind: 'interpreter' | 'parser';
  /** The command (`jython`, `/usr/bin/python2.7`) or `tree-sitter-python`. */
  readonly name: string;
  /** e.g. `2.7.18`, `2.7.3-DEV` (Jython), or the grammar version. */
  readonly version: string;
}

/** One file's verdict. Interpreter errors carry rule `syntax-error` and the compiler's message. */
export interface Py27FileResult {
  readonly path: string;
  readonly ok: boolean;
  readonly issues: readonly Py27Issue[];
  /**
   * Set when another checker than the report's decided this file: Jython cannot compile a module or
   * function whose Java bytecode would exceed 64 KiB ("Module or method too large"), so such a file is
   * checked by the parser instead and `note` says why.
   */
  readonly checkedBy?: string;
  readonly note?: string;
}

/** Results of one check, naming the checker that ran (recorded in documents). */
export interface Py27Report {
  readonly checker: Py27CheckerInfo;
  /** Candidates tried before (and including) the one used, with the reason each was skipped. */
  readonly tried: readonly { readonly candidate: string; readonly used: boolean; readonly reason: string }[];
  readonly files: readonly Py27FileResult[];
}

/** A Python 2.7 checker variant. `check` never throws for bad Python; it throws only when it cannot run. */
export interface Py27Checker {
  readonly info: Py27CheckerInfo;
  check(files: readonly PythonSource[]): Promise<Py27FileResult[]>;
}

/** Interpreters tried, in order, after a configured one: CPython first (what Plex embeds). */
export const PY27_CANDIDATES = ['python2.7', 'python2', 'pypy', 'jython'] as const;

/** tree-sitter-python grammar version in package.json; named in reports as the parser's version. */
const PARSER_VERSION = 'tree-sitter-python 0.25';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** Runs `check` once per distinct content (21 identical `utils.py` copies compile once). */
export async function byDistinctContent(
  files: readonly PythonSource[],
  check: (unique: readonly (PythonSource & { id: string })[]) => Promise<Map<string, Omit<Py27FileResult, 'path'>>>,
): Promise<Py27FileResult[]> {
  const unique = new Map<string, PythonSource & { id: string }>();
  const ids = files.map((f) => {
    const id = sha(f.text);
    if (!unique.has(id)) unique.set(id, { ...f, id });
    return id;
  });
  const results = await check([...unique.values()]);
  return files.map((f, i) => {
    const r = results.get(ids[i]!);
    if (!r) throw new Error(`internal: no Python 2.7 result for ${f.path}`);
    return { ...r, path: f.path };
  });
}

/** The parser-level checker (always available). */
export function parserPy27Checker(): Py27Checker {
  return {
    info: { kind: 'parser', name: 'tree-sitter-python', version: PARSER_VERSION },
    check: (files) =>
      byDistinctContent(files, async (unique) => {
        const out = new Map<string, Omit<Py27FileResult, 'path'>>();
        for (const f of unique) {
          const { tree } = await parsePython(f.text);
          const issues = [...checkPy27Indentation(f.text), ...checkPy27Syntax(tree.rootNode)].sort((a, b) => a.line - b.line || a.column - b.column);
          tree.delete();
          out.set(f.id, { ok: issues.length === 0, issues });
        }
        return out;
      }),
  };
}

/**
 * The per-file check every interpreter runs (Python 2 syntax): compiles one `{id, path, text}` item
 * as UTF-8 bytes, as Plex's loader does (`compile(str(source), …)`), so `# encoding=utf8` cookies keep
 * working; `ok: None` when the compiler itself failed (Jython's "Module or method too large").
 */
const PY27_CHECK_FUNCTION = [
  'import sys, json',
  'def check(item):',
  "    source = item['text'].replace(u'\\r\\n', u'\\n').encode('utf-8')",
  "    name = item['path'].encode('utf-8')",
  '    try:',
  "        compile(source, name, 'exec')",
  "        return {'id': item['id'], 'ok': True}",
  '    except SyntaxError, e:',
  "        return {'id': item['id'], 'ok': False, 'line': e.lineno, 'column': e.offset, 'message': '%s' % (e.msg,)}",
  '    except:',
  '        e = sys.exc_info()[1]',
  "        return {'id': item['id'], 'ok': None, 'message': ('%s: %s' % (getattr(type(e), '__name__', 'error'), e)).split('\\n')[0][:300]}",
].join('\n');

/** One-shot program: reads `[{id, path, text}]` JSON on stdin, prints one JSON line per item. */
export const PY27_COMPILE_PROGRAM = [
  PY27_CHECK_FUNCTION,
  'for item in json.loads(sys.stdin.read()):',
  "    sys.stdout.write(json.dumps(check(item)) + '\\n')",
  'sys.stdout.flush()',
].join('\n');

/** Long-running program: one JSON batch per input line, its result lines, then `{"done": true}`. */
export const PY27_SERVER_PROGRAM = [
  PY27_CHECK_FUNCTION,
  'while True:',
  '    line = sys.stdin.readline()',
  '    if not line:',
  '        break',
  '    for item in json.loads(line):',
  "        sys.stdout.write(json.dumps(check(item)) + '\\n')",
  "    sys.stdout.write('{\"done\": true}\\n')",
  '    sys.stdout.flush()',
].join('\n');

/**
 * Turns an interpreter's result lines into per-content results; items the interpreter could not
 * decide are checked by the parser (and marked). Throws when results are missing.
 */
export async function interpretResultLines(
  lines: readonly string[],
  unique: readonly (PythonSource & { id: string })[],
  command: string,
  failure: string,
): Promise<Map<string, Omit<Py27FileResult, 'path'>>> {
  const out = new Map<string, Omit<Py27FileResult, 'path'>>();
  const undecided: (PythonSource & { id: string; note: string })[] = [];
  for (const line of lines) {
    if (!line.trim().startsWith('{')) continue;
    const v = JSON.parse(line) as { id?: string; done?: boolean; ok: boolean | null; line?: number | null; column?: number | null; message?: string };
    if (v.done || v.id === undefined) continue;
    if (v.ok === null) {
      const f = unique.find((u) => u.id === v.id);
      if (f) undecided.push({ ...f, note: `${command} could not check it (${v.message ?? 'internal error'})` });
      continue;
    }
    out.set(v.id, {
      ok: v.ok,
      issues: v.ok ? [] : [{ rule: 'syntax-error', line: v.line ?? 0, column: v.column ?? 0, message: v.message ?? 'does not compile' }],
    });
  }
  if (undecided.length) {
    const parser = parserPy27Checker();
    const results = await parser.check(undecided);
    undecided.forEach((f, i) => out.set(f.id, { ok: results[i]!.ok, issues: results[i]!.issues, checkedBy: parser.info.name, note: f.note }));
  }
  if (out.size !== unique.length) throw new Error(`${command} answered for ${out.size} of ${unique.length} files${failure ? ` (${failure})` : ''}`);
  return out;
}

const PROBE_PROGRAM = "import sys; sys.stdout.write('%d.%d|%s' % (sys.version_info[0], sys.version_info[1], sys.version.split()[0]))";

/** Result of asking a command whether it is a Python 2.7. */
export interface ProbeResult {
  readonly ok: boolean;
  readonly version?: string;
  readonly reason: string;
}

/**
 * Asks `command` for its version. A pyenv shim whose version is not selected, a Python 3 or a missing
 * command are all "not 2.7", each with its reason.
 */
export async function probePython27(runner: ProcessRunner, command: string, timeoutMs = 30_000): Promise<ProbeResult> {
  const r = await runner.run(command, ['-c', PROBE_PROGRAM], { timeoutMs });
  if (r.code === 127 && !r.stdout) return { ok: false, reason: 'not found' };
  if (r.timedOut) return { ok: false, reason: `no answer within ${timeoutMs / 1000} s` };
  const m = /^(\d+)\.(\d+)\|(\S+)/.exec(r.stdout.trim());
  if (r.code !== 0 || !m) {
    const why = (r.stderr.trim().split('\n')[0] ?? '').slice(0, 120);
    return { ok: false, reason: `does not run (exit ${r.code})${why ? `: ${why}` : ''}` };
  }
  if (m[1] !== '2' || m[2] !== '7') return { ok: false, version: m[3], reason: `is Python ${m[1]}.${m[2]}, not 2.7` };
  return { ok: true, version: m[3], reason: `Python ${m[3]}` };
}

/** A real 2.7 compiler; all files go to one process run (a JVM start for Jython is seconds). */
export function interpreterPy27Checker(runner: ProcessRunner, command: string, version: string, timeoutMs = 180_000): Py27Checker {
  return {
    info: { kind: 'interpreter', name: command, version },
    check: (files) =>
      byDistinctContent(files, async (unique) => {
        if (unique.length === 0) return new Map();
        const input = JSON.stringify(unique.map((f) => ({ id: f.id, path: f.path, text: f.text })));
        const r = await runner.run(command, ['-c', PY27_COMPILE_PROGRAM], { input, timeoutMs });
        if (r.timedOut) throw new Error(`${command} did not finish within ${timeoutMs / 1000} s`);
        const why = r.stderr.trim().split('\n').slice(-1)[0] ?? '';
        return interpretResultLines(r.stdout.split('\n'), unique, command, `exit ${r.code}${why ? `: ${why}` : ''}`);
      }),
  };
}

/** Options of the selector: a configured interpreter goes first; `candidates` replaces the default list. */
export interface Py27SelectOptions {
  readonly configured?: string;
  readonly candidates?: readonly string[];
  /** Skip interpreters entirely (`--py27-checker parser`). */
  readonly parserOnly?: boolean;
}

/**
 * Picks the first working Python 2.7 interpreter (configured one first, then {@link PY27_CANDIDATES}),
 * else the parser. Never throws: the parser is always there.
 */
export async function selectPy27Checker(
  runner: ProcessRunner,
  options: Py27SelectOptions = {},
): Promise<{ checker: Py27Checker; tried: Py27Report['tried'] }> {
  const tried: { candidate: string; used: boolean; reason: string }[] = [];
  if (!options.parserOnly) {
    const list = [...(options.configured ? [options.configured] : []), ...(options.candidates ?? PY27_CANDIDATES)];
    for (const candidate of [...new Set(list)]) {
      const probe = await probePython27(runner, candidate);
      tried.push({ candidate, used: probe.ok, reason: probe.reason });
      if (probe.ok) return { checker: interpreterPy27Checker(runner, candidate, probe.version ?? '2.7'), tried };
    }
  }
  tried.push({ candidate: 'tree-sitter-python', used: true, reason: 'parser-level check (rejects Python-3-only syntax)' });
  return { checker: parserPy27Checker(), tried };
}

/**
 * Checks files as Python 2.7 with the selected checker. If the interpreter fails to run (crash,
 * timeout, garbled output) the parser checks instead and `tried` says why.
 */
export async function checkPython27(
  files: readonly PythonSource[],
  selected: { checker: Py27Checker; tried: Py27Report['tried'] },
): Promise<Py27Report> {
  try {
    return { checker: selected.checker.info, tried: selected.tried, files: await selected.checker.check(files) };
  } catch (err) {
    if (selected.checker.info.kind === 'parser') throw err;
    const parser = parserPy27Checker();
    const tried = [
      ...selected.tried.map((t) => (t.used ? { ...t, used: false, reason: `failed: ${(err as Error).message}` } : t)),
      { candidate: 'tree-sitter-python', used: true, reason: 'fallback after the interpreter failed' },
    ];
    return { checker: parser.info, tried, files: await parser.check(files) };
  }
}
