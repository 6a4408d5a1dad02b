/**
 * Recipe: graceful degradation — log and go on instead of letting an exception abort the search or
 * update (PGMA's own fix for IAFD 403s, #86). The failing statement is the innermost bundle frame of the
 * traceback (or PGMA's location line); it is wrapped in try/except that logs the error. Going on must
 * not just move the crash: when the statement binds a name that later code reads, {@link planDegradation}
 * reads those uses (tree-sitter) and picks, in order:
 * 1. an empty value every use tolerates (`[]` for `len(x)`, `''` for `x.strip()`, `None` for `if x:`);
 * 2. `continue` — skip the rest of this item in the enclosing loop — when every use is inside it;
 * 3. `return` — leave the function with what it has: bare in Plex's `search`/`update` callbacks (Plex
 *    ignores their result; what they set so far stays) and in functions that return no value, else the
 *    empty value of the kind the function evidently returns (`[]` for `return html.xpath(…)`) when
 *    every caller found tolerates it (`len(result)`, not `result[0]`) — callers are looked for in every
 *    bundle that holds a copy of the file (a helper of PGMA's shared utils.py is called from each
 *    agent's `__init__.py`);
 * and otherwise does not offer the recipe, saying which use would fail.
 */
import { parsePython, lineOf, endLineOf, walk, ancestor, type SyntaxNode } from '../python/parser.ts';
import { callResultUses, callSites, EMPTY_VALUES, expressionKind, targetNames, usesAfter, within, type EmptyValue, type NameUse } from '../python/uses.ts';
import { indentOf, splitLines, type SourceEdit } from './source.ts';
import { addEdits, emptyChange, evidenceLocations, type Recipe, type RecipeContext } from './types.ts';
import type { BundleInspection, LogicalFile } from '../inspect/types.ts';

const SIMPLE = new Set(['expression_statement', 'return_statement', 'raise_statement']);
const SCOPES = ['function_definition', 'lambda', 'class_definition'] as const;

/** How the failing statement degrades; `why` is one sentence for the proposal's rationale. */
export type DegradePlan =
  | { how: 'guard'; why: string }
  | { how: 'substitute'; values: Array<{ name: string; value: EmptyValue }>; why: string }
  | { how: 'continue'; values: Array<{ name: string; value: EmptyValue }>; why: string }
  | { how: 'return'; value: EmptyValue | null; why: string }
  | { how: 'none'; reason: string };

/** The smallest simple statement covering a 1-based line. */
function statementAt(root: SyntaxNode, line: number): SyntaxNode | null {
  let best: SyntaxNode | null = null;
  walk(root, (n) => {
    if (lineOf(n) > line || endLineOf(n) < line) return false;
    if (SIMPLE.has(n.type)) best = n;
    return true;
  });
  return best;
}

/** Names an assignment statement binds (`x = y = f()` binds both); none for `obj.attr = …`. */
function boundNames(stmt: SyntaxNode): { names: string[]; value: SyntaxNode | null } {
  let a = stmt.type === 'expression_statement' ? stmt.namedChildren[0] : null;
  const names: string[] = [];
  while (a?.type === 'assignment') {
    const left = a.childForFieldName('left');
    if (left) names.push(...targetNames(left).map((n) => n.text));
    const right = a.childForFieldName('right');
    if (right?.type !== 'assignment') return { names: [...new Set(names)], value: right };
    a = right;
  }
  return { names: [...new Set(names)], value: null };
}

/** True when `name` already has a value before `stmt` runs: a parameter, or assigned earlier in an enclosing block. */
function boundBefore(scope: SyntaxNode, stmt: SyntaxNode, name: string): boolean {
  if (scope.type === 'function_definition') {
    const params = scope.childForFieldName('parameters');
    for (const p of params?.namedChildren ?? []) {
      const id = p?.type === 'identifier' ? p : p?.childForFieldName('name') ?? p?.namedChildren[0];
      if (id?.text === name) return true;
    }
  }
  let child = stmt;
  for (let block = stmt.parent; block && within(block, scope); child = block, block = block.parent) {
    if (block.type !== 'block' && block.type !== 'module') continue;
    for (const s of block.namedChildren) {
      if (!s || s.startIndex >= child.startIndex) break;
      if (s.type === 'expression_statement' && boundNames(s).names.includes(name)) return true;
    }
    if (block === scope) break;
  }
  return false;
}

