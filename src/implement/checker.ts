/**
 * The real CodeChecker: diagnose/python's Python 2.7 check (an interpreter where one is found — python2.7,
 * python2, pypy, jython — else the tree-sitter parser-level check) plus its RestrictedPython naming rules,
 * counting only violations the change introduces (code that was already there already loads, or never did).
 */
import { checkPython27, selectPy27Checker } from '../diagnose/python/py27.ts';
import { checkNaming, checkNamingChange } from '../diagnose/python/naming.ts';
import { nodeProcessRunner } from '../diagnose/python/process.ts';
import type { ImplementFs } from './files.ts';
import type { CodeChecker } from './validate.ts';

/**
 * Builds the checker; `parserOnly` skips probing for interpreters (fast, and what tests use); `selected` is a
 * checker already chosen (e.g. a kept-running Jython session shared with diagnose, so the JVM starts once).
 */
export function py27CodeChecker(fs: ImplementFs, opts: { parserOnly?: boolean; configured?: string; selected?: Awaited<ReturnType<typeof selectPy27Checker>> } = {}): CodeChecker {
  let selected: Awaited<ReturnType<typeof selectPy27Checker>> | undefined = opts.selected;
  return {
    async checkFiles(paths, before) {
      selected ??= await selectPy27Checker(nodeProcessRunner, { parserOnly: opts.parserOnly, configured: opts.configured });
      const sources = await Promise.all(paths.map(async (path) => ({ path, text: (await fs.read(path)).toString('utf8') })));
      const report = await checkPython27(sources, selected);
      const errors: Array<{ file: string; line: number; message: string }> = [];
      for (const f of report.files) for (const i of f.issues) errors.push({ file: f.path, line: i.line, message: `${i.rule}: ${i.message}` });
      for (const s of sources) {
        const old = before?.get(s.path);
        const violations = old === undefined ? await checkNaming(s.text) : await checkNamingChange(old, s.text);
        for (const v of violations) errors.push({ file: s.path, line: v.line, message: `${v.rule}: ${v.message}` });
      }
      const c = report.checker;
      return { ok: errors.length === 0, checker: `${c.name} ${c.version} + naming rules`, errors };
    },
  };
}
