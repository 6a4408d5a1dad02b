/**
 * locate(file, line): what code a log location points at. PGMA's error pair names
 * `File: __init__.py, Line: 283` (where the caught exception was raised) and Plex tracebacks name the
 * innermost bundle frame; both are resolved against the text of the file AS IT WAS when the line was
 * logged (the caller passes that version), giving the enclosing function, the statement, and the
 * nearest XPath and request on or before that line in the same function.
 */
import type { SyntaxNode } from '../python/parser.ts';
import { endLineOf, lineOf, parsePython } from '../python/parser.ts';
import { inspectSource } from './inspect.ts';
import type { FileInspection, FunctionInfo, RaiseSite, RequestSite, XPathSite } from './types.ts';

/** The code at a location. */
export interface CodeLocation {
  readonly line: number;
  /** Innermost function containing the line, or null at module level. */
  readonly function: FunctionInfo | null;
  /** The innermost statement containing the line (for a compound statement: the whole statement). */
  readonly statement: { readonly line: number; readonly endLine: number; readonly text: string } | null;
  /** Nearest `.xpath(…)` on or before the line in the same function. */
  readonly xpath: XPathSite | null;
  /** Nearest request on or before the line in the same function. */
  readonly request: RequestSite | null;
  /** A `raise` on exactly this line (PGMA's `'< No Films! >'`), if any. */
  readonly raise: RaiseSite | null;
  /** False when the line is past the end of the file (the file changed since the line was logged). */
  readonly inRange: boolean;
}

const isStatement = (t: string) =>
  t.endsWith('_statement') || t === 'function_definition' || t === 'class_definition' || t === 'decorated_definition';

function statementAt(root: SyntaxNode, text: string, line: number): SyntaxNode | null {
  const row = line - 1;
  const lineText = text.split('\n', line)[row] ?? '';
  const column = Math.max(0, lineText.search(/\S/));
  let node: SyntaxNode | null = root.descendantForPosition({ row, column });
  while (node && !isStatement(node.type)) node = node.parent;
  return node;
}

function nearest<T extends { line: number; func: string }>(items: readonly T[], func: string, line: number): T | null {
  let best: T | null = null;
  for (const it of items) if (it.func === func && it.line <= line && (!best || it.line >= best.line)) best = it;
  return best;
}

/**
 * Locates `line` (1-based) in `text`. `inspection` may be passed when already computed for this exact
 * text (from a {@link BundleInspection}); otherwise the file is inspected on its own.
 */
export async function locate(text: string, line: number, inspection?: FileInspection): Promise<CodeLocation> {
  const ins = inspection ?? (await inspectSource(text));
  const inRange = line >= 1 && line <= ins.lines;
  let fn: FunctionInfo | null = null;
  for (const f of ins.functions) if (f.line <= line && line <= f.endLine && (!fn || f.line >= fn.line)) fn = f;
  const func = fn?.qualifiedName ?? '<module>';
  let statement: CodeLocation['statement'] = null;
  if (inRange) {
    const { tree } = await parsePython(text);
    try {
      const s = statementAt(tree.rootNode, text, line);
      if (s) statement = { line: lineOf(s), endLine: endLineOf(s), text: s.text.length > 400 ? `${s.text.slice(0, 397)}...` : s.text };
    } finally {
      tree.delete();
    }
  }
  return {
    line,
    function: fn,
    statement,
    xpath: nearest(ins.xpaths, func, line),
    request: nearest(ins.requests, func, line),
    raise: ins.raises.find((r) => r.line === line) ?? null,
    inRange,
  };
}