/** The innermost loop of `scope` whose body holds `stmt`, unless a `finally:` lies between (no `continue` there in 2.7). */
function enclosingLoop(stmt: SyntaxNode, scope: SyntaxNode): SyntaxNode | null {
  let child = stmt;
  for (let p = stmt.parent; p && within(p, scope); child = p, p = p.parent) {
    if ((SCOPES as readonly string[]).includes(p.type) || p.type === 'finally_clause' || p.type === 'module') return null;
    if ((p.type === 'for_statement' || p.type === 'while_statement') && within(child, p.childForFieldName('body')!)) return p;
  }
  return null;
}

/** A Plex agent callback: `search`/`update` of a class deriving from `Agent.*` (Plex ignores their return value). */
function isAgentCallback(fn: SyntaxNode): boolean {
  const name = fn.childForFieldName('name')?.text;
  const cls = ancestor(fn, 'class_definition');
  return (name === 'search' || name === 'update') && !!cls && /\bAgent\./.test(cls.childForFieldName('superclasses')?.text ?? '');
}

/** The kind a function evidently returns: 'bare' when it returns no value, null when unknown or mixed. */
function returnKind(fn: SyntaxNode): EmptyValue | 'bare' | null {
  const kinds = new Set<EmptyValue | null>();
  walk(fn.childForFieldName('body')!, (n) => {
    if ((SCOPES as readonly string[]).includes(n.type)) return false;
    if (n.type !== 'return_statement') return;
    const e = n.namedChildren[0];
    if (!e) return;
    if (e.type === 'identifier') {
      // one level: the kinds of what the function assigns to the returned name (a parameter: unknown)
      let assigned = false;
      walk(fn, (a) => {
        if (a.type === 'assignment' && a.childForFieldName('left')?.text === e.text) {
          assigned = true;
          kinds.add(expressionKind(a.childForFieldName('right')));
        }
      });
      if (!assigned) kinds.add(null);
      return;
    }
    kinds.add(expressionKind(e));
  });
  if (kinds.size === 0) return 'bare';
  if (kinds.has(null)) return null;
  if (kinds.has('None')) return 'None'; // callers already handle None
  return kinds.size === 1 ? [...kinds][0]! : null;
}

/** The empty value all `uses` tolerate: None if they all do, else the assigned value's evident kind, else [] / '' / {}. */
function substitute(uses: readonly NameUse[], valueKind: EmptyValue | null): EmptyValue | null {
  const ok = uses.reduce<EmptyValue[]>((acc, u) => acc.filter((v) => u.accepts.includes(v)), ['None', "''", '[]', '{}']);
  if (ok.includes('None')) return 'None';
  if (valueKind && ok.includes(valueKind)) return valueKind;
  return (['[]', "''", '{}'] as const).find((v) => ok.includes(v)) ?? null;
}

const KIND_NAMES: Record<EmptyValue, string> = { None: 'None', "''": 'string', '[]': 'list', '{}': 'dict' };

const where = (u: Pick<NameUse, 'context' | 'line'>) => `${u.context} (line ${u.line})`;

/**
 * Where a function's result is read: one entry per read at every call site (`file` names the caller's
 * file), and the files that could hold callers but were not available to read.
 */
export type CallerUses = (fnName: string) => {
  uses: Array<{ accepts: readonly EmptyValue[]; line: number; context: string; file: string }>;
  unchecked: readonly string[];
};

/** {@link CallerUses} over parsed files (`file` → tree root). */
export function callersIn(roots: ReadonlyMap<string, SyntaxNode>, unchecked: readonly string[] = []): CallerUses {
  return (fnName) => ({
    uses: [...roots].flatMap(([file, root]) => callSites(root, fnName).flatMap((c) => callResultUses(c, root).map((u) => ({ ...u, file })))),
    unchecked,
  });
}

/** Names an `except` clause catching them catches every error an agent's code raises (Python 2's StandardError too). */
const BROAD = new Set(['Exception', 'BaseException', 'StandardError']);

/**
 * The `try` around `stmt` (within its function) whose `except` already catches the error — a bare
 * `except:`, a broad class, or the traceback's own type (last dotted part) — else null. Such an error is
 * handled where it happens (PGMA logs it and goes on), so it does not abort the operation: the cause lies
 * in what fails (an XPath, a request), and another guard would only nest a second try. Pure.
 */
