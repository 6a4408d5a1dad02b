/**
 * Recipe: graceful degradation — log and go on instead of letting an exception abort the search or
 * update (PGMA's own fix for IAFD 403s, #86). The failing statement is the innermost bundle frame of the
 * traceback (or PGMA's location line); it is wrapped in try/except that logs the error, and an
 * assignment's target is set to None so later code sees "no value" rather than an undefined name.
 */
import { parsePython, lineOf, endLineOf, walk, type SyntaxNode } from '../python/parser.ts';
import { indentOf, splitLines, type SourceEdit } from './source.ts';
import { addEdits, emptyChange, evidenceLocations, type Recipe } from './types.ts';

const SIMPLE = new Set(['expression_statement', 'return_statement', 'raise_statement']);

/** The smallest simple statement covering a 1-based line. */
async function statementAt(text: string, line: number): Promise<SyntaxNode | null> {
  const { tree } = await parsePython(text);
  let best: SyntaxNode | null = null;
  walk(tree.rootNode, (n) => {
    if (lineOf(n) > line || endLineOf(n) < line) return false;
    if (SIMPLE.has(n.type)) best = n;
    return true;
  });
  return best;
}

export const gracefulDegradation: Recipe = {
  name: 'graceful_degradation',
  async run(ctx) {
    for (const { example: ex, line, base, path, file } of evidenceLocations(ctx)) {
      const f = { path, file };
      const loc = { line };
      const text = ctx.text(f.file);
      const stmt = await statementAt(text, loc.line);
      if (!stmt) continue;
      if (stmt.type === 'raise_statement') {
        return { ok: false, reason: `${base}:${loc.line} raises on purpose (${stmt.text.slice(0, 60)}); wrapping it would hide the agent's own signal` };
      }
      const lines = splitLines(text);
      const start = lineOf(stmt);
      const end = endLineOf(stmt);
      const indent = indentOf(lines[start - 1]!);
      const fn = f.file.inspection.functions.filter((x) => x.line <= start && x.endLine >= end).sort((a, b) => b.line - a.line)[0];
      const target = /^\s*([A-Za-z]\w*)\s*=[^=]/.exec(lines[start - 1]!)?.[1];
      const edits: SourceEdit[] = [{ kind: 'insert', afterLine: start - 1, lines: [`${indent}try:`], why: 'open try' }];
      for (let n = start; n <= end; n++) edits.push({ kind: 'transform', line: n, fn: (l) => (l.trim() ? `    ${l}` : l), why: 'indent into try' });
      const what = ex.exceptionType ?? 'an error';
      edits.push({
        kind: 'insert',
        afterLine: end,
        lines: [
          `${indent}except Exception as error:`,
          // %r, not %s: under Python 2.7 '%s' % error runs str(error), which raises UnicodeEncodeError for a
          // non-ASCII unicode message (a title with an accent) — from inside the handler meant to go on.
          `${indent}    Log.Error('plexmend: a failing step in ${fn?.name ?? 'this function'} was skipped: %r' % (error,))`,
          ...(target ? [`${indent}    ${target} = None`] : []),
        ],
        why: 'log and go on',
      });
      const change = emptyChange(
        `Log and go on when ${fn?.name ?? base} fails`,
        `${what} escapes ${base}:${loc.line} (${ex.message.slice(0, 100)}) and aborts the whole operation; catching it there keeps the rest of the ${ex.phase ?? 'operation'} going.`,
      );
      addEdits(change.edits, f.file.sha256, edits);
      change.evidence.push({ file: `${ctx.bundle.bundle}/${f.path}`, line: start, text: lines[start - 1]!.trim(), why: `the innermost bundle frame of the ${what}` });
      return { ok: true, ...change };
    }
    return { ok: false, reason: 'the evidence names no statement in this bundle to guard' };
  },
};
