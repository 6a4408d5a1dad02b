/**
 * Plex's plug-in sandbox rules (DESIGN.md checklist point 6). Plex compiles every file in a bundle's
 * `Contents/Code` with its bundled RestrictedPython 3.x — `loader.py` calls
 * `RestrictedPython.compile_restricted(source, name, 'exec', elevated=elevated)` — whose
 * RestrictionMutator refuses, at load time, with a `SyntaxError: Line N: …` that stops the plug-in:
 * - any name, read or written, that starts with `_` (except `_` itself): variables, `def`/`class`
 *   names, parameters, `import` names and aliases, loop/`except`/`with` targets. So `__file__`,
 *   `__name__`, `__builtins__`, `def __init__` and `_helper = …` are all refused. Observed under the
 *   Elevated policy PGMA uses: `SyntaxError: Line 101: "_add_pgma_stubs_to_path" is an invalid variable
 *   name because it starts with "_"` stopped a dozen PGMA agents at once (2026);
 * - any attribute, read or written, that starts with `_` (`obj._x`, `self.__class__`, `sys._getframe`);
 * - assigning the reserved name `printed`;
 * - `exec` statements, `yield`, augmented assignment of attributes or items (`self.n += 1`, `d[k] += 1`).
 * And at run time the sandbox's `_inplacevar_` supports only `+=` on plain names: `n -= 1` compiles but
 * raises `FrameworkException: Operator '-=' is not supported` when it runs.
 * Which of these the `elevated=True` variant relaxes is unknown (Plex's modified RestrictedPython is not
 * public); the underscore-name rule is confirmed under Elevated, the others come from upstream
 * RestrictedPython 3.x and each violation says which (`basis`). (The item rule is also reported from
 * Hama, an Elevated agent — issue Hama#266, as cited by the sandbox runtime; not verified here.)
 * Deliberately stricter than RestrictedPython ≥ 4, which allows `__init__` and other magic method
 * names in class bodies: Plex ships the 3.x line (compiler-module based `RCompile.py`), where
 * `checkName` has no such exception — and a patch never needs one. Not restricted: keyword-argument names
 * in calls (`f(_x=1)`), string contents, file names such as `__init__.py`, framework globals.
 */
import { diffLines } from 'diff';
import type { SyntaxNode } from './parser.ts';
import { isMaskedExec, lineOf, parsePython, walk } from './parser.ts';

/** Rule names (contract: add, never rename). */
export const NAMING_RULES = [
  'underscore-name',
  'underscore-attribute',
  'reserved-printed',
  'exec-statement',
  'yield',
  'augmented-attribute',
  'augmented-item',
  'inplace-operator',
] as const;
export type NamingRule = (typeof NAMING_RULES)[number];

/**
 * Where a rule comes from: `observed-elevated` (seen refusing PGMA code under the Elevated policy),
 * `restrictedpython-3` (upstream RestrictedPython 3.x; relaxation under Elevated unknown),
 * `plex-runtime` (Plex's sandbox environment, fails when the line runs, not at load).
 */
export type NamingBasis = 'observed-elevated' | 'restrictedpython-3' | 'plex-runtime';

/** One violation, with the exact text Plex logs for it. */
export interface NamingViolation {
  readonly rule: NamingRule;
  readonly basis: NamingBasis;
  /** The offending name or attribute (or operator for `inplace-operator`). */
  readonly name: string;
  /** 1-based. */
  readonly line: number;
  readonly column: number;
  /** RestrictedPython's message, e.g. `"_x" is an invalid variable name because it starts with "_"`. */
  readonly message: string;
  /** The line Plex's log shows, e.g. `SyntaxError: Line 12: "_x" is an invalid …`. */
  readonly plexLog: string;
}

const BASIS: Record<NamingRule, NamingBasis> = {
  'underscore-name': 'observed-elevated',
  'underscore-attribute': 'restrictedpython-3',
  'reserved-printed': 'restrictedpython-3',
  'exec-statement': 'restrictedpython-3',
  yield: 'restrictedpython-3',
  'augmented-attribute': 'restrictedpython-3',
  'augmented-item': 'restrictedpython-3',
  'inplace-operator': 'plex-runtime',
};

function violation(rule: NamingRule, node: SyntaxNode, name: string, message: string): NamingViolation {
  const line = lineOf(node);
  const plexLog =
    BASIS[rule] === 'plex-runtime' ? `FrameworkException: ${message}` : `SyntaxError: Line ${line}: ${message}`;
  return { rule, basis: BASIS[rule], name, line, column: node.startPosition.column + 1, message, plexLog };
}

const refused = (name: string) => name.startsWith('_') && name !== '_';

/**
 * Whether Plex compiles a bundle file under these rules: the plug-in's own code in `Contents/Code/`
 * (loaded through the sandbox's RestrictedModule). Libraries in `Contents/Libraries/Shared/` are
 * imported by the normal Python import machinery and are not restricted.
 */
export function isRestrictedPath(path: string): boolean {
  const p = path.replace(/\\/g, '/');
  return p.endsWith('.py') && (p.startsWith('Contents/Code/') || p.includes('/Contents/Code/'));
}

/** Store contexts (where assigning `printed` is refused): the identifier is an assignment target. */
function isStoreTarget(node: SyntaxNode): boolean {
  const p = node.parent;
  if (!p) return false;
  switch (p.type) {
    case 'pattern_list':
    case 'tuple_pattern':
    case 'list_pattern':
    case 'list_splat_pattern':
    case 'as_pattern_target':
    case 'parameters':
    case 'lambda_parameters':
    case 'typed_parameter':
      return true;
    case 'default_parameter':
      return p.childForFieldName('name')?.id === node.id;
    case 'assignment':
    case 'augmented_assignment':
    case 'for_statement':
    case 'for_in_clause':
      return p.childForFieldName('left')?.id === node.id;
    case 'function_definition':
    case 'class_definition':
      return p.childForFieldName('name')?.id === node.id;
    default:
      return false;
  }
}