export function handlingTry(stmt: SyntaxNode, exceptionType: string | undefined): { line: number; clause: string } | null {
  const wanted = exceptionType?.split('.').pop();
  for (let p = stmt.parent; p && !(SCOPES as readonly string[]).includes(p.type); p = p.parent) {
    if (p.type !== 'try_statement' || !within(stmt, p.childForFieldName('body')!)) continue;
    for (const clause of p.namedChildren) {
      if (clause?.type !== 'except_clause') continue;
      const header = clause.text.slice(0, clause.text.indexOf(':')).trim();
      // `except`, `except E`, `except E as e`, `except E, e` (2.x), `except (E1, E2), e`
      const caught = header.replace(/^except\b/, '').replace(/\bas\s+\w+\s*$/, '').replace(/,\s*\w+\s*$/, '');
      const names = caught.match(/[A-Za-z_][\w.]*/g)?.map((n) => n.split('.').pop()!) ?? [];
      if (names.length === 0 || names.some((n) => BROAD.has(n) || n === wanted)) return { line: lineOf(p), clause: header };
    }
  }
  return null;
}

/**
 * Chooses how the statement `stmt` (in the tree `root`) degrades; see the module comment. Pure.
 */
export function planDegradation(root: SyntaxNode, stmt: SyntaxNode, callers: CallerUses = () => ({ uses: [], unchecked: [] })): DegradePlan {
  const fn = ancestor(stmt, 'function_definition');
  const scope = fn ?? root;
  const fnName = fn?.childForFieldName('name')?.text ?? 'the module';
  const leave = (): DegradePlan | null => {
    if (!fn) return null;
    if (isAgentCallback(fn)) return { how: 'return', value: null, why: `${fnName} is a Plex agent callback: leaving it keeps what it has set so far` };
    const kind = returnKind(fn);
    if (kind === 'bare') return { how: 'return', value: null, why: `${fnName} returns no value, so leaving it early changes nothing for its callers` };
    if (kind === 'None') return { how: 'return', value: kind, why: `${fnName} already returns None on another path: it returns None instead` };
    if (!kind) return null;
    const { uses, unchecked } = callers(fnName);
    const bad = uses.find((u) => !u.accepts.includes(kind));
    if (uses.length === 0 || bad || unchecked.length) {
      refusal = bad
        ? `${fnName} could return ${kind} instead, but its caller reads the result as ${where(bad)} in ${bad.file}, so the crash would move there`
        : unchecked.length
          ? `${fnName} returns a ${KIND_NAMES[kind]}, but ${unchecked.length} file(s) that may call it were not read (${unchecked.slice(0, 3).join(', ')}), so whether ${kind} is safe for every caller is unknown`
          : `${fnName} returns a ${KIND_NAMES[kind]} but no caller of it was found in the bundles, so whether ${kind} is safe for them is unknown`;
      return null;
    }
    return { how: 'return', value: kind, why: `${fnName} returns a ${KIND_NAMES[kind]}: it returns ${kind} instead, which its callers accept (${uses.map((u) => `${u.file}:${u.line}`).join(', ')})` };
  };
  let refusal = '';
  if (stmt.type === 'return_statement') {
    return leave() ?? { how: 'none', reason: refusal || `the value ${fnName} returns at line ${lineOf(stmt)} goes to its callers and its kind is not evident, so no empty value is known to be safe for them` };
  }
  const { names, value } = boundNames(stmt);
  const valueKind = expressionKind(value);
  const loop = enclosingLoop(stmt, scope);
  const open = names
    .filter((n) => !boundBefore(scope, stmt, n))
    .map((name) => ({ name, uses: usesAfter(scope, name, stmt, loop).map((u) => returnedUse(u, fn, callers)) }))
    .filter((x) => x.uses.length > 0);
  if (open.length === 0) {
    return { how: 'guard', why: names.length ? `${names.join(', ')} is not read afterwards or keeps an earlier value` : 'the statement binds no name later code needs' };
  }
  const chosen = open.map((x) => ({ ...x, value: substitute(x.uses, valueKind) }));
  const values = chosen.filter((x) => x.value !== null).map((x) => ({ name: x.name, value: x.value! }));
  if (values.length === chosen.length) {
    const reads = (uses: readonly NameUse[]) => `${uses.slice(0, 3).map(where).join(', ')}${uses.length > 3 ? ` and ${uses.length - 3} more` : ''}`;
    return { how: 'substitute', values, why: chosen.map((x) => `${x.name} becomes ${x.value}, which ${reads(x.uses)} accept${x.uses.length > 1 ? '' : 's'}`).join('; ') };
  }
  const missing = chosen.filter((x) => x.value === null);
  if (loop && missing.every((x) => x.uses.every((u) => within(u.node, loop.childForFieldName('body')!)))) {
    return { how: 'continue', values, why: `${missing.map((x) => x.name).join(', ')} is only read inside the loop at line ${lineOf(loop)}: the item whose step failed is skipped and the loop goes on` };
  }
  const left = leave();
  if (left) return left;
  const culprit = missing[0]!;
  const use = culprit.uses.find((u) => u.accepts.length === 0) ?? culprit.uses[0]!;
  return {
    how: 'none',
    reason: `${culprit.name} (set at line ${lineOf(stmt)}) is read as ${where(use)}, which no empty value survives, and there is no loop to go on with nor a safe way out of ${fnName}${refusal ? ` (${refusal})` : ''}: guarding it would only move the crash to line ${use.line}`,
  };
}

/**
 * `return x`: what the function's callers accept is what x must survive — anything in a Plex agent
 * callback (Plex ignores the result), else the values every caller found tolerates (none when a
 * caller could not be read or none was found).
 */
function returnedUse(u: NameUse, fn: SyntaxNode | null, callers: CallerUses): NameUse {
  let p = u.node.parent;
  while (p?.type === 'parenthesized_expression') p = p.parent;
  if (!fn || p?.type !== 'return_statement') return u;
  if (isAgentCallback(fn)) return { ...u, accepts: EMPTY_VALUES };
  const name = fn.childForFieldName('name')?.text ?? '';
  const { uses, unchecked } = callers(name);
  if (uses.length === 0 || unchecked.length) return u;
  const accepts = EMPTY_VALUES.filter((v) => uses.every((c) => c.accepts.includes(v)));
  // the most demanding caller names what the returned value must survive
  const first = [...uses].sort((a, b) => a.accepts.length - b.accepts.length)[0]!;
  const more = uses.length > 1 ? ` and ${uses.length - 1} more` : '';
  return { ...u, accepts, context: `${u.context} (to ${first.context} at ${first.file}:${first.line}${more})` };
}

/** The lines of the `except` clause for a plan (2.7 syntax, `%r` so a non-ASCII unicode message cannot raise in the handler). */
function handler(plan: Exclude<DegradePlan, { how: 'none' }>, indent: string, fnName: string): string[] {
  const message =
    plan.how === 'continue' ? `a failing step in ${fnName} was skipped; going on with the next one` : plan.how === 'return' ? `a failing step in ${fnName} was skipped; leaving ${fnName} early` : `a failing step in ${fnName} was skipped`;
  const lines = [`${indent}except Exception as error:`, `${indent}    Log.Error('plexmend: ${message}: %r' % (error,))`];
  if (plan.how === 'substitute' || plan.how === 'continue') lines.push(...plan.values.map((v) => `${indent}    ${v.name} = ${v.value}`));
  if (plan.how === 'continue') lines.push(`${indent}    continue`);
  if (plan.how === 'return') lines.push(`${indent}    return${plan.value ? ` ${plan.value}` : ''}`);
  return lines;
}

type CallerUse = ReturnType<CallerUses>['uses'][number];
type FileUses = Array<Omit<CallerUse, 'file'>>;

/**
 * Uses of a function's result found in one file, by `<file sha256> <function name>`, per inspection
 * (one diagnosis): spares re-parsing the same callers for every group (21 PGMA bundles share one
 * utils.py helper). Content-addressed, so an entry never goes stale; bounded, the oldest go first.
 */
const CALLER_MEMO = new WeakMap<BundleInspection, Map<string, FileUses>>();
const CALLER_MEMO_MAX = 512;

function remember(memo: Map<string, FileUses>, key: string, uses: FileUses): FileUses {
  if (memo.size >= CALLER_MEMO_MAX) memo.delete(memo.keys().next().value!);
  memo.set(key, uses);
  return uses;
}

/**
 * Where `fnName`'s result is read in every Python file of the bundles holding a copy of `failing`: in
 * PGMA a helper of the shared `utils.py` is called from the `__init__.py` of other bundles, so those
 * are read too (`ctx.read`: once per diagnosis). Each logical file is looked at once; a textual
 * pre-check picks the ones to parse, and `failing` itself is `failingRoot`, already parsed. Files the
 * context cannot give are listed as unchecked.
 */