function checkImport(stmt: SyntaxNode, out: NamingViolation[]): void {
  for (const n of stmt.childrenForFieldName('name')) {
    if (!n) continue;
    const target = n.type === 'aliased_import' ? n.childForFieldName('name') : n;
    const full = target?.text ?? '';
    if (refused(full)) out.push(violation('underscore-name', n, full, nameMessage(full)));
    const alias = n.type === 'aliased_import' ? n.childForFieldName('alias') : null;
    if (alias && refused(alias.text)) out.push(violation('underscore-name', alias, alias.text, nameMessage(alias.text)));
  }
}

const nameMessage = (name: string) => `"${name}" is an invalid variable name because it starts with "_"`;

/**
 * All violations in a parsed module. Pass the original `source` the tree was parsed from so Python 2
 * `exec` statements the parser saw as masked assignments are still reported.
 */
export function checkNamingTree(root: SyntaxNode, source?: string): NamingViolation[] {
  const out: NamingViolation[] = [];
  walk(root, (n) => {
    if (source !== undefined && n.type === 'assignment' && isMaskedExec(n, source)) {
      out.push(violation('exec-statement', n, 'exec', 'Exec statements are not allowed.'));
      const right = n.childForFieldName('right');
      if (right) out.push(...checkNamingTree(right, source));
      return false;
    }
    switch (n.type) {
      case 'import_statement':
      case 'import_from_statement':
      case 'future_import_statement':
        checkImport(n, out);
        return false;
      case 'global_statement':
      case 'nonlocal_statement':
        return false; // names there are strings to the compiler; their uses are checked
      case 'keyword_argument': {
        const value = n.childForFieldName('value');
        if (value) checkNamingInto(value, out);
        return false;
      }
      case 'exec_statement':
        out.push(violation('exec-statement', n, 'exec', 'Exec statements are not allowed.'));
        return;
      case 'yield':
        if (n.isNamed) out.push(violation('yield', n, 'yield', 'Yield statements are not allowed.'));
        return;
      case 'augmented_assignment': {
        const left = n.childForFieldName('left');
        const op = n.childForFieldName('operator')?.type ?? '';
        if (left?.type === 'attribute') {
          out.push(violation('augmented-attribute', n, left.text, 'Augmented assignment of attributes is not allowed.'));
        } else if (left?.type === 'subscript') {
          out.push(violation('augmented-item', n, left.text, 'Augmented assignment of object items and slices is not allowed.'));
        } else if (left?.type === 'identifier' && op !== '+=') {
          out.push(violation('inplace-operator', n, op, `Operator '${op}' is not supported`));
        }
        return;
      }
      case 'attribute': {
        const attr = n.childForFieldName('attribute');
        if (attr && refused(attr.text)) {
          out.push(violation('underscore-attribute', attr, attr.text, `"${attr.text}" is an invalid attribute name because it starts with "_".`));
        }
        const object = n.childForFieldName('object');
        if (object) checkNamingInto(object, out);
        return false;
      }
      case 'identifier': {
        const name = n.text;
        if (refused(name)) out.push(violation('underscore-name', n, name, nameMessage(name)));
        else if (name === 'printed' && isStoreTarget(n)) out.push(violation('reserved-printed', n, name, '"printed" is a reserved name.'));
        return;
      }
    }
  });
  return out;
}

function checkNamingInto(node: SyntaxNode, out: NamingViolation[]): void {
  out.push(...checkNamingTree(node));
}

/** All violations in a file's text. */
export async function checkNaming(text: string): Promise<NamingViolation[]> {
  const { tree } = await parsePython(text);
  try {
    return checkNamingTree(tree.rootNode, text).sort((a, b) => a.line - b.line || a.column - b.column);
  } finally {
    tree.delete();
  }
}

/** 1-based line numbers of `after` that are added or changed relative to `before`. */
export function changedLines(before: string, after: string): Set<number> {
  const changed = new Set<number>();
  let line = 1;
  for (const part of diffLines(before, after)) {
    const count = part.count ?? part.value.split('\n').length - (part.value.endsWith('\n') ? 1 : 0);
    if (part.removed) continue;
    if (part.added) for (let i = 0; i < count; i++) changed.add(line + i);
    line += count;
  }
  return changed;
}

/**
 * Violations a change INTRODUCES: those in `after` on added/changed lines whose (rule, name) occurs
 * more often in `after` than in `before`. Moving an existing line does not count; code that was
 * already there (and so already loads under Plex, or never did) is not blamed on the patch.
 */
export async function checkNamingChange(before: string, after: string): Promise<NamingViolation[]> {
  const [old, now] = await Promise.all([checkNaming(before), checkNaming(after)]);
  const key = (v: NamingViolation) => `${v.rule}\u0000${v.name}`;
  const oldCount = new Map<string, number>();
  for (const v of old) oldCount.set(key(v), (oldCount.get(key(v)) ?? 0) + 1);
  const nowCount = new Map<string, number>();
  for (const v of now) nowCount.set(key(v), (nowCount.get(key(v)) ?? 0) + 1);
  const lines = changedLines(before, after);
  return now.filter((v) => (nowCount.get(key(v)) ?? 0) > (oldCount.get(key(v)) ?? 0) && lines.has(v.line));
}