async function callersOf(ctx: RecipeContext, failing: LogicalFile, failingRoot: SyntaxNode, fnName: string): Promise<CallerUses> {
  const uses: CallerUse[] = [];
  const unchecked: string[] = [];
  const bundles = new Set(failing.copies.map((c) => c.bundle));
  const call = new RegExp(`\\b${fnName}\\s*\\(`);
  const usesIn = (root: SyntaxNode) => callSites(root, fnName).flatMap((c) => callResultUses(c, root));
  const memo = CALLER_MEMO.get(ctx.inspection) ?? CALLER_MEMO.set(ctx.inspection, new Map()).get(ctx.inspection)!;
  for (const file of ctx.inspection.files) {
    if (!file.name.endsWith('.py') || !file.copies.some((c) => bundles.has(c.bundle))) continue;
    const name = `${file.copies[0]!.bundle}/${file.copies[0]!.path}`;
    const key = `${file.sha256} ${fnName}`;
    let found = memo.get(key);
    if (!found && file.sha256 === failing.sha256) found = remember(memo, key, usesIn(failingRoot));
    if (!found) {
      let text: string | null = ctx.text(file);
      if (!text && ctx.read) text = await ctx.read(file).catch(() => null);
      if (!text) {
        // '' from `read` is an empty file (no caller in it); from `text` alone it means "not loaded"
        if (text === null || !ctx.read) unchecked.push(name);
        continue;
      }
      if (!call.test(text)) found = remember(memo, key, []);
      else {
        const { tree } = await parsePython(text);
        try {
          found = remember(memo, key, usesIn(tree.rootNode));
        } finally {
          tree.delete();
        }
      }
    }
    uses.push(...found.map((u) => ({ ...u, file: name })));
  }
  return (name) => (name === fnName ? { uses, unchecked } : { uses: [], unchecked: [`(callers of ${name} were not looked up)`] });
}

export const gracefulDegradation: Recipe = {
  name: 'graceful_degradation',
  async run(ctx) {
    const refused: string[] = [];
    for (const { example: ex, line, base, path, file } of evidenceLocations(ctx)) {
      const text = ctx.text(file);
      const { tree } = await parsePython(text);
      try {
        const stmt = statementAt(tree.rootNode, line);
        if (!stmt) continue;
        if (stmt.type === 'raise_statement') {
          return { ok: false, reason: `${base}:${line} raises on purpose (${stmt.text.slice(0, 60)}); wrapping it would hide the agent's own signal` };
        }
        const handled = handlingTry(stmt, ex.exceptionType);
        if (handled) {
          refused.push(`${base}:${line}: already inside the try at line ${handled.line} whose \`${handled.clause}\` catches ${ex.exceptionType ?? 'the error'}, so it is handled there and does not abort the operation; another guard would only nest a second try`);
          continue;
        }
        const fnOfStmt = ancestor(stmt, 'function_definition')?.childForFieldName('name')?.text;
        const plan = planDegradation(tree.rootNode, stmt, fnOfStmt ? await callersOf(ctx, file, tree.rootNode, fnOfStmt) : undefined);
        if (plan.how === 'none') {
          refused.push(`${base}:${line}: ${plan.reason}`);
          continue;
        }
        const lines = splitLines(text);
        const start = lineOf(stmt);
        const end = endLineOf(stmt);
        const indent = indentOf(lines[start - 1]!);
        const fnName = file.inspection.functions.filter((x) => x.line <= start && x.endLine >= end).sort((a, b) => b.line - a.line)[0]?.name;
        const edits: SourceEdit[] = [{ kind: 'insert', afterLine: start - 1, lines: [`${indent}try:`], why: 'open try' }];
        for (let n = start; n <= end; n++) edits.push({ kind: 'transform', line: n, fn: (l) => (l.trim() ? `    ${l}` : l), why: 'indent into try' });
        edits.push({ kind: 'insert', afterLine: end, lines: handler(plan, indent, fnName ?? 'this function'), why: `log and go on (${plan.how})` });
        const what = ex.exceptionType ?? 'an error';
        const change = emptyChange(
          `Log and go on when ${fnName ?? base} fails`,
          `${what} escapes ${base}:${line} (${ex.message.slice(0, 100)}) and aborts the whole operation; catching it there keeps the rest of the ${ex.phase ?? 'operation'} going: ${plan.why}.`,
        );
        addEdits(change.edits, file.sha256, edits);
        change.evidence.push({ file: `${ctx.bundle.bundle}/${path}`, line: start, text: lines[start - 1]!.trim(), why: `the innermost bundle frame of the ${what}` });
        return { ok: true, ...change };
      } finally {
        tree.delete();
      }
    }
    if (refused.length) return { ok: false, reason: `no safe degradation: ${refused.join('; ')}` };
    return { ok: false, reason: 'the evidence names no statement in this bundle to guard' };
  },
};
